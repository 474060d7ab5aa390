"""One pass over a metric's figures sorted by period: every conflict and every corroboration.

Pairs are never enumerated blindly. Figures whose periods are close enough to be compared sit in an
active set ordered by their interval ends, so the figures that lie wholly below or above the next
one are a prefix or suffix of that order; on a cumulative metric, figures whose period ended before
the next one starts move to a second ordered set, where those wholly above it are again a suffix.
The work is the number of figures times a logarithm plus the number of conflicting pairs.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter, sub

from sortedcontainers import SortedList

from claims.checks.rules import DECREASE, DISJOINT, RELAY, FigureFacts

# (code, claim_a, claim_b) -> (figure of claim_a, figure of claim_b), the lowest pair of ids.
ConflictMap = dict[tuple[str, int, int], tuple[int, int]]

# Up to this many members, an ordered set is a plain list kept sorted with bisect: inserting or
# deleting moves a few kilobytes of pointers in C, several times cheaper than a SortedList call,
# which runs Python code. Past it the moves grow with the set and SortedList's blocks win. Almost
# every metric stays below it (a dense 100,000-figure metric keeps about 3,500 figures active).
PLAIN_LIMIT = 4096

_id = attrgetter("id")
_first = attrgetter("period.first")


def _by_period(figures: Sequence[FigureFacts]) -> list[FigureFacts]:
    """The dated figures by (period.first, id). Two stable sorts on one key each give that order
    (ties included) several times faster than one sort on (date, id) tuples."""
    dated = [f for f in figures if f.period is not None]
    dated.sort(key=_id)
    dated.sort(key=_first)
    return dated


def add_conflict(found: ConflictMap, code: str, x: FigureFacts, y: FigureFacts) -> None:
    a, b = (x, y) if x.claim_id < y.claim_id else (y, x)
    key = (code, a.claim_id, b.claim_id)
    pair = (a.id, b.id)
    if key not in found or pair < found[key]:
        found[key] = pair


def _ordered_set(most: int) -> tuple[list[int] | SortedList, Callable[[int], int], Callable[[int], None]]:
    """An empty ordered set of distinct ints that will never hold more than `most`, with its bisect
    and its insert. Deleting is `del items[bisect(x)]` and ranges are slices, on either kind."""
    if most <= PLAIN_LIMIT:
        items: list[int] = []
        return items, partial(bisect_left, items), partial(insort, items)
    ordered = SortedList()
    return ordered, ordered.bisect_left, ordered.add


def metric_conflicts(
    figures: Sequence[FigureFacts], *, cumulative: bool, window_days: int, share_root: Callable[[int, int], bool]
) -> ConflictMap:
    """All conflicts among the figures of one metric (claims.checks.rules.conflict_code, in bulk).
    window_days is never negative (the metric's field is positive)."""
    dated = _by_period(figures)
    n = len(dated)
    first = [f.period.first.toordinal() for f in dated]
    # Periods that overlap always count; other close periods only where the metric can go down.
    reach = 0 if cumulative else window_days
    end = [f.period.last.toordinal() + reach for f in dated]
    # Figures leave the active set in the order their reach ends. Since first <= end and the figures
    # come by first, a figure whose reach ended before figure i starts is always one before i. The
    # last entry, never less than a start, stops the scan without a bounds check.
    leaving = sorted(range(n), key=end.__getitem__)
    left_at = [end[j] for j in leaving] + [first[-1] if n else 0]
    # Once figure i is in, the active set holds i + 1 figures less those whose reach ended before it.
    most_active = n if n <= PLAIN_LIMIT else max(map(sub, range(1, n + 1), map(partial(bisect_left, left_at), first)))
    # The ordered sets hold one int per figure j: (key, j) folded into key * n + j, which sorts like
    # the tuple but compares faster, and gives back j as value % n. The figures wholly below figure
    # i are then the values under lo_key(i) * n in active_hi, those wholly above it the values from
    # (hi_key(i) + 1) * n on in active_lo.
    active_hi, find_hi, put_hi = _ordered_set(most_active)
    active_lo, find_lo, put_lo = _ordered_set(most_active)
    # On a cumulative metric (reach 0) a figure that leaves the active set has ended: it retires.
    retired_lo, find_retired, put_retired = _ordered_set(n if cumulative else 0)
    # Never below the highest value in retired_lo (a max over what went in, from any start): most
    # figures stand above every retired one, and this spares them the search.
    retired_top = -1
    gone = 0
    found: ConflictMap = {}
    for i, fig in enumerate(dated):
        start = first[i]
        while left_at[gone] < start:
            j = leaving[gone]
            gone += 1
            lo_key, hi_key = dated[j].interval
            lo_at = lo_key * n + j
            del active_hi[find_hi(hi_key * n + j)]
            del active_lo[find_lo(lo_at)]
            if cumulative:
                put_retired(lo_at)
                if lo_at > retired_top:
                    retired_top = lo_at
        c = fig.claim_id
        lo_key, hi_key = fig.interval
        under, over = lo_key * n, (hi_key + 1) * n
        # Checking the end of each order first skips the search and the slice when they would be
        # empty, as they mostly are.
        partners = []
        if active_hi and active_hi[0] < under:
            partners += active_hi[: find_hi(under)]
        if active_lo and active_lo[-1] >= over:
            partners += active_lo[find_lo(over) :]
        for v in partners:
            other = dated[v % n]
            if other.claim_id != c:
                add_conflict(found, RELAY if share_root(other.claim_id, c) else DISJOINT, other, fig)
        if cumulative and retired_top >= over:
            for v in retired_lo[find_retired(over) :]:
                other = dated[v % n]
                if other.claim_id != c:
                    add_conflict(found, DECREASE, other, fig)
        put_hi(hi_key * n + i)
        put_lo(lo_key * n + i)
    return found


def metric_matches(
    figures: Sequence[FigureFacts], *, window_days: int, independent: Callable[[int, int], bool],
    only: set[int] | None = None, witnessed: Callable[[int], bool] | None = None,
) -> dict[int, bool]:
    """For each figure (or each figure id in `only`): does a figure of another, independent claim
    lie within window_days and overlap its interval? Candidates are scanned outwards from the
    figure's own place in period order and the scan stops at the first match, since one is enough.

    `witnessed(claim_id)` says whether a claim names any origin. A claim that names none is
    independent of nothing, so its figures are unmatched without a scan: otherwise each of them
    would walk every candidate in reach (thousands in a dense metric) to find no match.
    window_days is never negative (the metric's field is positive)."""
    dated = _by_period(figures)
    first = [f.period.first.toordinal() for f in dated]
    last = [f.period.last.toordinal() for f in dated]
    longest = max(map(sub, last, first), default=0)
    result = {f.id: False for f in figures if f.period is None and (only is None or f.id in only)}
    # A FigureFacts unpacks as (id, claim_id, (lo_key, hi_key), period): cheaper than attribute reads,
    # on the figure and on each candidate, where this loop spends its time.
    for i, (fid, c, (f_lo, f_hi), _) in enumerate(dated):
        if only is not None and fid not in only:
            continue
        if witnessed is not None and not witnessed(c):
            result[fid] = False
            continue
        f_first = first[i]
        hit = False
        # Later figures start no earlier than this one: within the window exactly when they start at
        # most window_days after it ends, which bounds the range.
        for j in range(i + 1, bisect_right(first, last[i] + window_days)):
            _, o_claim, (o_lo, o_hi), _ = dated[j]
            if f_hi >= o_lo and o_hi >= f_lo and o_claim != c and independent(c, o_claim):
                hit = True
                break
        if not hit:
            # Earlier figures start no later than this one: within the window exactly when they end at
            # most window_days before it starts. None that starts before `reach` can, being shorter
            # than the longest period.
            since = f_first - window_days
            reach = bisect_left(first, since - longest)
            for j in range(i - 1, reach - 1, -1):
                _, o_claim, (o_lo, o_hi), _ = dated[j]
                if last[j] >= since and f_hi >= o_lo and o_hi >= f_lo and o_claim != c and independent(c, o_claim):
                    hit = True
                    break
        result[fid] = hit
    return result
