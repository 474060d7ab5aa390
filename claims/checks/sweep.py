"""One pass over a metric's figures sorted by period: every conflict and every corroboration.

Pairs are never enumerated blindly. Figures whose periods are close enough to be compared sit in an
active set ordered by their interval ends, so the figures that lie wholly below or above the next
one are a prefix or suffix of that order; on a cumulative metric, figures whose period ended before
the next one starts move to a second ordered set, where those wholly above it are again a suffix.
The work is the number of figures times a logarithm plus the number of conflicting pairs.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence

from sortedcontainers import SortedList

from claims.checks.rules import DECREASE, DISJOINT, RELAY, FigureFacts

# (code, claim_a, claim_b) -> (figure of claim_a, figure of claim_b), the lowest pair of ids.
ConflictMap = dict[tuple[str, int, int], tuple[int, int]]
_BIG = 1 << 62


def add_conflict(found: ConflictMap, code: str, x: FigureFacts, y: FigureFacts) -> None:
    a, b = (x, y) if x.claim_id < y.claim_id else (y, x)
    key = (code, a.claim_id, b.claim_id)
    pair = (a.id, b.id)
    if key not in found or pair < found[key]:
        found[key] = pair


def metric_conflicts(
    figures: Sequence[FigureFacts], *, cumulative: bool, window_days: int, share_root: Callable[[int, int], bool]
) -> ConflictMap:
    """All conflicts among the figures of one metric (claims.checks.rules.conflict_code, in bulk)."""
    dated = sorted((f for f in figures if f.period is not None), key=lambda f: (f.period.first, f.id))
    first = [f.period.first.toordinal() for f in dated]
    last = [f.period.last.toordinal() for f in dated]
    # Periods that overlap always count; other close periods only where the metric can go down.
    reach = 0 if cumulative else window_days
    active_hi, active_lo, retired_lo = SortedList(), SortedList(), SortedList()
    expiring: list[tuple[int, int]] = []
    ending: list[tuple[int, int]] = []
    found: ConflictMap = {}
    for i, fig in enumerate(dated):
        start = first[i]
        while expiring and expiring[0][0] < start:
            _, j = heapq.heappop(expiring)
            active_hi.remove((dated[j].interval.hi_key, j))
            active_lo.remove((dated[j].interval.lo_key, j))
        if cumulative:
            while ending and ending[0][0] < start:
                _, j = heapq.heappop(ending)
                retired_lo.add((dated[j].interval.lo_key, j))
        lo_key, hi_key = fig.interval
        close = [j for _, j in active_hi.irange(maximum=(lo_key - 1, _BIG))]
        close += [j for _, j in active_lo.irange(minimum=(hi_key + 1, -1))]
        for j in close:
            other = dated[j]
            if other.claim_id != fig.claim_id:
                add_conflict(found, RELAY if share_root(other.claim_id, fig.claim_id) else DISJOINT, other, fig)
        if cumulative:
            for _, j in retired_lo.irange(minimum=(hi_key + 1, -1)):
                if dated[j].claim_id != fig.claim_id:
                    add_conflict(found, DECREASE, dated[j], fig)
        active_hi.add((hi_key, i))
        active_lo.add((lo_key, i))
        heapq.heappush(expiring, (last[i] + reach, i))
        if cumulative:
            heapq.heappush(ending, (last[i], i))
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
    would walk every candidate in reach (thousands in a dense metric) to find no match."""
    dated = sorted((f for f in figures if f.period is not None), key=lambda f: (f.period.first, f.id))
    first = [f.period.first.toordinal() for f in dated]
    longest = max((f.period.last.toordinal() - f.period.first.toordinal() for f in dated), default=0)
    result = {f.id: False for f in figures if f.period is None and (only is None or f.id in only)}
    for i, fig in enumerate(dated):
        if only is not None and fig.id not in only:
            continue
        if witnessed is not None and not witnessed(fig.claim_id):
            result[fig.id] = False
            continue
        f_first, f_last = first[i], fig.period.last.toordinal()
        lo_key, hi_key = fig.interval

        def matches(other: FigureFacts, fig=fig, f_first=f_first, f_last=f_last, lo_key=lo_key, hi_key=hi_key) -> bool:
            o_first, o_last = other.period.first.toordinal(), other.period.last.toordinal()
            gap = 0 if (o_first <= f_last and f_first <= o_last) else max(o_first - f_last, f_first - o_last)
            return (
                gap <= window_days
                and not (hi_key < other.interval.lo_key or other.interval.hi_key < lo_key)
                and other.claim_id != fig.claim_id
                and independent(fig.claim_id, other.claim_id)
            )

        hit = False
        j = i + 1
        while not hit and j < len(dated) and first[j] <= f_last + window_days:
            hit = matches(dated[j])
            j += 1
        j = i - 1
        while not hit and j >= 0 and first[j] >= f_first - window_days - longest:
            hit = matches(dated[j])
            j -= 1
        result[fig.id] = hit
    return result
