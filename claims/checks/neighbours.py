"""Which stored neighbours an edit can change, asked of the database.

In a crowded metric the window of one month-dated figure holds about ten thousand figures (a
year-dated one, several times that), nearly all of them agreeing with each other and already
corroborated. Reading them all into Python to learn that nothing changed cost the incremental check
most of its time. The filters here let the database return only the figures whose flags or stored
answers the edit can move; the rules still decide each of them exactly in Python (claims.checks.rules),
so every filter is a superset of what it stands for, except strict_overlap, which is a subset and is
only used to prove something (a match exists; a neighbour keeps the match the edit gives it).

Bounds are compared with a small slack (facts.SLACK) because a backend may store decimals inexactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q

from claims.checks.facts import SLACK, CheckColumns, facts_of_columns, window_filter
from claims.checks.periods import SPAN_REACH_DAYS
from claims.checks.rules import FigureFacts
from claims.models import Figure, FigureCheck

NOTHING = Q(pk__in=[])


class Side(NamedTuple):
    """One edited figure as the neighbour filters need it: its stored-column bounds, its period and
    its claim's origin roots as check_roots stores them ('' for none)."""

    lo: Decimal
    hi: Decimal | None  # None: no upper bound
    first: dt.date
    last: dt.date
    roots: str | None  # None: not known (the checks never stored it)


def side_of(columns: CheckColumns, roots: str | None) -> Side | None:
    """The Side of a figure from its check columns (new or as stored); None when it has no period."""
    if columns.first is None or columns.lo is None:
        return None
    return Side(columns.lo, columns.hi, columns.first, columns.last, roots)


def loose_overlap(side: Side) -> Q:
    """Stored intervals that may overlap the side's (a superset: open ends and slack ignored)."""
    where = Q(check_hi__isnull=True) | Q(check_hi__gte=side.lo - SLACK)
    if side.hi is not None:
        where &= Q(check_lo__lte=side.hi + SLACK)
    return where


def strict_overlap(side: Side) -> Q:
    """Stored intervals that certainly overlap the side's: each lower bound lies, by more than the
    slack, below the other's upper bound, so both share an open stretch whatever their open ends."""
    where = Q(check_hi__isnull=True) | Q(check_hi__gt=side.lo + SLACK)
    if side.hi is not None:
        where &= Q(check_lo__lt=side.hi - SLACK)
    return where


def maybe_disjoint(side: Side) -> Q:
    """Stored intervals that may lie wholly below or above the side's: the only ones it can conflict
    with."""
    where = Q(check_hi__isnull=False, check_hi__lte=side.lo + SLACK)
    if side.hi is not None:
        where |= Q(check_lo__gte=side.hi - SLACK)
    return where


def reach(first: dt.date, last: dt.date, window_days: int) -> tuple[dt.date, dt.date]:
    """The days another period must reach to be at most window_days from [first, last]: it must
    start no later than the second and end no earlier than the first (clamped to the calendar)."""
    days = dt.timedelta(days=window_days)
    return (first - days if first > dt.date.min + days else dt.date.min,
            last + days if last < dt.date.max - days else dt.date.max)


def within_reach(side: Side, window_days: int) -> Q:
    """Stored periods at most window_days from the side's."""
    from_day, to_day = reach(side.first, side.last, window_days)
    return Q(check_first__lte=to_day, check_last__gte=from_day)


def independent_of(side: Side) -> Q:
    """Figures whose claims are independent of the side's claim (rules.independent on the stored
    roots): both name origins, and not the same roots. check_roots is sorted, so text equality is set
    equality. With the side's roots unknown, any figure may be."""
    if side.roots is None:
        return Q()
    if not side.roots:
        return NOTHING
    return Q(check_roots__isnull=False) & ~Q(check_roots="") & ~Q(check_roots=side.roots)


def matches_side(side: Side, window_days: int) -> Q:
    """Figures that certainly corroborate the side (and that it corroborates): close enough, strictly
    overlapping, independent."""
    return strict_overlap(side) & within_reach(side, window_days) & independent_of(side)


def may_match_side(side: Side, window_days: int) -> Q:
    """Figures that may corroborate the side (a superset of matches_side: overlap within the slack)."""
    return loose_overlap(side) & within_reach(side, window_days) & independent_of(side)


