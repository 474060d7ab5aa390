"""The PostgreSQL fast path (COPY) against the portable path (bulk_create): same rows, same history.

Ids differ between two imports of one bundle, so the rows are compared with every id replaced by
the natural key of the row it names (a claim's key, a figure's claim key and position, ...).
"""

import io
import json
from decimal import Decimal

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from claims.bundle import importer
from claims.bundle.errors import BundleInvalid
from claims.bundle.exporter import bundle_export
from claims.bundle.importer import BundleWriter, bundle_import
from claims.bundle.inserts import (
    CLAIM_HISTORY_TABLES,
    CLAIM_TABLES,
    ClaimTags,
    CopyInserts,
    HistoricalClaimTags,
    OrmInserts,
)
from claims.bundle.normalise import bundle_normalise
from claims.copyload import allocate_ids, allocate_many
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from sources.models import Document, Source

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's")

# Timestamps differ between any two writes; history_id is a sequence number.
VOLATILE = {"history_id", "m2m_history_id", "history_date", "created_at", "updated_at"}
KEYED = (Source, Document, Metric, Claim)
PARTS = (Figure, Attribution, AttributionLink)


@pytest.fixture(autouse=True)
def claim_batches_of_1000(monkeypatch):
    # Smaller batches than in production, so that a bundle of 1,100 claims spans two of them.
    monkeypatch.setattr(importer, "CLAIM_BATCH", 1000)


def varied_bundle(claims: int) -> dict:
    """More claims than one write batch, in every shape the writer distinguishes: a parent listed
    after its child, ranges and plain values, all date precisions, several chains or none, links
    with and without a document, tags or none."""
    sources = [{"key": "child", "name": "Child desk", "kind": "news_outlet", "parent": "parent"}]
    sources += [{"key": f"s{i}", "name": f"Source {i}", "kind": "news_agency", "reliability": "ABCDEF"[i % 6]}
                for i in range(6)]
    sources.append({"key": "parent", "name": "Parent group", "kind": "news_agency", "aliases": ["PG", "Parent"]})
    documents = [{"key": f"d{i}", "title": f"Document {i}", "publisher": f"s{i % 6}", "published": "2025-04",
                  "text": f"Archived text {i}."} for i in range(4)]
    metrics = [{"key": "killed", "name": "Killed", "unit": "people", "cumulative": True},
               {"key": "sent", "name": "Sent", "tolerance": 0.25, "window_days": 60}]
    records = []
    for i in range(claims):
        figure = ({"metric": "sent", "qualifier": "range", "lower": 100 + i, "upper": 200.5 + i, "as_of": "2025"}
                  if i % 3 == 0 else
                  {"metric": "killed", "qualifier": "approximate", "value": 600 + i,
                   "as_of": f"2025-04-{1 + i % 28:02d}", "text": f"About {600 + i}"})
        chains = [{"chain": [{"source": "child", "document": f"d{i % 4}", "verb": "reported", "date": "2025-05"},
                             {"source": f"s{i % 6}", "verb": "citing", "quote": f"Quote {i}"}]}] * (i % 3)
        record = {"key": f"c{i:05d}", "text": f"Claim number {i}", "status": "in_review" if i % 5 else "accurate",
                  "figures": [dict(figure) for _ in range(1 + i % 2)], "attributions": chains}
        if i % 4:
            record["tags"] = ["casualties", f"t{i % 3}"]
        records.append(record)
    return {"format": "factcheck-bundle/1", "sources": sources, "documents": documents, "metrics": metrics,
            "claims": records}


def export_dict() -> dict:
    out = io.StringIO()
    bundle_export(stream=out)
    return json.loads(out.getvalue(), parse_float=Decimal)


def natural_keys() -> dict:
    """model -> {id: natural key}, for the rows now stored."""
    keys = {model: dict(model.objects.values_list("id", "key")) for model in KEYED}
    claim = keys[Claim]
    for part in (Figure, Attribution):
        keys[part] = {pk: (claim[c], p) for pk, c, p in part.objects.values_list("id", "claim_id", "position")}
    links = AttributionLink.objects.values_list("id", "attribution_id", "position")
    keys[AttributionLink] = {pk: (keys[Attribution][a], p) for pk, a, p in links}
    keys[Tag] = dict(Tag.objects.values_list("id", "name"))
    keys[ClaimTags] = {
        pk: (claim[c], keys[Tag][t]) for pk, c, t in ClaimTags.objects.values_list("id", "claim_id", "tag_id")
    }
    return keys


