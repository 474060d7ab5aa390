"""Property: the one-pass sweep finds exactly what the all-pairs reading of the rules finds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.checks import sweep
from claims.checks.intervals import figure_interval
from claims.checks.rules import FigureFacts
from claims.checks.sweep import metric_conflicts, metric_matches
from sources.dates import period_of
from tests.checks.naive import naive_conflict_pairs, naive_conflicts, naive_matches

QUALIFIERS = ["exact", "approximate", "at_least", "more_than", "at_most", "less_than", "range"]
BASE = dt.date(2025, 1, 1)


@st.composite
def figure_sets(draw):
    tolerance = draw(st.sampled_from([Decimal(0), Decimal("0.05"), Decimal("0.1"), Decimal("0.5")]))
    figures = []
    for fid in range(draw(st.integers(0, 14))):
        qualifier = draw(st.sampled_from(QUALIFIERS))
        a, b = sorted(draw(st.lists(st.sampled_from([0, 100, 450, 500, 540, 600, 660, 1000]), min_size=2, max_size=2)))
        interval = figure_interval(qualifier, None if qualifier == "range" else Decimal(b),
                                   Decimal(a) if qualifier == "range" else None,
                                   Decimal(b) if qualifier == "range" else None, tolerance)
        period = None
        if draw(st.integers(0, 9)):
            precision = draw(st.sampled_from(["day", "month", "year"]))
            period = period_of(BASE + dt.timedelta(days=draw(st.integers(-400, 400))), precision)
        figures.append(FigureFacts(fid, draw(st.integers(1, 6)), interval, period))
    roots = {c: frozenset(draw(st.sets(st.integers(1, 3), max_size=2))) for c in range(1, 7)}
    return figures, roots


@settings(max_examples=100, deadline=None)
@given(figure_sets(), st.booleans(), st.sampled_from([0, 1, 7, 31, 90]))
def test_it_finds_the_same_conflicts_as_every_pair(data, cumulative, window):
    figures, roots = data

    def share(a, b):
        return bool(roots[a] & roots[b])

    found = metric_conflicts(figures, cumulative=cumulative, window_days=window, share_root=share)
    assert set(found) == naive_conflicts(figures, roots, cumulative=cumulative, window_days=window)


@settings(max_examples=100, deadline=None)
@given(figure_sets(), st.sampled_from([0, 1, 7, 31, 90]))
def test_it_finds_the_same_corroborations_as_every_pair(data, window):
    from claims.checks.rules import independent

    figures, roots = data
    found = metric_matches(figures, window_days=window, independent=lambda a, b: independent(roots[a], roots[b]))
    assert found == naive_matches(figures, roots, window_days=window)


@settings(max_examples=150, deadline=None)
@given(figure_sets(), st.booleans(), st.sampled_from([0, 1, 7, 31, 90]), st.sampled_from([0, 2, 4096]))
def test_it_keeps_the_lowest_pair_of_each_conflict_whichever_sets_it_uses(data, cumulative, window, limit):
    """Sets past PLAIN_LIMIT members are SortedLists, below it plain lists: a limit of 0 or 2 puts
    these small metrics on the SortedList side, or on both sides at once (active sets under it,
    the retired set over it)."""
    figures, roots = data

    def share(a, b):
        return bool(roots[a] & roots[b])

    with mock.patch.object(sweep, "PLAIN_LIMIT", limit):
        found = metric_conflicts(figures, cumulative=cumulative, window_days=window, share_root=share)
    assert found == naive_conflict_pairs(figures, roots, cumulative=cumulative, window_days=window)


@settings(max_examples=100, deadline=None)
@given(figure_sets(), st.sampled_from([0, 1, 7, 31, 90]), st.data())
def test_it_answers_only_the_figures_asked_and_skips_unwitnessed_claims(data, window, draw):
    from claims.checks.rules import independent

    figures, roots = data
    only = draw.draw(st.sets(st.sampled_from([f.id for f in figures])) if figures else st.just(set()))
    found = metric_matches(figures, window_days=window, independent=lambda a, b: independent(roots[a], roots[b]),
                           only=only, witnessed=lambda claim_id: bool(roots[claim_id]))
    expected = naive_matches(figures, roots, window_days=window)
    assert found == {fid: hit for fid, hit in expected.items() if fid in only}
