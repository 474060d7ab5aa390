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


@pytest.fixture
def resolved_around(build):
    """One claim with resolved conflicts against ten others, as edits leave them, and one open."""
    metric = build.metric()
    hub = build.claim(figures=[(metric, "exact", "300", "2025-01-13")])
    others = [build.claim(figures=[(metric, "exact", "1000", "2025-01-14")]) for _ in range(11)]
    flags = [Flag.objects.create(kind=FlagKind.CONFLICT, code="disjoint_figures", metric=metric, claim_a=hub,
                                 claim_b=other, status="resolved") for other in others[:10]]
    still_open = Flag.objects.create(kind=FlagKind.CONFLICT, code="disjoint_figures", metric=metric, claim_a=hub,
                                     claim_b=others[10], status="open")
    return metric, hub, others, flags, still_open


def test_it_reopens_the_one_resolved_flag_found_again_and_leaves_the_other_resolved_ones(resolved_around):
    metric, hub, others, flags, still_open = resolved_around
    history = Flag.history.count()
    summary = flags_recompute(
        findings=[Finding(FlagKind.CONFLICT, "disjoint_figures", metric.pk, hub.pk, others[3].pk)],
        scope=Q(kind=FlagKind.CONFLICT, claim_a_id=hub.pk), user=checks_user(),
    )
    assert summary == {("disjoint_figures", "reopened"): 1, ("disjoint_figures", "resolved"): 1}
    statuses = dict(Flag.objects.values_list("claim_b_id", "status"))
    assert statuses == {**{o.pk: "resolved" for o in others[:10]}, others[3].pk: "open", others[10].pk: "resolved"}
    # The reopened flag is the stored one (no second flag for the pair), and only the two changes
    # wrote history.
    assert Flag.objects.count() == 11 and Flag.history.count() == history + 2
    assert Flag.objects.get(pk=flags[3].pk).status == "open"
    assert Flag.objects.get(pk=still_open.pk).status == "resolved"


def test_it_opens_a_new_flag_beside_resolved_ones_of_the_same_claims(resolved_around, build):
    metric, hub, others, _, _ = resolved_around
    # Same pair of claims in another metric: a new key, though its claims match resolved flags.
    elsewhere = build.metric()
    summary = flags_recompute(
        findings=[Finding(FlagKind.CONFLICT, "disjoint_figures", elsewhere.pk, hub.pk, others[0].pk),
                  Finding(FlagKind.CONFLICT, "disjoint_figures", metric.pk, hub.pk, others[10].pk)],
        scope=Q(kind=FlagKind.CONFLICT, claim_a_id=hub.pk), user=checks_user(),
    )
    assert summary == {("disjoint_figures", "opened"): 1}
    assert Flag.objects.get(metric=elsewhere).status == "open"
    assert Flag.objects.filter(metric=metric, status="resolved").count() == 10
