"""The incremental path decides a neighbour's corroboration from what it stored before the edit;
these cases pin the ones where that shortcut could go wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from claims.checks.engine import checks_run, sweep_all
from claims.checks.facts import CHECK_FIELDS, CheckColumns
from claims.checks.neighbours import certainly_matched, side_of
from claims.models import AttributionLink, Figure, FigureCheck, Flag, FlagStatus
from tests.checks.conftest import open_flags

pytestmark = pytest.mark.django_db


def single_origin(claim) -> bool:
    return Flag.objects.filter(code="single_origin", claim_a=claim, status=FlagStatus.OPEN).exists()


def move(claim, as_of: dt.date) -> None:
    figure = Figure.objects.get(claim=claim)
    figure.as_of = as_of
    figure.save()
    checks_run(claim_ids=[claim.pk])


def assert_same_as_a_sweep() -> None:
    incremental = open_flags()
    sweep_all()
    assert open_flags() == incremental


def test_it_unmatches_a_neighbour_whose_only_match_moved_away(build):
    metric = build.metric()
    neighbour = build.claim(figures=[(metric, "approximate", "600", "2025-04-10")], chains=[[build.source()]])
    edited = build.claim(figures=[(metric, "approximate", "600", "2025-04-12")], chains=[[build.source()]])
    sweep_all()
    assert not single_origin(neighbour)
    move(edited, dt.date(2025, 9, 1))
    assert single_origin(neighbour) and single_origin(edited)
    assert_same_as_a_sweep()


def test_it_keeps_a_neighbour_matched_by_a_figure_beyond_the_edited_figures_reach(build):
    metric = build.metric()
    neighbour = build.claim(figures=[(metric, "approximate", "600", "2025-04-10")], chains=[[build.source()]])
    edited = build.claim(figures=[(metric, "approximate", "600", "2025-03-15")], chains=[[build.source()]])
    # 28 days after the neighbour but 54 after the edited figure: outside every window the edit loads.
    build.claim(figures=[(metric, "approximate", "600", "2025-05-08")], chains=[[build.source()]])
    sweep_all()
    assert not single_origin(neighbour)
    move(edited, dt.date(2025, 10, 1))
    assert not single_origin(neighbour)
    assert FigureCheck.objects.get(figure__claim=neighbour).check_matched is True
    assert_same_as_a_sweep()


def test_it_reads_a_changed_origin_when_deciding_independence(build):
    metric = build.metric()
    shared, other = build.source(), build.source()
    neighbour = build.claim(figures=[(metric, "approximate", "600", "2025-04-10")], chains=[[shared]])
    edited = build.claim(figures=[(metric, "approximate", "610", "2025-04-12")], chains=[[shared]])
    sweep_all()
    assert single_origin(neighbour) and single_origin(edited)

    AttributionLink.objects.filter(attribution__claim=edited).update(source=other)
    checks_run(claim_ids=[edited.pk])
    assert not single_origin(neighbour) and not single_origin(edited)
    assert_same_as_a_sweep()

    # Now the neighbour's chain moves to the same origin: the edited claim, not edited this time,
    # loses its corroboration through the neighbour's new roots.
    AttributionLink.objects.filter(attribution__claim=neighbour).update(source=other)
    checks_run(claim_ids=[neighbour.pk])
    assert single_origin(neighbour) and single_origin(edited)
    assert_same_as_a_sweep()


def test_it_finds_a_conflict_between_two_claims_checked_together(build):
    metric = build.metric()
    a = build.claim(figures=[(metric, "exact", "300", "2025-01-13")], chains=[[build.source()]])
    b = build.claim(figures=[(metric, "exact", "1000", "2025-01-14")], chains=[[build.source()]])
    checks_run(claim_ids=[a.pk, b.pk])
    flag = Flag.objects.get(code="disjoint_figures", status=FlagStatus.OPEN)
    assert (flag.claim_a_id, flag.claim_b_id) == (a.pk, b.pk)
    assert_same_as_a_sweep()


def test_it_reads_a_match_that_only_touches_the_edited_figure(build):
    # The neighbour, already matched by the helper, meets the edited figure at one point (600) two
    # days earlier: the database cannot prove that match with a strict comparison, and on a
    # cumulative metric figures on other days are no conflict candidates, so the check must read
    # the neighbour as a possible match.
    metric = build.metric(cumulative=True)
    neighbour = build.claim(figures=[(metric, "at_most", "600", "2025-04-10")], chains=[[build.source()]])
    build.claim(figures=[(metric, "exact", "500", "2025-04-11")], chains=[[build.source()]])
    edited = build.claim(figures=[(metric, "exact", "900", "2025-09-01")], chains=[[build.source()]])
    sweep_all()
    assert single_origin(edited) and not single_origin(neighbour)

    figure = Figure.objects.get(claim=edited)
    figure.qualifier, figure.value, figure.as_of = "at_least", 600, dt.date(2025, 4, 12)
    figure.save()
    checks_run(claim_ids=[edited.pk])
    assert not single_origin(edited)
    assert FigureCheck.objects.get(figure__claim=edited).check_matched is True
    assert_same_as_a_sweep()


def test_it_unmatches_a_neighbour_whose_match_was_deleted_from_a_claim_that_keeps_the_metric(
    build, django_capture_on_commit_callbacks
):
    metric = build.metric()
    neighbour = build.claim(figures=[(metric, "approximate", "600", "2025-04-10")], chains=[[build.source()]])
    edited = build.claim(figures=[(metric, "approximate", "600", "2025-04-12"),
                                  (metric, "approximate", "900", "2025-09-01")], chains=[[build.source()]])
    sweep_all()
    assert not single_origin(neighbour)

    with django_capture_on_commit_callbacks() as queued:
        Figure.objects.get(claim=edited, value=600).delete()
    # What the delete signal queued, run as the task would run it.
    (claim_ids, metric_ids, gone), = [callback.args for callback in queued]
    assert claim_ids == [edited.pk] and [record["metric"] for record in gone] == [metric.pk]
    checks_run(claim_ids=claim_ids, metric_ids=metric_ids, gone=gone)
    assert single_origin(neighbour)
    assert_same_as_a_sweep()


def test_it_finds_decreases_against_each_figure_of_a_claim_on_a_cumulative_metric(build):
    # The edited claim asks for later figures at or below 650 after April (its 650 takes in its 600
    # of the same day) and at or below 900 after September, and for earlier figures at or above 600
    # before April (taking in its 650) and at or above 900 before September. Neither range of a
    # direction holds the other, so each must be searched.
    metric = build.metric(cumulative=True)
    neighbours = [
        build.claim(figures=[(metric, "exact", value, day)], chains=[[build.source()]])
        for value, day in [("620", "2025-01-01"), ("640", "2025-06-01"), ("950", "2025-07-01"), ("880", "2025-11-01")]
    ]
    sweep_all()
    edited = build.claim(figures=[(metric, "exact", "600", "2025-04-01"), (metric, "exact", "900", "2025-09-01"),
                                  (metric, "exact", "650", "2025-04-01")], chains=[[build.source()]])
    checks_run(claim_ids=[edited.pk])
    decreases = Flag.objects.filter(code="cumulative_decrease", status=FlagStatus.OPEN)
    against = {a if b == edited.pk else b for a, b in decreases.values_list("claim_a_id", "claim_b_id")
               if edited.pk in (a, b)}
    assert against == {claim.pk for claim in neighbours}
    assert_same_as_a_sweep()


@pytest.mark.parametrize("match_date", ["2025-04-10", "2025-04", "2025"])
def test_it_proves_a_figure_corroborated_by_a_match_of_any_period_length(build, match_date):
    metric = build.metric()
    for i in range(12):  # earlier figures that match nothing, read first by a scan in table order
        build.claim(figures=[(metric, "approximate", "100", f"2024-0{1 + i % 9}-1{i % 10}")], chains=[[build.source()]])
    edited = build.claim(figures=[(metric, "approximate", "600", "2025-04-12")], chains=[[build.source()]])
    match = build.claim(figures=[(metric, "approximate", "610", match_date)], chains=[[build.source()]])
    sweep_all()
    *columns, roots = FigureCheck.objects.filter(figure__claim=edited).values_list(*CHECK_FIELDS, "check_roots").get()
    side = side_of(CheckColumns(*columns), roots)
    assert certainly_matched(metric.pk, side, metric.window_days, other_than={edited.pk})
    # The match is the only one: leave its claim out and nothing is proven.
    assert not certainly_matched(metric.pk, side, metric.window_days, other_than={edited.pk, match.pk})