def worth_reading(
    new: list[Side], old: list[Side], *, unproven: list[Side], window_days: int, cumulative: bool
) -> Q:
    """The neighbours (within the edited figures' windows) whose conflicts or stored corroboration
    the edit can change, as engine._neighbour_matches decides them:

    - any the checks never filled in (no stored roots or answer): they are decided afresh;
    - any that may be disjoint from an edited figure and close enough to conflict with it (on a
      cumulative metric, overlapping periods: the decreases come from their own query);
    - unmatched ones that an edited figure may now match;
    - matched ones that an edited figure, as it was (its stored columns and roots), may have been the
      match of, unless an edited figure as it is now certainly matches them (then they stay
      matched);
    - for each edited figure in `unproven` (not shown corroborated by certainly_matched), every
      neighbour that may corroborate it.

    Every other neighbour keeps its stored answer and cannot conflict with the edited figures."""
    where = Q(check_roots__isnull=True) | Q(check_matched__isnull=True)
    kept = NOTHING
    for side in new:
        where |= maybe_disjoint(side) & within_reach(side, 0 if cumulative else window_days)
        if side.roots:
            where |= Q(check_matched=False) & may_match_side(side, window_days)
            kept |= matches_side(side, window_days)
    for side in unproven:
        where |= may_match_side(side, window_days)
    # One condition for all the old sides: repeating `~kept` under each of them made the statement
    # (and Django's work to build it) grow with the square of the claim's figures.
    were_matched = NOTHING
    for side in old:
        were_matched |= may_match_side(side, window_days)
    if old:
        where |= Q(check_matched=True) & were_matched & ~kept
    return where


def certainly_matched(
    metric_id: int, side: Side, window_days: int, *, other_than: set[int]
) -> bool:
    """Whether a figure of another claim (not in other_than) certainly corroborates the side, by
    indexed reads (one per period-length class) that stop at the first such figure. False means 'not
    proven', not 'unmatched'."""
    if not side.roots:
        return False
    # One length class at a time, in date order through the window index: the first figures read
    # usually settle it. As one EXISTS over all classes, LIMIT 1 let the planner bet on a sequential
    # scan meeting a match early; stored figures arrive in date order, so for a recent period it
    # read most of the table first (7-11 ms at 200,000 figures, against under 1 ms through the index).
    for span in SPAN_REACH_DAYS:
        first = FigureCheck.objects.filter(
            window_filter([(side.first, side.last)], window_days, spans=[span]), matches_side(side, window_days),
            metric_id=metric_id,
        ).exclude(claim_id__in=other_than).order_by("check_first").values_list("pk", flat=True)[:1]
        if list(first):
            return True
    return False


def gone_record(figure: Figure) -> dict | None:
    """What the checks must remember of a figure about to be deleted, as its FigureCheck row holds
    it: neighbours it corroborated may have lost their only match, and the row is gone with the
    figure by the time the queued check runs. JSON-ready (the record travels in the task's
    arguments). None when the figure was never checked or had no period: then it corroborated
    nobody. Call it before the delete (the signals do, in pre_delete)."""
    stored = FigureCheck.objects.filter(figure_id=figure.pk).values_list(
        "check_first", "check_last", "check_lo", "check_lo_open", "check_hi", "check_hi_open", "check_roots",
        "metric_id",
    ).first()
    if stored is None or stored[0] is None or stored[2] is None:
        return None
    first, last, lo, lo_open, hi, hi_open, roots, metric_id = stored
    # The metric of the row, not of the figure: the neighbours saw it there (a move to another metric
    # not yet checked leaves the row on the old one).
    return {
        "id": figure.pk, "claim": figure.claim_id, "metric": metric_id,
        "first": first.isoformat(), "last": last.isoformat(),
        "lo": str(lo), "lo_open": bool(lo_open), "hi": None if hi is None else str(hi), "hi_open": bool(hi_open),
        "roots": roots,
    }


class Gone(NamedTuple):
    metric_id: int
    side: Side
    facts: FigureFacts


def gone_from_record(record: dict) -> Gone:
    first, last = dt.date.fromisoformat(record["first"]), dt.date.fromisoformat(record["last"])
    columns = CheckColumns(first, last, None, Decimal(record["lo"]), record["lo_open"],
                           None if record["hi"] is None else Decimal(record["hi"]), record["hi_open"])
    return Gone(int(record["metric"]), side_of(columns, record["roots"]),
                facts_of_columns(int(record["id"]), int(record["claim"]), columns))
