from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from claims.checks.engine import sweep_all
from claims.models import Attribution, AttributionLink, Claim, Figure, Flag, Metric
from claims.synthetic import MAX_OUTLIERS_PER_METRIC, SyntheticPlan, generate
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
    assert shape()[len(first) :] != first


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


@pytest.mark.django_db
def test_without_outliers_the_newsroom_never_conflicts():
    generate(SyntheticPlan(claims=800, seed=5, hot_metric_figures=300, outlier_share=0))
    sweep_all()
    assert not Flag.objects.filter(kind="conflict").exists()
    # Every figure is dated, by itself or by its claim's first chain, except in claims with no chain:
    # the agreement above is between compared figures, not a side effect of nothing being compared.
    chained = Figure.objects.filter(claim__attributions__isnull=False).distinct()
    assert chained.filter(as_of__isnull=True).exists()
    assert not chained.filter(checked__check_first__isnull=True).exists()


@pytest.mark.django_db
def test_every_conflict_involves_an_outlier_and_unverified_flags_match_the_known_share():
    plan = SyntheticPlan(claims=800, seed=6, hot_metric_figures=300, outlier_share=0.03)
    counts = generate(plan)
    sweep_all()
    outliers = set(plan.outlier_ids)
    assert counts["outlier_figures"] == len(outliers) > 0
    conflicts = Flag.objects.filter(kind="conflict")
    assert conflicts.exists()
    for figure_a, figure_b in conflicts.values_list("figure_a_id", "figure_b_id"):
        assert figure_a in outliers or figure_b in outliers
    by_code = Counter(Flag.objects.filter(kind="unverified").values_list("code", flat=True))
    assert by_code["no_attribution"] == counts["no_attribution_claims"] > 0
    assert by_code["no_document"] == counts["no_document_claims"] > 0
    assert by_code["low_reliability_origin"] == counts["low_reliability_claims"] > 0


@pytest.mark.django_db
def test_a_crowded_metric_holds_a_bounded_number_of_outliers():
    plan = SyntheticPlan(claims=300, seed=8, hot_metric_figures=400, outlier_share=1.0)
    generate(plan)
    per_metric = Counter(Figure.objects.filter(id__in=plan.outlier_ids).values_list("metric_id", flat=True))
    assert max(per_metric.values()) == MAX_OUTLIERS_PER_METRIC
    assert len(plan.outlier_ids) <= MAX_OUTLIERS_PER_METRIC * SyntheticPlan(claims=300).metrics
    # Outliers are dated to a day: their reach is the window or the trend, not a whole year.
    assert set(Figure.objects.filter(id__in=plan.outlier_ids).values_list("as_of_precision", flat=True)) == {"day"}


def test_the_command_reports_the_known_share(db, capsys):
    call_command("generate_synthetic", claims=200, outlier_share=0.05, quiet=True)
    out = capsys.readouterr().out
    assert "200 claims" in out
    assert "Known share:" in out and "outlier figures" in out and "no attribution claims" in out


@pytest.mark.django_db
def test_a_large_load_rebuilds_every_index_it_drops(monkeypatch):
    from django.db import connection

    from claims import synthetic

    if connection.vendor != "postgresql":
        pytest.skip("the indexes are dropped and rebuilt on PostgreSQL only")

    def rows(sql: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def indexes() -> list[tuple[str, str]]:
        return rows(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename IN ('claims_claim', 'claims_figure', 'claims_attributionlink', 'sources_document') "
            "ORDER BY 1"
        )

    def unique_constraints() -> list[tuple[str, str]]:
        return rows(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'u' "
            "AND conrelid IN ('claims_claim'::regclass, 'claims_figure'::regclass, "
            "'claims_attributionlink'::regclass, 'sources_document'::regclass) ORDER BY 1"
        )

    before, constraints = indexes(), unique_constraints()
    monkeypatch.setattr(synthetic, "BULK_CLAIMS", 10)
    generate(SyntheticPlan(claims=60, seed=4))
    assert indexes() == before
    # The unique constraints dropped for the load come back as constraints, not as bare indexes.
    assert unique_constraints() == constraints
    assert ("claims_claim_key_key", "UNIQUE (key)") in constraints
    assert any("gin" in definition for _, definition in before)  # the text-search index among them
    assert Claim.objects.filter(text__contains="reported").count() == 60


@pytest.mark.django_db
def test_a_large_load_still_rejects_a_duplicate_key():
    from django.db import IntegrityError, connection, transaction

    from claims.synthetic import _skip_fk_triggers, _unique_constraints_dropped

    if connection.vendor != "postgresql":
        pytest.skip("the unique constraints are dropped and added back on PostgreSQL only")
    accepted = False
    with pytest.raises(IntegrityError), transaction.atomic():
        _skip_fk_triggers()  # as generate() does first
        Claim.objects.create(key="twice", text="first")
        with _unique_constraints_dropped([Claim._meta.db_table]):
            Claim.objects.create(key="twice", text="second")
            accepted = True  # while the constraint is away; the load fails when it comes back
    assert accepted
    assert not Claim.objects.filter(key="twice").exists()


@pytest.mark.django_db
def test_after_writes_with_triggers_on_a_large_load_keeps_the_unique_constraints():
    from django.db import IntegrityError, connection, transaction

    from claims.synthetic import _skip_fk_triggers, _unique_constraints_dropped

    if connection.vendor != "postgresql":
        pytest.skip("the unique constraints are dropped and added back on PostgreSQL only")
    # This write leaves foreign-key trigger events pending until commit, which forbid ALTER TABLE.
    Claim.objects.create(key="twice", text="first")
    with pytest.raises(IntegrityError), transaction.atomic():
        _skip_fk_triggers()
        with _unique_constraints_dropped([Claim._meta.db_table]):
            with pytest.raises(IntegrityError), transaction.atomic():
                Claim.objects.create(key="twice", text="second")  # refused at once: the constraint stayed
            raise IntegrityError("leave the block")
    assert list(Claim.objects.values_list("text", flat=True)) == ["first"]


@pytest.mark.django_db
def test_a_seed_gives_the_same_claims_chains_and_tags_whatever_the_block(monkeypatch):
    from claims import synthetic

    def shape(since: int) -> list:
        claims = Claim.objects.filter(id__gt=since)
        return [
            list(claims.order_by("id").values_list("status", flat=True)),
            list(
                Claim.tags.through.objects.filter(claim__in=claims).order_by("id").values_list("tag__name", flat=True)
            ),
            list(
                AttributionLink.objects.filter(attribution__claim__in=claims)
                .order_by("id")
                .values_list("attribution__position", "position", "verb", "date", "document__published")
            ),
        ]

    first_counts = generate(SyntheticPlan(claims=150, seed=9))
    first = shape(0)
    top = Claim.objects.order_by("-id").values_list("id", flat=True).first()
    # Rows handed to the writers every few claims instead of once at the end: the same data set.
    monkeypatch.setattr(synthetic, "BLOCK", 7)
    again_counts = generate(SyntheticPlan(claims=150, seed=9))
    assert shape(top) == first
    assert {k: v for k, v in again_counts.items() if k != "seconds"} == {
        k: v for k, v in first_counts.items() if k != "seconds"
    }


def test_the_load_hands_the_garbage_collector_back(db):
    import gc

    assert gc.isenabled()
    generate(SyntheticPlan(claims=20, seed=1))
    assert gc.isenabled()
