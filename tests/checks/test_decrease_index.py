"""The decrease search on a cumulative metric (facts.stored_cumulative_candidates) goes through the
GiST index of migration 0012 on PostgreSQL: the box condition it adds must keep every row that the
exact conditions keep, at the edges of days, values, the slack and open upper bounds, and must be
written so that the planner can use the index."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q

from claims.checks import facts
from claims.checks.engine import sweep_all
from claims.checks.facts import CHECK_FIELDS, CheckColumns, facts_of_columns
from claims.models import FigureCheck

pytestmark = pytest.mark.django_db

# Figures hold 6 decimal places; at this size a float8 step is 16, so the box cannot tell these apart.
BIG = "123456789012345678.123456"


def edited_figures(claim) -> list:
    rows = FigureCheck.objects.filter(claim=claim).values_list("figure_id", "claim_id", *CHECK_FIELDS)
    return [facts_of_columns(fid, claim_id, CheckColumns(*columns)) for fid, claim_id, *columns in rows]


def candidate_values(metric, figures) -> set[tuple]:
    return {(f"{f.facts.interval.lo.normalize():f}", f.facts.period.first.isoformat())
            for f in facts.stored_cumulative_candidates(metric.pk, figures)}


@pytest.fixture
def newsroom(build):
    metric = build.metric(cumulative=True)
    for qualifier, value, day in [
        ("exact", "1995", "2024-04-16"),  # the edited figure's own day: neither earlier nor later
        ("exact", "1995", "2024-04-17"),  # later and equal
        ("exact", "1995.000001", "2024-04-17"),  # later, above by the slack
        ("exact", "1995.000002", "2024-04-17"),  # later, above by more than the slack
        ("at_least", "1000", "2024-05-01"),  # later, no upper bound: never below
        ("at_least", "2500", "2024-03-01"),  # earlier, no upper bound, above
        ("exact", "1994.999999", "2024-04-15"),  # earlier, below by the slack
        ("exact", "1994.999998", "2024-04-15"),  # earlier, below by more than the slack
        ("approximate", "2100", "2024-03"),  # a month earlier, reaching below 1995 with its tolerance
        ("approximate", "2300", "2024-03"),  # a month earlier, wholly above
        ("exact", "1500", "2024"),  # a year that holds the day
        ("exact", "1500", "2024-06-01"),  # later and below
        ("exact", BIG, "2024-02-01"),  # earlier and far above
        ("exact", BIG, "2024-07-02"),  # later and equal to the second edited figure
        ("exact", "123456789012345678.123457", "2024-07-02"),  # later, above it by the slack
        ("exact", "123456789012345678.123458", "2024-07-02"),  # later, above it by more
    ]:
        build.claim(figures=[(metric, qualifier, value, day)], chains=[[build.source()]])
    edited = build.claim(figures=[(metric, "exact", "1995", "2024-04-16"), (metric, "exact", BIG, "2024-07-01")],
                         chains=[[build.source()]])
    sweep_all()
    return metric, edited


def test_the_box_condition_keeps_every_candidate_the_exact_conditions_keep(newsroom, monkeypatch):
    metric, edited = newsroom
    figures = edited_figures(edited)
    with_box = candidate_values(metric, figures)
    monkeypatch.setattr(facts, "_box_within", lambda *args, **kwargs: Q())
    assert with_box == candidate_values(metric, figures)
    assert with_box >= {
        ("1995", "2024-04-17"), ("1995.000001", "2024-04-17"), ("2500", "2024-03-01"),
        ("1994.999999", "2024-04-15"), ("2070", "2024-03-01"), ("1500", "2024-06-01"), (BIG, "2024-02-01"),
        (BIG, "2024-07-02"), ("123456789012345678.123457", "2024-07-02"),
    }
    assert not with_box & {("1995.000002", "2024-04-17"), ("1000", "2024-05-01"), ("1994.999998", "2024-04-15"),
                           ("1890", "2024-03-01"), ("1500", "2024-01-01"),
                           ("123456789012345678.123458", "2024-07-02")}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GiST index is PostgreSQL's")
def test_the_box_condition_is_the_index_expression(newsroom):
    # Only the GiST index can serve this condition, so the plan names it exactly when the text of
    # FIGURE_BOX (and the metric's cast) still matches the index of migration 0012. Which index the
    # whole decrease query picks is a matter of size: the bench reads it at a million claims.
    metric, _ = newsroom
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small would be read whole
    where = facts._box_within(metric.pk, after=dt.date(2024, 4, 16), at_most=Decimal("1995"))
    plan = FigureCheck.objects.filter(where).explain()
    index_conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert "figure_check_box_idx" in plan
    assert any("<@" in line and "metric_id" in line for line in index_conditions), plan
    # PostgreSQL compares box coordinates with a tolerance of 1e-6, so the box may take in a figure
    # just above the bound (1995.000001): more rows for the exact conditions to drop, never fewer.
    later = FigureCheck.objects.filter(metric=metric, check_first__gt=dt.date(2024, 4, 16))
    exact = set(later.filter(check_hi__lte=Decimal("1995")).values_list("pk", flat=True))
    near = set(later.filter(check_hi__lte=Decimal("1995.001")).values_list("pk", flat=True))
    assert len(exact) == 2  # 1995 on 17 April and 1500 in June
    assert exact <= set(FigureCheck.objects.filter(where).values_list("pk", flat=True)) <= near
