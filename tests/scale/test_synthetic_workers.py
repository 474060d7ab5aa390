"""A large synthetic load on PostgreSQL outside a transaction: claims built by forked processes.

The thresholds are lowered so that a small data set takes that path; the data set must be the one a
single process writes for the same seed, and the schema must come back whole, also after a failure.
"""

import pytest
from django.db import connection, transaction

from claims import synthetic
from claims.models import AttributionLink, Claim, Figure
from claims.synthetic import SyntheticPlan, generate
from sources.models import Document, Source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the claims are built in worker processes on PostgreSQL only")
    monkeypatch.setattr(synthetic, "BULK_CLAIMS", 200)
    monkeypatch.setattr(synthetic, "CHUNK", 60)  # several chunks for each of the two processes


def _shape(since_claim: int, since_figure: int, outlier_ids: list[int]) -> list:
    """The data set as seen from its claims, without ids or keys (which depend on what was there)."""
    claims = Claim.objects.filter(id__gt=since_claim).order_by("id")
    figures = Figure.objects.filter(claim__in=claims).order_by("id")
    return [
        list(claims.values_list("text", "status")),
        list(Claim.tags.through.objects.filter(claim__in=claims).order_by("id").values_list("tag__name", flat=True)),
        list(figures.values_list("position", "metric__name", "qualifier", "value", "lower", "upper", "as_of")),
        list(
            AttributionLink.objects.filter(attribution__claim__in=claims)
            .order_by("id")
            .values_list("attribution__position", "position", "source__name", "verb", "date", "document__title")
        ),
        [pk - since_figure for pk in figures.filter(id__in=outlier_ids).values_list("id", flat=True)],
    ]


def _schema() -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) ORDER BY 1, 2",
            [[m._meta.db_table for m in synthetic._LOADED]],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [[f'"{m._meta.db_table}"' for m in synthetic._LOADED]] * 2,
        )
        return [indexes, cursor.fetchall()]


def _tops() -> tuple[int, int]:
    claim = Claim.objects.order_by("-id").values_list("id", flat=True).first() or 0
    figure = Figure.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return claim, figure


def test_the_processes_write_the_data_set_one_process_writes(monkeypatch):
    schema = _schema()
    reports: list[tuple[int, int]] = []
    forks: list[int] = []
    run_workers = synthetic._run_workers
    monkeypatch.setattr(
        synthetic, "_run_workers", lambda chunks, *args: forks.append(len(chunks)) or run_workers(chunks, *args)
    )
    plan = SyntheticPlan(claims=700, seed=13, hot_metric_figures=300, outlier_share=0.05)
    in_workers = generate(plan, progress=lambda stage, done, total: reports.append((done, total)))
    assert forks == [12]  # 700 claims in chunks of 60
    assert reports[-1] == (700, 700)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)
    assert _schema() == schema  # every index and constraint set aside came back
    first = _shape(0, 0, plan.outlier_ids)
    assert Claim.objects.count() == in_workers["claims"] == 700
    assert Figure.objects.count() == in_workers["figures"]
    assert len(first[-1]) == in_workers["outlier_figures"] > 0

    since = _tops()
    again = SyntheticPlan(claims=700, seed=13, hot_metric_figures=300, outlier_share=0.05)
    with transaction.atomic():  # inside a transaction: one process, one transaction
        in_one = generate(again)
    assert forks == [12]
    assert _shape(*since, again.outlier_ids) == first
    assert {k: v for k, v in in_one.items() if k != "seconds"} == {
        k: v for k, v in in_workers.items() if k != "seconds"
    }


def test_the_sequences_continue_after_the_load():
    generate(SyntheticPlan(claims=250, seed=3))
    top = Claim.objects.order_by("-id").values_list("id", flat=True).first()
    assert Claim.objects.create(key="after", text="later").pk == top + 1


def test_a_failed_load_leaves_neither_rows_nor_a_missing_index(monkeypatch):
    generate(SyntheticPlan(claims=250, seed=4))
    schema, counts = _schema(), (Source.objects.count(), Document.objects.count(), Claim.objects.count())
    fill = synthetic._fill_chunk

    def failing(chunk, newsroom, sinks):  # runs in a worker process, forked after this patch
        if chunk.number == 3:
            raise ValueError("chunk three is cursed")
        return fill(chunk, newsroom, sinks)

    monkeypatch.setattr(synthetic, "_fill_chunk", failing)
    with pytest.raises(RuntimeError, match="chunk three is cursed"):
        generate(SyntheticPlan(claims=400, seed=5))
    assert (Source.objects.count(), Document.objects.count(), Claim.objects.count()) == counts
    assert not Figure.objects.filter(claim_id__gt=Claim.objects.order_by("-id").values_list("id", flat=True)[0])
    assert _schema() == schema


def _primary_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [[f'"{m._meta.db_table}"' for m in synthetic._LOADED]],
        )
        return [name for (name,) in cursor.fetchall()]


def test_the_claims_tables_take_their_rows_without_primary_keys(monkeypatch):
    before = _primary_keys()
    during: list[list[str]] = []
    run_workers = synthetic._run_workers
    monkeypatch.setattr(synthetic, "_run_workers", lambda *args: during.append(_primary_keys()) or run_workers(*args))
    generate(SyntheticPlan(claims=250, seed=6))
    # Only the tables the processes write lose their keys; sources, documents and metrics keep them.
    assert during == [["claims_metric_pkey", "sources_document_pkey", "sources_source_pkey"]]
    assert _primary_keys() == before
    assert "claims_claim_pkey" in before


def test_a_row_pointing_nowhere_fails_the_load_when_its_foreign_key_comes_back(monkeypatch):
    from django.db import IntegrityError

    run_workers = synthetic._run_workers

    def with_a_stray_tag(*args):
        known = run_workers(*args)
        with connection.cursor() as cursor:  # as the processes write: with the row triggers off
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("INSERT INTO claims_claim_tags (id, claim_id, tag_id) VALUES (999999, 999999, 999999)")
            cursor.execute("SET session_replication_role = DEFAULT")
        return known

    monkeypatch.setattr(synthetic, "_run_workers", with_a_stray_tag)
    with pytest.raises(IntegrityError, match="claims_claim_tags"):
        generate(SyntheticPlan(claims=250, seed=7))
    with connection.cursor() as cursor:  # the key stays, enforced on new rows but not yet valid
        cursor.execute("DELETE FROM claims_claim_tags WHERE id = 999999")
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'claims_claim_tags'::regclass AND NOT convalidated"
        )
        unchecked = [name for (name,) in cursor.fetchall()]
        assert unchecked
        for name in unchecked:
            cursor.execute(f'ALTER TABLE claims_claim_tags VALIDATE CONSTRAINT "{name}"')