def named_rows(table_model, owner, keys: dict) -> list[tuple]:
    """Every row of a table (a model's own or its history), ids replaced by natural keys, sorted."""
    rows = []
    for row in table_model.objects.values():
        named = []
        for field in table_model._meta.concrete_fields:
            if field.attname in VOLATILE:
                continue
            value = row[field.attname]
            target = owner if field.attname == "id" else getattr(field.remote_field, "model", None)
            if value is not None and target in keys:
                value = keys[target][value]
            named.append((field.attname, value))
        rows.append(tuple(named))
    return sorted(rows, key=repr)


def snapshot(data: dict, *, user, fast: bool = True, check_apart: bool | None = None) -> dict:
    """Import into a savepoint, describe what was written, roll back."""
    with transaction.atomic():
        result = bundle_import(data=data, user=user, fast=fast, check_apart=check_apart)
        keys = natural_keys()
        state = {
            "counts": (result.created, result.updated, result.unchanged),
            "export": bundle_normalise(export_dict()),
            "rows": {model.__name__: named_rows(model, model, keys) for model in (*KEYED, *PARTS, ClaimTags)},
            "history": {model.__name__: named_rows(model.history.model, model, keys) for model in (*KEYED, *PARTS)},
            "tag_history": sorted(
                (keys[ClaimTags][row["id"]], keys[Claim][hc.id], hc.history_type, hc.history_user_id)
                for row in HistoricalClaimTags.objects.values()
                for hc in [Claim.history.model.objects.get(history_id=row["history_id"])]
            ),
            "versions": sorted(Claim.objects.values_list("key", "version")),
        }
        transaction.set_rollback(True)
    return state


@pytest.mark.django_db
def test_it_takes_the_copy_path_on_postgresql_unless_told_not_to():
    assert isinstance(BundleWriter(fast=True).inserts, CopyInserts)
    assert isinstance(BundleWriter(fast=False).inserts, OrmInserts)


@pytest.mark.django_db
def test_the_fast_path_writes_the_same_rows_and_history_as_the_portable_path(editor):
    data = varied_bundle(1100)
    fast = snapshot(data, user=editor, fast=True)
    portable = snapshot(data, user=editor, fast=False)
    assert fast["counts"] == portable["counts"]
    assert fast["counts"][0]["claim"] == 1100
    assert fast["export"] == portable["export"] == bundle_normalise(data)
    assert fast["rows"] == portable["rows"]
    assert fast["history"] == portable["history"]
    assert fast["tag_history"] == portable["tag_history"]
    assert fast["versions"] == portable["versions"]


@pytest.mark.django_db
def test_every_fast_history_row_names_the_importing_user(editor):
    bundle_import(data=varied_bundle(50), user=editor)
    claim_ids = set(Claim.objects.values_list("id", flat=True))
    for model in (*KEYED, *PARTS):
        history = model.history.model.objects
        assert history.count() >= model.objects.count() > 0
        assert set(history.values_list("history_user_id", flat=True)) == {editor.pk}
        assert set(history.filter(history_type="+").values_list("id", flat=True)) == set(
            model.objects.values_list("id", flat=True)
        )
    tagged = set(HistoricalClaimTags.objects.values_list("claim_id", flat=True))
    assert tagged and tagged <= claim_ids


@pytest.mark.django_db
def test_it_writes_nothing_when_the_database_refuses_a_row_mid_way(editor, bundle):
    bundle_import(data=bundle, user=editor)
    before = {model.__name__: (model.objects.count(), model.history.count()) for model in (*KEYED, *PARTS)}
    tags_before = ClaimTags.objects.count(), HistoricalClaimTags.objects.count()
    # A figure stored under an id that the sequence has yet to hand out: the import's second write
    # batch reaches that id, after the first batch's rows went in, and the database refuses it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM claims_figure_id_seq")
        clash = cursor.fetchone()[0] + 1600
        cursor.execute(
            "INSERT INTO claims_figure (id, claim_id, position, metric_id, qualifier, value, as_of_precision, text)"
            " SELECT %s, c.id, 9, m.id, 'exact', 1, '', '' "
            " FROM claims_claim c, claims_metric m LIMIT 1",
            [clash],
        )
    with pytest.raises(IntegrityError):
        bundle_import(data=varied_bundle(1100), user=editor)
    assert {model.__name__: (model.objects.count(), model.history.count()) for model in (*KEYED, *PARTS)} == {
        **before, "Figure": (before["Figure"][0] + 1, before["Figure"][1])
    }
    assert (ClaimTags.objects.count(), HistoricalClaimTags.objects.count()) == tags_before
    with connection.cursor() as cursor:
        # The fast path turned per-row foreign-key checks off for its own rows only.
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


