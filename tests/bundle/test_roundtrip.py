import io
import json
from decimal import Decimal

import pytest

from claims.bundle.exporter import bundle_export
from claims.bundle.importer import bundle_import
from claims.bundle.normalise import bundle_normalise
from claims.models import Claim, Figure, Metric
from sources.models import Document, Source


def export_dict() -> dict:
    out = io.StringIO()
    bundle_export(stream=out)
    return json.loads(out.getvalue(), parse_float=Decimal)


@pytest.mark.django_db
def test_it_gives_back_what_it_imported(bundle):
    bundle_import(data=bundle)
    exported = export_dict()
    assert bundle_normalise(exported) == bundle_normalise(bundle)


@pytest.mark.django_db
def test_it_writes_decimals_without_float_noise(bundle):
    bundle_import(data=bundle)
    out = io.StringIO()
    bundle_export(stream=out)
    text = out.getvalue()
    assert '"value": 600,' in text
    assert '"lower": 250.5' in text
    assert '"tolerance": 0.25' in text
    assert "600.000000" not in text


@pytest.mark.django_db
def test_it_exports_the_digest_of_archived_text(bundle):
    bundle_import(data=bundle)
    document = export_dict()["documents"][0]
    assert document["sha256"] == Document.objects.get(key="article").sha256
    assert len(document["sha256"]) == 64


@pytest.mark.django_db
def test_it_updates_records_in_place_on_reimport(bundle):
    bundle_import(data=bundle)
    claim = Claim.objects.get(key="six-hundred")
    metric = Metric.objects.get(key="killed")
    bundle["claims"][0]["figures"][0]["value"] = 650
    bundle["metrics"][0]["name"] = "Troops killed in Russia"
    result = bundle_import(data=bundle)
    again = Claim.objects.get(key="six-hundred")
    assert again.pk == claim.pk
    assert again.version == claim.version + 1
    assert Figure.objects.get(claim=again, position=0).value == 650
    assert Metric.objects.get(key="killed").pk == metric.pk
    assert Metric.objects.get(key="killed").version == metric.version + 1
    assert result.updated["claim"] == 1
    assert result.unchanged["claim"] == 1
    assert Figure.objects.filter(claim=again).count() == 2


@pytest.mark.django_db
def test_it_leaves_records_absent_from_the_bundle_alone(bundle):
    bundle_import(data=bundle)
    smaller = {"format": bundle["format"], "sources": [], "claims": [bundle["claims"][1]]}
    bundle_import(data=smaller)
    assert Claim.objects.filter(key="six-hundred").exists()
    assert Source.objects.count() == 4


@pytest.mark.django_db
def test_it_does_not_bump_versions_when_nothing_changed(bundle):
    bundle_import(data=bundle)
    versions = dict(Claim.objects.values_list("key", "version"))
    result = bundle_import(data=bundle)
    assert dict(Claim.objects.values_list("key", "version")) == versions
    assert result.unchanged == {"source": 4, "document": 1, "metric": 2, "claim": 2}


@pytest.mark.django_db
def test_it_replaces_a_claims_chains_with_the_bundles(bundle):
    bundle_import(data=bundle)
    bundle["claims"][0]["attributions"] = [{"chain": [{"source": "reuters-asia", "verb": "posted"}]}]
    bundle["claims"][0]["tags"] = ["russia"]
    bundle_import(data=bundle)
    record = next(c for c in export_dict()["claims"] if c["key"] == "six-hundred")
    assert record["attributions"] == [{"chain": [{"source": "reuters-asia", "verb": "posted"}]}]
    assert record["tags"] == ["russia"]


@pytest.mark.django_db
def test_it_links_a_parent_listed_after_its_child(bundle):
    bundle["sources"].reverse()
    bundle_import(data=bundle)
    assert Source.objects.get(key="reuters-asia").parent.key == "reuters"


@pytest.mark.django_db
def test_it_names_the_importing_user_in_the_history(bundle, editor):
    bundle_import(data=bundle, user=editor)
    bundle["claims"][0]["status"] = "accurate"
    bundle["claims"][0]["figures"][0]["value"] = 610
    bundle_import(data=bundle, user=editor)
    claim = Claim.objects.get(key="six-hundred")
    latest = claim.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == editor
    assert latest.status == "accurate"
    assert latest.prev_record.status == "in_review"
    removed = Figure.history.filter(claim_id=claim.pk, history_type="-")
    assert removed.count() == 2
    assert {row.history_user for row in removed} == {editor}
    assert {t.tag.name for t in latest.tags.all()} == {"russia", "casualties"}


@pytest.mark.django_db
def test_the_streamed_claims_and_flags_are_the_records_of_the_instances(bundle):
    """The export builds claims and flags from plain rows, a key range at a time; each must be
    what claim_to_record and flag_to_record (the API's records) give for the same row, in key
    order, across chunk borders, with a chain that has no links and a claim with nothing at all."""
    from claims.bundle.exporter import (
        claim_records_by_key,
        claim_to_record,
        claims_for_export,
        flag_records,
        flag_to_record,
    )
    from claims.models import Attribution, Flag

    bundle_import(data=bundle)
    first = Claim.objects.order_by("key").first()
    Attribution.objects.create(claim=first, position=5)
    Claim.objects.create(key="zz-bare", text="Nothing else")
    Flag.objects.create(kind="unverified", code="single_origin", claim_a=first, explanation="one source")
    expected = [claim_to_record(claim) for claim in claims_for_export()]
    assert any(attribution["chain"] == [] for attribution in expected[0]["attributions"])
    assert list(claim_records_by_key(chunk=2)) == expected
    flags = Flag.objects.select_related("metric", "claim_a", "claim_b").order_by("code", "claim_a__key", "id")
    assert list(flag_records()) == [flag_to_record(flag) for flag in flags]
    assert export_dict()["claims"][-1] == {"key": "zz-bare", "text": "Nothing else", "status": "unreviewed"}
