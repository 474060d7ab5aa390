import pytest

from claims.bundle.errors import BundleInvalid, VersionConflict
from claims.bundle.importer import bundle_import
from claims.models import Claim, Figure
from claims.services import claim_upsert, record_delete, source_upsert
from sources.models import Source


@pytest.mark.django_db
def test_it_rejects_a_record_with_paths_relative_to_it(bundle):
    bundle_import(data=bundle)
    record = dict(bundle["claims"][0], figures=[{"metric": "killed", "qualifier": "exact", "value": -1}])
    with pytest.raises(BundleInvalid) as caught:
        claim_upsert(record=record)
    assert [str(e) for e in caught.value.errors] == ["figures[0].value: must be >= 0"]


@pytest.mark.django_db
def test_it_refuses_a_stale_version_and_accepts_the_current_one(bundle, editor):
    bundle_import(data=bundle)
    stored = Claim.objects.get(key="six-hundred")
    record = dict(bundle["claims"][0], status="accurate")
    with pytest.raises(VersionConflict):
        claim_upsert(record=record, user=editor, expected_version=stored.version + 5)
    assert Claim.objects.get(key="six-hundred").status == "in_review"
    saved = claim_upsert(record=record, user=editor, expected_version=stored.version)
    assert saved.status == "accurate"
    assert saved.version == stored.version + 1
    assert saved.history.first().history_user == editor


@pytest.mark.django_db
def test_it_refuses_a_parent_that_would_loop(bundle):
    bundle_import(data=bundle)
    with pytest.raises(BundleInvalid) as caught:
        source_upsert(record={"key": "reuters", "name": "Reuters", "kind": "news_agency", "parent": "reuters-asia"})
    assert [e.path for e in caught.value.errors] == ["parent"]


@pytest.mark.django_db
def test_it_deletes_a_claim_and_refuses_to_delete_a_cited_source(bundle, editor):
    bundle_import(data=bundle)
    with pytest.raises(BundleInvalid):
        record_delete(model=Source, key="nis", user=editor)
    record_delete(model=Claim, key="six-hundred", user=editor)
    assert not Claim.objects.filter(key="six-hundred").exists()
    assert Figure.history.filter(history_type="-").first().history_user == editor
    record_delete(model=Source, key="nis", user=editor)
    assert Source.history.filter(key="nis", history_type="-").get().history_user == editor