@pytest.mark.django_db
def test_an_error_in_a_late_batch_undoes_the_batches_already_written(editor):
    data = varied_bundle(1100)
    data["claims"][1051]["figures"][0]["qualifier"] = "roughly"
    data["claims"][1099]["figures"][0]["metric"] = "nope"
    reports = []
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(data=data, user=editor, progress=lambda stage, done, total: reports.append((stage, done)))
    assert [error.path for error in caught.value.errors] == [
        "claims[1051].figures[0].qualifier", "claims[1099].figures[0].metric",
    ]
    # The first batch was clean and went through the writer before the error was found.
    assert ("importing claims", 1000) in reports
    for model in (*KEYED, *PARTS):
        assert not model.objects.exists()
        assert not model.history.exists()
    assert not ClaimTags.objects.exists()


@pytest.mark.django_db
def test_it_keeps_triggers_on_when_a_table_has_one_of_its_own(editor):
    # Replica mode would silence this trigger along with the foreign-key ones: the import must see
    # it and leave every trigger on. (DDL is transactional: the test's rollback removes both.)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE claims_seen (claim_id bigint)")
        cursor.execute(
            "CREATE FUNCTION claims_note_seen() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO claims_seen VALUES (NEW.id); RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER claims_note_seen AFTER INSERT ON claims_claim"
            " FOR EACH ROW EXECUTE FUNCTION claims_note_seen()"
        )
    bundle_import(data=varied_bundle(30), user=editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT claim_id FROM claims_seen")
        seen = {row[0] for row in cursor.fetchall()}
    assert seen == set(Claim.objects.values_list("id", flat=True))
    assert len(seen) == 30


@pytest.mark.django_db(transaction=True)
def test_a_stored_source_it_cites_cannot_be_deleted_before_it_commits(bundle):
    bundle["sources"].append({"key": "afp", "name": "AFP", "kind": "news_agency"})
    bundle_import(data=bundle)
    citing = {"format": bundle["format"], "sources": [], "claims": [
        {"key": "afp-claim", "text": "AFP says so", "attributions": [{"chain": [{"source": "afp"}]}]},
    ]}
    params = connection.settings_dict
    outcomes = []

    def delete_from_elsewhere(stage: str, done: int, total: int) -> None:
        if stage != "importing claims":
            return
        with psycopg.connect(host=params["HOST"], port=params["PORT"], dbname=params["NAME"], user=params["USER"],
                             password=params["PASSWORD"] or None, autocommit=True) as other:
            other.execute("SET lock_timeout = '300ms'")
            try:
                other.execute("DELETE FROM sources_source WHERE key = 'afp'")
                outcomes.append("deleted")
            except psycopg.errors.LockNotAvailable:
                outcomes.append("waited")

    bundle_import(data=citing, progress=delete_from_elsewhere)
    assert outcomes == ["waited"]
    assert Claim.objects.get(key="afp-claim").attributions.get().links.get().source.key == "afp"


# -- bulk imports: secondary indexes dropped while writing, built again before commit -------------
CLAIM_SIDE = (*CLAIM_TABLES, *CLAIM_HISTORY_TABLES)


def claim_side_indexes() -> dict[str, str]:
    """Every index of the claim tables and their history tables, by name, with its definition
    and whether PostgreSQL can use it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid AND i.indisready "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = ANY(%s::regclass[])",
            [list(CLAIM_SIDE)],
        )
        return {name: (definition, usable) for name, definition, usable in cursor.fetchall()}


def claim_side_keys() -> dict[tuple[str, str], tuple[str, bool]]:
    """Every primary key, unique constraint and foreign key of the claim tables and their history
    tables, by table and name, with its kind and whether PostgreSQL holds it checked."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, contype, convalidated FROM pg_constraint "
            "WHERE contype IN ('p', 'u', 'f') AND conrelid = ANY(%s::regclass[])",
            [list(CLAIM_SIDE)],
        )
        return {(table, name): (kind, valid) for table, name, kind, valid in cursor.fetchall()}


def rekeyed(data: dict, prefix: str) -> dict:
    return {**data, "claims": [{**record, "key": f"{prefix}{record['key']}"} for record in data["claims"]]}


@pytest.fixture
def bulk_from_500(monkeypatch):
    monkeypatch.setattr(importer, "BULK_CLAIMS", 500)


