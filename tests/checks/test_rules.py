"""The rules of DESIGN.md at their edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from claims.checks.intervals import Interval, figure_interval, lies_below, overlaps
from claims.checks.periods import ChainLink, chain_date, figure_period
from claims.checks.rules import (
    DECREASE,
    DISJOINT,
    LOW_RELIABILITY,
    NO_ATTRIBUTION,
    NO_DOCUMENT,
    RELAY,
    SINGLE_ORIGIN,
    ClaimFacts,
    FigureFacts,
    conflict_code,
    independent,
    unverified_codes,
)
from sources.dates import parse_partial_date, period_of

T = Decimal("0.1")


def iv(qualifier: str, value=None, lower=None, upper=None, tolerance=T) -> Interval:
    return figure_interval(qualifier, None if value is None else Decimal(value),
                           None if lower is None else Decimal(lower), None if upper is None else Decimal(upper),
                           tolerance)


def fig(fid: int, claim: int, interval: Interval, date: str, precision: str = "day") -> FigureFacts:
    first, _ = parse_partial_date(date)
    return FigureFacts(fid, claim, interval, period_of(first, precision))


def test_it_keeps_a_closed_range_apart_from_an_open_end_above_it():
    assert not overlaps(iv("range", lower=500, upper=600), iv("more_than", 600))
    assert overlaps(iv("range", lower=500, upper=600), iv("at_least", 600))


def test_it_keeps_less_than_apart_from_a_figure_at_its_bound():
    assert lies_below(iv("less_than", 600), iv("exact", 600))
    assert overlaps(iv("at_most", 600), iv("exact", 600))
    assert overlaps(iv("at_most", 600), iv("exact", 0))


def test_it_widens_approximate_figures_by_the_tolerance_exactly():
    about = iv("approximate", 600)
    assert (about.lo, about.hi) == (Decimal(540), Decimal(660))
    assert overlaps(about, iv("exact", 660)) and not overlaps(about, iv("exact", "660.000001"))
    assert not overlaps(iv("approximate", 600, tolerance=Decimal(0)), iv("exact", "600.000001"))


def test_it_reads_the_worked_example_at_least_600_as_agreeing_with_about_600():
    april = "2025-04-01"
    a, b = fig(1, 1, iv("approximate", 600), april, "month"), fig(2, 2, iv("at_least", 600), april, "month")
    assert conflict_code(a, b, cumulative=True, window_days=31, share_root=False) is None


def test_it_flags_overlapping_periods_as_disjoint_or_relay_by_shared_root():
    a, b = fig(1, 1, iv("exact", 300), "2025-01-13"), fig(2, 2, iv("approximate", 1000), "2025-01", "month")
    assert conflict_code(a, b, cumulative=True, window_days=0, share_root=False) == DISJOINT
    assert conflict_code(a, b, cumulative=True, window_days=0, share_root=True) == RELAY


def test_it_flags_a_later_lower_figure_on_a_cumulative_metric_only():
    earlier = fig(1, 1, iv("approximate", 1000), "2025-01-15")
    later = fig(2, 2, iv("approximate", 600), "2025-04", "month")
    assert conflict_code(earlier, later, cumulative=True, window_days=31, share_root=False) == DECREASE
    assert conflict_code(later, earlier, cumulative=True, window_days=31, share_root=False) == DECREASE
    up = fig(3, 3, iv("approximate", 2000), "2025-04", "month")
    assert conflict_code(earlier, up, cumulative=True, window_days=31, share_root=False) is None


def test_it_compares_non_cumulative_figures_up_to_the_window_and_not_a_day_more():
    a = fig(1, 1, iv("exact", 10), "2025-01-01")
    at_window, past_window = fig(2, 2, iv("exact", 20), "2025-02-01"), fig(3, 3, iv("exact", 20), "2025-02-02")
    assert conflict_code(a, at_window, cumulative=False, window_days=31, share_root=False) == DISJOINT
    assert conflict_code(a, past_window, cumulative=False, window_days=31, share_root=False) is None


def test_it_measures_gaps_from_the_end_of_a_month_or_year_period():
    year = fig(1, 1, iv("exact", 10), "2024-01-01", "year")
    next_month = fig(2, 2, iv("exact", 20), "2025-01-01", "month")
    assert conflict_code(year, next_month, cumulative=False, window_days=1, share_root=False) == DISJOINT
    feb = fig(3, 3, iv("exact", 20), "2025-02-02")
    assert conflict_code(year, feb, cumulative=False, window_days=32, share_root=False) is None


def test_it_never_compares_undated_figures_or_figures_of_one_claim():
    a = fig(1, 1, iv("exact", 10), "2025-01-01")
    undated = FigureFacts(2, 2, iv("exact", 20), None)
    same_claim = fig(3, 1, iv("exact", 20), "2025-01-01")
    assert conflict_code(a, undated, cumulative=False, window_days=31, share_root=False) is None
    assert conflict_code(a, same_claim, cumulative=False, window_days=31, share_root=False) is None


def test_it_dates_an_undated_figure_from_the_innermost_dated_link_then_the_first_document():
    d = dt.date
    links = [ChainLink(0, d(2025, 8, 22), "day", True, d(2025, 8, 22), "day"), ChainLink(1, d(2025, 4, 1), "month",
             False, None, ""), ChainLink(2, None, "", False, None, "")]
    assert chain_date(links).date == d(2025, 4, 1)
    undated_links = [ChainLink(0, None, "", False, None, ""), ChainLink(1, None, "", True, d(2025, 3, 1), "month")]
    assert chain_date(undated_links).precision == "month"
    assert chain_date([ChainLink(0, None, "", False, None, "")]) is None
    assert figure_period(d(2025, 1, 1), "year", chain_date(links)).last == d(2025, 12, 31)


def claim(**kw) -> ClaimFacts:
    base = {"id": 1, "status": "unreviewed", "chains": 1, "has_document": True, "origin_grades": ("B",),
            "origin_roots": frozenset({1})}
    return ClaimFacts(**{**base, **kw})


def test_it_raises_only_no_attribution_for_a_claim_without_chains():
    assert unverified_codes(claim(chains=0, has_document=False, origin_grades=(), origin_roots=frozenset()),
                            figure_matches=[]) == {NO_ATTRIBUTION}


@pytest.mark.parametrize("status", ["accurate", "mostly_accurate", "misleading", "false", "unverifiable"])
def test_it_stays_silent_on_claims_with_a_verdict(status):
    assert unverified_codes(claim(status=status, chains=0), figure_matches=[]) == set()


def test_it_flags_low_grades_and_ungraded_origins_but_not_a_mix_with_a_good_one():
    assert LOW_RELIABILITY in unverified_codes(claim(origin_grades=("D", "")), figure_matches=[True])
    assert LOW_RELIABILITY not in unverified_codes(claim(origin_grades=("D", "C")), figure_matches=[True])


def test_it_calls_a_claim_corroborated_by_two_roots_or_by_every_figure_matched():
    assert SINGLE_ORIGIN in unverified_codes(claim(), figure_matches=[])
    assert SINGLE_ORIGIN in unverified_codes(claim(), figure_matches=[True, False])
    assert SINGLE_ORIGIN not in unverified_codes(claim(), figure_matches=[True, True])
    assert SINGLE_ORIGIN not in unverified_codes(claim(origin_roots=frozenset({1, 2})), figure_matches=[])
    assert NO_DOCUMENT in unverified_codes(claim(has_document=False), figure_matches=[True])


def test_it_needs_an_origin_root_the_other_lacks_for_independence():
    assert independent(frozenset({1}), frozenset({2}))
    assert independent(frozenset({1}), frozenset({1, 2}))
    assert not independent(frozenset({1}), frozenset({1}))
    assert not independent(frozenset({1}), frozenset())
