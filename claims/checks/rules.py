"""The rules of DESIGN.md as pure functions over plain facts, so that the sweep, the incremental
path and the tests all apply the same definitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from claims.checks.intervals import Interval, lies_below, overlaps
from sources.dates import Period
from sources.models import LOW_GRADES

DISJOINT = "disjoint_figures"
RELAY = "relay_mismatch"
DECREASE = "cumulative_decrease"
NO_ATTRIBUTION = "no_attribution"
NO_DOCUMENT = "no_document"
LOW_RELIABILITY = "low_reliability_origin"
SINGLE_ORIGIN = "single_origin"
OPEN_STATUSES = frozenset({"unreviewed", "in_review"})


class FigureFacts(NamedTuple):
    id: int
    claim_id: int
    interval: Interval
    period: Period | None


class ClaimFacts(NamedTuple):
    """What the unverified rules need to know of a claim."""

    id: int
    status: str
    chains: int
    has_document: bool
    origin_grades: tuple[str, ...]  # effective grade of each chain's last link ('' = ungraded)
    origin_roots: frozenset[int]


def independent(roots_a: frozenset[int], roots_b: frozenset[int]) -> bool:
    """Two claims are independent when one has an origin root the other lacks: if every origin of
    each goes back to the same organisations, a second claim adds no second witness. A claim with no
    chain names no witness at all, so it is independent of nothing (the conformance vectors agree:
    an unsourced claim never corroborates another)."""
    return bool(roots_a) and bool(roots_b) and roots_a != roots_b


def conflict_code(
    a: FigureFacts, b: FigureFacts, *, cumulative: bool, window_days: int, share_root: bool
) -> str | None:
    """The conflict two figures of one metric raise, if any. Figures of one claim, undated figures
    and figures that can both be true never conflict. With overlapping periods, or close periods on
    a metric that can go up and down, they contradict each other (a relay mismatch when both claims
    go back to the same origin, which then was misquoted or revised itself). On a cumulative metric,
    a later figure wholly below an earlier one is a decrease of something that can only grow; a
    later figure above is just an update."""
    if a.claim_id == b.claim_id or a.period is None or b.period is None:
        return None
    if overlaps(a.interval, b.interval):
        return None
    gap = a.period.gap_days(b.period)
    if gap == 0 or (not cumulative and gap <= window_days):
        return RELAY if share_root else DISJOINT
    if cumulative:
        earlier, later = (a, b) if a.period.last < b.period.first else (b, a)
        if lies_below(later.interval, earlier.interval):
            return DECREASE
    return None


def figures_match(a: FigureFacts, b: FigureFacts, *, window_days: int) -> bool:
    """b corroborates a: both dated, at most window_days apart, and both can be true."""
    if a.period is None or b.period is None:
        return False
    return a.period.gap_days(b.period) <= window_days and overlaps(a.interval, b.interval)


def is_low_grade(grade: str) -> bool:
    """D, E, F, or no grade on the whole parent line: nothing says this origin is trustworthy."""
    return grade == "" or grade in LOW_GRADES


def corroborated(origin_roots: frozenset[int], figure_matches: Iterable[bool]) -> bool:
    """Two or more origin roots, or figures every one of which an independent claim matches."""
    if len(origin_roots) >= 2:
        return True
    matches = list(figure_matches)
    return bool(matches) and all(matches)


def unverified_codes(claim: ClaimFacts, *, figure_matches: Iterable[bool]) -> set[str]:
    """The unverified findings for a claim nobody has ruled on. A claim with no chain gets only
    no_attribution: the other codes would restate the same gap."""
    if claim.status not in OPEN_STATUSES:
        return set()
    if claim.chains == 0:
        return {NO_ATTRIBUTION}
    codes = set()
    if not claim.has_document:
        codes.add(NO_DOCUMENT)
    if claim.origin_grades and all(is_low_grade(grade) for grade in claim.origin_grades):
        codes.add(LOW_RELIABILITY)
    if not corroborated(claim.origin_roots, figure_matches):
        codes.add(SINGLE_ORIGIN)
    return codes
