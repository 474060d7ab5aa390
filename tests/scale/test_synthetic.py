from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from claims.models import Attribution, Claim, Figure, Metric
from claims.synthetic import SyntheticPlan, generate
from sources.models import Source


@pytest.mark.django_db
def test_it_generates_the_planned_shape():
    counts = generate(SyntheticPlan(claims=400, seed=7))
    assert Claim.objects.count() == counts["claims"] == 400
    assert Figure.objects.count() == counts["figures"]
    assert Source.objects.count() == counts["sources"]
    per_claim = Counter(Figure.objects.values_list("claim_id", flat=True))
    assert set(per_claim.values()) <= {1, 2, 3}
    assert len(per_claim) == 400
    link_counts = Attribution.objects.annotate(n=Count("links")).values_list("n", flat=True)
    assert set(link_counts) <= {1, 2, 3, 4}
    assert 0 < Claim.objects.filter(attributions__isnull=True).count() < 100


@pytest.mark.django_db
def test_its_parent_lines_end_at_a_root():
    generate(SyntheticPlan(claims=300, seed=2))
    for source in Source.objects.select_related("parent"):
        assert source.root().parent_id is None


@pytest.mark.django_db
def test_it_is_reproducible_for_a_seed():
    def shape() -> list:
        return list(Figure.objects.order_by("id").values_list("qualifier", "value", "lower", "as_of"))

    generate(SyntheticPlan(claims=100, seed=11))
    first = shape()
    Claim.objects.all().delete()
    generate(SyntheticPlan(claims=100, seed=11))
    assert shape() == first
    generate(SyntheticPlan(claims=100, seed=12))
    assert shape()[len(first):] != first


@pytest.mark.django_db
def test_it_can_crowd_one_metric_for_the_incremental_benchmark():
    generate(SyntheticPlan(claims=200, seed=3, hot_metric_figures=150))
    busiest = Metric.objects.annotate(n=Count("figures")).order_by("-n").first()
    assert busiest.n >= 150


@pytest.mark.django_db
def test_the_command_can_run_twice_without_key_clashes(capsys):
    call_command("generate_synthetic", claims=50, quiet=True)
    call_command("generate_synthetic", claims=50, quiet=True)
    assert Claim.objects.count() == 100
    assert "50 claims" in capsys.readouterr().out
