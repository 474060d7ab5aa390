"""The flag lifecycle: upserts, resolution by the checks, re-opening, dismissal and its history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from claims.checks.engine import check_claims, checks_run, sweep_all
from claims.checks.flags import flag_dismiss, flag_resolve
from claims.models import Figure, Flag, FlagStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflict(build):
    metric = build.metric()
    nis, bbc = build.source(grade="B"), build.source(grade="B")
    a = build.claim(figures=[(metric, "exact", "300", "2025-01-13")], chains=[[nis]])
    b = build.claim(figures=[(metric, "approximate", "1000", "2025-01")], chains=[[bbc]])
    sweep_all()
    return Flag.objects.get(code="disjoint_figures"), a, b


def test_it_records_one_flag_per_finding_with_a_readable_explanation(conflict):
    flag, a, b = conflict
    assert (flag.claim_a_id, flag.claim_b_id) == (a.pk, b.pk)
    assert "cannot both be true" in flag.explanation and "13 January 2025" in flag.explanation
    sweep_all()
    assert Flag.objects.filter(code="disjoint_figures").count() == 1


def test_it_resolves_a_flag_whose_condition_went_and_reopens_it_when_it_returns(conflict):
    flag, a, _ = conflict
    figure = Figure.objects.get(claim=a)
    figure.value = Decimal("950")
    figure.save()
    said = flag.explanation
    check_claims(claim_ids=[a.pk])
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.explanation == said  # a resolution keeps the sentence of what was found
    figure.value = Decimal("300")
    figure.save()
    check_claims(claim_ids=[a.pk])
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert [h.status for h in flag.history.order_by("history_id")] == ["open", "resolved", "open"]


def test_it_keeps_a_dismissal_until_an_involved_figure_changes(conflict):
    flag, a, _ = conflict
    editor = get_user_model().objects.create(username="ed")
    with pytest.raises(ValidationError):
        flag_dismiss(flag=flag, user=editor, note="  ")
    flag_dismiss(flag=flag, user=editor, note="Different counting periods.")
    sweep_all()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.DISMISSED
    assert flag.history.latest().history_user == editor
    figure = Figure.objects.get(claim=a)
    figure.value = Decimal("250")
    figure.save()
    checks_run(claim_ids=[a.pk])
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_it_reopens_an_editor_resolution_while_the_conflict_still_holds(conflict):
    flag, _, _ = conflict
    editor = get_user_model().objects.create(username="ed")
    flag_resolve(flag=flag, user=editor)
    assert flag.history.latest().history_user == editor
    sweep_all()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert flag.history.latest().history_user.username == "checks"


def test_it_finds_roots_through_parents_for_relay_mismatch(build):
    metric = build.metric()
    reuters = build.source(grade="A")
    reuters_asia = build.source(parent=reuters)
    a = build.claim(figures=[(metric, "exact", "300", "2025-01-13")], chains=[[reuters_asia]])
    build.claim(figures=[(metric, "exact", "1000", "2025-01-13")], chains=[[reuters]])
    sweep_all()
    assert set(Flag.objects.filter(kind="conflict").values_list("code", flat=True)) == {"relay_mismatch"}
    # The ungraded Reuters Asia inherits A: not a low-reliability origin.
    assert not Flag.objects.filter(claim_a=a, code="low_reliability_origin").exists()


def test_it_resolves_unverified_flags_once_an_editor_rules_on_the_claim(build):
    claim = build.claim()
    sweep_all()
    assert set(Flag.objects.filter(claim_a=claim, status="open").values_list("code", flat=True)) == {"no_attribution"}
    claim.status = "false"
    claim.save()
    checks_run(claim_ids=[claim.pk])
    assert not Flag.objects.filter(claim_a=claim, status="open").exists()


def test_it_corroborates_a_single_origin_claim_through_an_independent_figure(build):
    metric = build.metric()
    one, other = build.source(grade="B"), build.source(grade="B")
    lonely = build.claim(figures=[(metric, "approximate", "600", "2025-04")], chains=[[one]])
    sweep_all()
    assert Flag.objects.filter(claim_a=lonely, code="single_origin", status="open").exists()
    witness = build.claim(figures=[(metric, "at_least", "600", "2025-04-20")], chains=[[other]])
    checks_run(claim_ids=[witness.pk])
    assert not Flag.objects.filter(claim_a=lonely, code="single_origin", status="open").exists()