@pytest.mark.django_db
def test_a_bulk_import_writes_without_the_secondary_indexes_and_builds_them_again(editor, bulk_from_500):
    before = claim_side_indexes()
    assert "claim_text_search" in before
    seen_while_writing = []
    bundle_import(data=varied_bundle(1100), user=editor,
                  progress=lambda stage, done, total: seen_while_writing.append(set(claim_side_indexes())))
    during = seen_while_writing[-1]
    assert "claim_text_search" not in during and "figure_metric_date_idx" not in during
    # Unique indexes (keys, positions, primary keys) stay: they check the rows and serve lookups.
    assert {"claims_claim_key_key", "figure_position_unique", "claims_historicalclaim_pkey"} <= during
    assert claim_side_indexes() == before
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM claims_claim "
            "WHERE to_tsvector('english', COALESCE(text, '')) @@ plainto_tsquery('english', 'number 1099')"
        )
        assert cursor.fetchone()[0] >= 1


@pytest.mark.django_db
def test_a_bulk_import_that_repeats_a_stored_history_id_fails_and_writes_nothing(editor, bulk_from_500):
    holder = Claim.objects.create(key="holder", text="Holder")
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM claims_historicalclaim_history_id_seq")
        clash = cursor.fetchone()[0] + 1050
    stray = holder.history.get()
    stray.pk = clash
    stray.save()
    before = claim_side_keys()
    with pytest.raises(IntegrityError, match="history_id"):
        bundle_import(data=varied_bundle(1100), user=editor)
    assert claim_side_keys() == before
    assert list(Claim.objects.values_list("key", flat=True)) == ["holder"]
    assert Claim.history.count() == 2


@pytest.mark.django_db
def test_a_bulk_import_writes_the_same_rows_and_history_as_the_portable_path(editor, bulk_from_500):
    data = varied_bundle(1100)
    fast, portable = snapshot(data, user=editor, fast=True), snapshot(data, user=editor, fast=False)
    assert fast["rows"] == portable["rows"]
    assert fast["history"] == portable["history"]
    assert fast["tag_history"] == portable["tag_history"]


@pytest.mark.django_db
def test_a_failed_bulk_import_leaves_every_index_and_no_row(editor, bulk_from_500):
    before = claim_side_indexes()
    data = varied_bundle(1100)
    data["claims"][1099]["figures"][0]["metric"] = "nope"
    keys = claim_side_keys()
    with pytest.raises(BundleInvalid):
        bundle_import(data=data, user=editor)
    assert claim_side_indexes() == before
    assert claim_side_keys() == keys
    assert not Claim.objects.exists() and not Figure.history.exists()


@pytest.mark.django_db
def test_a_bulk_import_the_database_refuses_mid_way_leaves_every_index(editor, bulk_from_500):
    data = varied_bundle(1100)
    # A chain stored under an id the sequence is yet to hand out: the second write batch reaches it,
    # after the indexes were dropped and the first batch written, and the database refuses it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM claims_attribution_id_seq")
        clash = cursor.fetchone()[0] + 1050
    Attribution.objects.create(id=clash, claim=Claim.objects.create(key="holder", text="Holder"), position=0)
    before = claim_side_indexes()
    with pytest.raises(IntegrityError):
        bundle_import(data=data, user=editor)
    assert claim_side_indexes() == before
    assert list(Claim.objects.values_list("key", flat=True)) == ["holder"]


@pytest.mark.django_db
def test_an_import_smaller_than_the_claim_table_keeps_its_indexes(editor, bulk_from_500):
    bundle_import(data=varied_bundle(600), user=editor)
    seen_while_writing = []
    bundle_import(data=rekeyed(varied_bundle(550), "second-"), user=editor,
                  progress=lambda stage, done, total: seen_while_writing.append(set(claim_side_indexes())))
    assert "claim_text_search" in seen_while_writing[-1]
    assert Claim.objects.count() == 1150


@pytest.mark.django_db
def test_ids_taken_from_a_sequence_are_right_whether_or_not_they_run_unbroken():
    first = allocate_many({("claims_figure", "id"): 5, ("claims_claim", "id"): 3, ("claims_attribution", "id"): 0})
    assert set(first) == {("claims_figure", "id"), ("claims_claim", "id")}
    figures = first[("claims_figure", "id")]
    assert figures == list(range(figures[0], figures[0] + 5))
    # A sequence that does not step by one (as when other writers take values in between) gives
    # its values one by one instead of as a run.
    with connection.cursor() as cursor:
        cursor.execute("ALTER SEQUENCE claims_figure_id_seq INCREMENT BY 3")
    spaced = allocate_ids("claims_figure", 4)
    assert spaced == [figures[-1] + 3 * n for n in range(1, 5)]
