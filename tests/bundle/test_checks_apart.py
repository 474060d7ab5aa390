"""A large import checked in a forked process while this one writes (claims/bundle/checking.py):
same rows, same errors, nothing written from a batch not yet known clean, and a checker that dies
fails the import without touching the importer's own database session."""

import io
import json
import os

import pytest
from django.db import connection, transaction

from claims.bundle import checking, importer
from claims.bundle.checking import checks_apart
from claims.bundle.errors import BundleInvalid
from claims.bundle.importer import bundle_import, bundle_import_stream, reader_validate
from claims.bundle.reader import DictReader, FileReader, open_bundle_file
from claims.bundle.validation import BundleChecker
from claims.models import Claim
from sources.models import Source
from tests.bundle.test_fast_path import KEYED, PARTS, snapshot, varied_bundle

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="checks apart only on PostgreSQL")


@pytest.fixture(autouse=True)
def claim_batches_of_100(monkeypatch):
    # Small batches so that a few hundred claims make several, and the two processes' batches differ
    # in size: the importer must wait for the checker's count to pass the end of its own batch.
    monkeypatch.setattr(importer, "CLAIM_BATCH", 100)
    monkeypatch.setattr(checking, "CLAIM_BATCH", 70)


def broken(data: dict) -> dict:
    """Errors in a referenced section and in a late claim batch, of several kinds."""
    data["documents"][2]["published"] = "2025-02-30"
    data["claims"][41]["figures"][0]["qualifier"] = "roughly"
    data["claims"][333]["figures"][0]["metric"] = "nope"
    data["claims"][334]["key"] = data["claims"][12]["key"]
    return data


def importing_reports():
    reports = []
    return reports, lambda stage, done, total: reports.append((stage, done))


@pytest.mark.django_db
def test_checked_apart_it_writes_the_same_rows_and_history_as_checked_here(editor):
    data = varied_bundle(350)
    apart = snapshot(data, user=editor, check_apart=True)
    here = snapshot(data, user=editor, check_apart=False)
    assert apart["counts"][0]["claim"] == 350
    assert apart == here


@pytest.mark.django_db
def test_checked_apart_it_names_the_same_errors_in_the_same_order_and_writes_nothing(editor):
    data = broken(varied_bundle(350))
    with pytest.raises(BundleInvalid) as apart:
        bundle_import(data=data, user=editor, check_apart=True)
    with pytest.raises(BundleInvalid) as here:
        bundle_import(data=data, user=editor, check_apart=False)
    assert apart.value.errors == here.value.errors == reader_validate(DictReader(data))
    assert [error.path for error in apart.value.errors] == [
        "documents[2].published", "claims[41].figures[0].qualifier", "claims[333].figures[0].metric",
        "claims[334].key",
    ]
    for model in (*KEYED, *PARTS):
        assert not model.objects.exists()


@pytest.mark.django_db
def test_it_writes_no_batch_past_the_first_error_the_checker_reports(editor):
    data = varied_bundle(350)
    data["claims"][250]["figures"][0]["as_of"] = "2025-13"
    reports, progress = importing_reports()
    with pytest.raises(BundleInvalid):
        bundle_import(data=data, user=editor, progress=progress, check_apart=True)
    written = [done for stage, done in reports if stage == "importing claims"]
    # Batches of 100: the first two are clean and written; the third holds claim 250.
    assert written == [100, 200]


@pytest.mark.django_db
def test_a_referenced_section_with_an_error_stops_every_write(editor):
    data = varied_bundle(150)
    data["sources"][0]["parent"] = "nobody"
    reports, progress = importing_reports()
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(data=data, user=editor, progress=progress, check_apart=True)
    assert [error.path for error in caught.value.errors] == ["sources[0].parent"]
    assert not [stage for stage, _ in reports if stage.startswith(("writing", "importing"))]


@pytest.mark.django_db(transaction=True)
def test_the_checker_looks_up_stored_references_on_its_own_connection(editor):
    Source.objects.create(key="afp", name="AFP", kind="news_agency")
    data = varied_bundle(120)
    data["claims"][5]["attributions"] = [{"chain": [{"source": "afp"}]}]
    data["claims"][6]["attributions"] = [{"chain": [{"source": "reuters"}]}]
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(data=data, user=editor, check_apart=True)
    assert [str(error) for error in caught.value.errors] == [
        "claims[6].attributions[0].chain[0].source: unknown source 'reuters'"
    ]
    del data["claims"][6]["attributions"]
    bundle_import(data=data, user=editor, check_apart=True)
    assert Claim.objects.get(key=data["claims"][5]["key"]).attributions.get().links.get().source.key == "afp"


@pytest.mark.django_db
def test_two_processes_read_one_file_each_at_its_own_position(editor, tmp_path):
    data = varied_bundle(300)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data))
    with path.open("rb") as stream:
        result = bundle_import_stream(stream=stream, user=editor, check_apart=True)
    assert result.created["claim"] == 300
    # A bundle piped in is spooled to an unlinked file, which the checker opens again as well.
    Claim.objects.all().delete()
    with open_bundle_file("-", stdin=io.BytesIO(path.read_bytes())) as reader:
        result = importer.reader_import(reader, user=editor, check_apart=True)
    assert result.created["claim"] == 300
    assert sorted(Claim.objects.values_list("key", flat=True)) == sorted(c["key"] for c in data["claims"])
    # A stream in memory (an admin upload) has no descriptor: the fork copies it, position and all.
    Claim.objects.all().delete()
    result = bundle_import_stream(stream=io.BytesIO(path.read_bytes()), user=editor, check_apart=True)
    assert result.created["claim"] == 300


def test_a_reader_for_a_forked_process_has_a_read_position_of_its_own(tmp_path):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(varied_bundle(20)))
    with path.open("rb") as stream:
        reader = FileReader(stream)
        with reader.for_child() as child:
            stream.seek(0)
            child.stream.seek(0)
            assert child.stream.read(64).startswith(b'{"format"')
            # One file description shared would have moved this descriptor's position too.
            assert os.lseek(stream.fileno(), 0, os.SEEK_CUR) == 0
            assert child.count("claims") == reader.count("claims") == 20
        assert child.stream.closed and not stream.closed


@pytest.mark.django_db
def test_a_checker_that_dies_fails_the_import_and_leaves_the_session_usable(editor, monkeypatch):
    def die_at_the_third_batch(self, start, batch):
        if start >= 140:
            os._exit(3)
        return original(self, start, batch)

    original = checking.LocalChecks.claims
    # Only the forked checker calls LocalChecks.claims when checking apart.
    monkeypatch.setattr(checking.LocalChecks, "claims", die_at_the_third_batch)
    with pytest.raises(RuntimeError, match=r"ended without an answer \(exit code 3\)"):
        bundle_import(data=varied_bundle(300), user=editor, check_apart=True)
    assert not Claim.objects.exists()
    assert Source.objects.count() == 0  # the importer's connection still answers


@pytest.mark.django_db(transaction=True)
def test_it_checks_apart_only_for_a_large_bundle_outside_a_transaction(monkeypatch):
    monkeypatch.setattr(checking, "APART_CLAIMS", 200)
    checker = BundleChecker()
    assert checks_apart(DictReader(varied_bundle(200)), checker)
    assert not checks_apart(DictReader(varied_bundle(199)), checker)
    with transaction.atomic():
        # Its own connection would not see what this transaction wrote.
        assert not checks_apart(DictReader(varied_bundle(200)), checker)
    checker.errors.append("anything")
    assert not checks_apart(DictReader(varied_bundle(200)), checker)
