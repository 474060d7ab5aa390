"""What the checks derive from a figure lives in its FigureCheck row (claims.models.FigureCheck):
the rows follow the figures through edits, moves to another metric and deletes, however they are
made, and a sweep that meets a row written behind its back still stores its own answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from claims.checks import engine
from claims.checks.engine import checks_run, sweep_all
from claims.models import Figure, FigureCheck

pytestmark = pytest.mark.django_db


def _row(figure: Figure) -> tuple:
    return FigureCheck.objects.filter(figure=figure).values_list(
        "metric_id", "claim_id", "check_first", "check_last", "check_matched", "check_roots"
    ).get()


def test_it_stores_a_row_per_checked_figure_with_its_metric_and_claim(build):
    metric = build.metric()
    source_a, source_b = build.source(), build.source()
    one = build.claim(figures=[(metric, "approximate", "600", "2025-04")], chains=[[source_a]])
    other = build.claim(figures=[(metric, "approximate", "610", "2025-04-20")], chains=[[source_b]])
    undated = build.claim(figures=[(metric, "approximate", "610", None)])
    sweep_all()
    first = Figure.objects.get(claim=one)
    assert _row(first) == (metric.pk, one.pk, dt.date(2025, 4, 1), dt.date(2025, 4, 30), True, str(source_a.pk))
    assert _row(Figure.objects.get(claim=other))[4] is True
    # An undated figure without a chain has no period; its row says so, and that it is unmatched.
    assert _row(Figure.objects.get(claim=undated))[2:] == (None, None, False, "")


def test_it_moves_the_row_when_the_figure_moves_to_another_metric(build):
    old, new = build.metric(), build.metric()
    source_a, source_b = build.source(), build.source()
    mover = build.claim(figures=[(old, "approximate", "600", "2025-04-10")], chains=[[source_a]])
    stayer = build.claim(figures=[(old, "approximate", "600", "2025-04-12")], chains=[[source_b]])
    sweep_all()
    assert _row(Figure.objects.get(claim=stayer))[4] is True
    figure = Figure.objects.get(claim=mover)
    figure.metric = new
    figure.save()
    checks_run(claim_ids=[mover.pk], metric_ids=[old.pk])
    assert _row(figure)[0] == new.pk
    # The figure left behind lost its only corroboration, which it could only learn by the mover's
    # row leaving its metric.
    assert _row(Figure.objects.get(claim=stayer))[4] is False
    assert not FigureCheck.objects.filter(metric=old).exclude(figure__metric=old).exists()


def test_the_database_deletes_the_row_with_its_figure(build):
    metric = build.metric()
    claim = build.claim(figures=[(metric, "exact", "5", "2025-01-01")], chains=[[build.source()]])
    sweep_all()
    figure = Figure.objects.get(claim=claim)
    assert FigureCheck.objects.filter(figure=figure).exists()
    # A raw delete, as a bulk tool or psql would do it: no Django collector to cascade it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM claims_figure WHERE id = %s", [figure.pk])
    assert not FigureCheck.objects.filter(figure_id=figure.pk).exists()


def test_it_stores_its_answer_over_a_row_a_concurrent_check_wrote(build):
    metric = build.metric()
    claim = build.claim(figures=[(metric, "exact", "5", "2025-01-01")], chains=[[build.source()]])
    figure = Figure.objects.get(claim=claim)
    stale = (metric.pk, claim.pk, dt.date(2020, 1, 1), dt.date(2020, 1, 1), 0, 1, False, 1, False, "", True)
    mine = (metric.pk, claim.pk, dt.date(2025, 1, 1), dt.date(2025, 1, 1), 0, 5, False, 5, False, "9", False)
    with transaction.atomic():
        # The other check's row lands between this sweep's read (no row) and its write.
        engine._write_columns({figure.pk: stale})
        engine._insert_checks({figure.pk: mine})
    assert _row(figure) == (metric.pk, claim.pk, dt.date(2025, 1, 1), dt.date(2025, 1, 1), False, "9")


def test_a_first_sweep_of_a_metric_takes_over_the_row_a_figure_brought_from_another(build):
    old, new = build.metric(), build.metric()
    claim = build.claim(figures=[(old, "exact", "5", "2025-01-01")], chains=[[build.source()]])
    sweep_all()
    figure = Figure.objects.get(claim=claim)
    # Moved without the model's save (no check queued): the new metric has no check row of its own,
    # so its sweep reads no rows, and meets this one when it writes.
    Figure.objects.filter(pk=figure.pk).update(metric=new, value=7)
    assert not FigureCheck.objects.filter(metric=new).exists()
    engine.sweep_metrics(metric_ids=[new.pk])
    assert _row(figure)[0] == new.pk
    assert FigureCheck.objects.get(figure=figure).check_lo == 7
