"""The checks' flag writes (set-based on PostgreSQL): every flag they open or resolve gets exactly
one history row naming the checks account, and a finding recorded twice stays one flag."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Q

from claims.checks.engine import checks_run, sweep_all
from claims.checks.flags import Finding, checks_user, flags_recompute
from claims.models import Figure, Flag, FlagKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def disjoint(build):
    metric = build.metric()
    a = build.claim(figures=[(metric, "exact", "300", "2025-01-13")], chains=[[build.source(grade="B")]])
    b = build.claim(figures=[(metric, "exact", "1000", "2025-01-14")], chains=[[build.source(grade="B")]])
    return metric, a, b


def test_it_writes_one_creation_row_per_opened_flag_naming_the_checks_account(disjoint):
    sweep_all()
    flags = list(Flag.objects.all())
    assert flags
    rows = Flag.history.filter(id__in=[f.pk for f in flags])
    assert sorted(rows.values_list("id", flat=True)) == sorted(f.pk for f in flags)
    assert set(rows.values_list("history_type", "history_user__username", "status")) == {("+", "checks", "open")}
    conflict = Flag.objects.get(code="disjoint_figures")
    assert conflict.history.get().explanation == conflict.explanation != ""


def test_it_records_the_resolution_by_the_checks_in_the_history(disjoint):
    _, a, _ = disjoint
    sweep_all()
    figure = Figure.objects.get(claim=a)
    figure.value = Decimal("1000")
    figure.save()
    checks_run(claim_ids=[a.pk])
    flag = Flag.objects.get(code="disjoint_figures")
    latest = flag.history.latest()
    assert (flag.status, latest.status, latest.history_type, latest.history_user.username) == (
        "resolved", "resolved", "~", "checks")


def test_it_keeps_one_flag_when_a_finding_is_inserted_again(disjoint):
    metric, a, b = disjoint
    finding = Finding(FlagKind.CONFLICT, "disjoint_figures", metric.pk, a.pk, b.pk)
    user = checks_user()
    first = flags_recompute(findings=[finding], scope=Q(pk__in=[]), user=user)
    # An empty scope hides the existing flag, as a concurrent run's row would be hidden: the unique
    # constraint must keep the second insert out.
    second = flags_recompute(findings=[finding], scope=Q(pk__in=[]), user=user)
    assert first[("disjoint_figures", "opened")] == 1 and second[("disjoint_figures", "opened")] == 0
    assert Flag.objects.count() == 1 and Flag.history.count() == 1


def test_a_sweep_leaves_the_planner_statistics_of_the_flags_it_wrote(disjoint):
    from django.db import connection

    sweep_all()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'claims_flag'::regclass")
        (estimated,) = cursor.fetchone()
    # ANALYZE ran in this transaction, so it counted the flags the sweep just wrote.
    assert estimated == Flag.objects.count() > 0
