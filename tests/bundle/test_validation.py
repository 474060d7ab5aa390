import pytest
from django.db import connection

from claims.bundle.errors import BundleInvalid
from claims.bundle.importer import bundle_import
from claims.bundle.validation import bundle_validate
from claims.models import Attribution, Claim, Figure, Metric
from sources.models import Document, Source

TABLES = (Source, Document, Metric, Claim, Figure, Attribution)


def row_counts():
    counts = {model.__name__: model.objects.count() for model in TABLES}
    counts["history"] = Claim.history.count() + Source.history.count()
    return counts


def rejected_paths(data) -> list[str]:
    before = row_counts()
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(data=data)
    assert row_counts() == before
    return [error.path for error in caught.value.errors]


@pytest.mark.django_db
def test_it_names_every_schema_error_and_writes_nothing(bundle):
    bundle["claims"][0]["figures"][0]["value"] = -1
    bundle["claims"][0]["status"] = "maybe"
    bundle["claims"][0]["colour"] = "red"
    bundle["sources"][2]["kind"] = "blogger"
    errors = {str(e) for e in bundle_validate(bundle)}
    assert "claims[0].figures[0].value: must be >= 0" in errors
    assert "claims[0]: unknown field 'colour'" in errors
    assert any(e.startswith("claims[0].status: 'maybe' is not one of [") for e in errors)
    assert sorted(rejected_paths(bundle)) == [
        "claims[0]", "claims[0].figures[0].value", "claims[0].status", "sources[2].kind",
    ]


@pytest.mark.django_db
def test_it_names_unknown_references(bundle):
    bundle["claims"][0]["attributions"][0]["chain"][2]["source"] = "nis2"
    bundle["claims"][0]["figures"][1]["metric"] = "wounded"
    bundle["documents"][0]["publisher"] = "afp"
    errors = [str(e) for e in bundle_validate(bundle)]
    assert "claims[0].attributions[0].chain[2].source: unknown source 'nis2'" in errors
    assert rejected_paths(bundle) == [
        "documents[0].publisher", "claims[0].figures[1].metric", "claims[0].attributions[0].chain[2].source",
    ]


@pytest.mark.django_db
def test_it_accepts_references_to_records_already_stored(bundle):
    bundle_import(data=bundle)
    claim_only = {"format": bundle["format"], "sources": [], "claims": [dict(bundle["claims"][0], key="again")]}
    assert bundle_validate(claim_only) == []


@pytest.mark.django_db
def test_it_names_duplicate_keys(bundle):
    bundle["claims"].append(dict(bundle["claims"][0]))
    bundle["metrics"].append(dict(bundle["metrics"][0]))
    assert rejected_paths(bundle) == ["metrics[2].key", "claims[2].key"]


@pytest.mark.django_db
def test_it_names_dates_that_do_not_exist(bundle):
    bundle["claims"][0]["figures"][0]["as_of"] = "2025-02-30"
    bundle["documents"][0]["published"] = "2024-02-30"
    bundle["claims"][0]["attributions"][0]["chain"][1]["date"] = "2025-13"
    errors = bundle_validate(bundle)
    assert "not a real date" in next(e.message for e in errors if e.path == "claims[0].figures[0].as_of")
    assert rejected_paths(bundle) == [
        "documents[0].published", "claims[0].attributions[0].chain[1].date", "claims[0].figures[0].as_of",
    ]


@pytest.mark.django_db
def test_it_names_upside_down_ranges_and_numbers_that_do_not_fit(bundle):
    bundle["claims"][1]["figures"][0].update(lower=400, upper=300)
    bundle["claims"][0]["figures"][0]["value"] = 10**25
    bundle["claims"][0]["figures"][1]["value"] = 0.1234567
    assert rejected_paths(bundle) == [
        "claims[0].figures[0].value", "claims[0].figures[1].value", "claims[1].figures[0].lower",
    ]


@pytest.mark.django_db
def test_it_names_a_loop_of_parents_in_the_bundle(bundle):
    bundle["sources"][0]["parent"] = "reuters-asia"
    errors = bundle_validate(bundle)
    assert sorted(e.path for e in errors) == ["sources[0].parent", "sources[1].parent"]
    assert "parent line loops" in errors[0].message
    assert rejected_paths(bundle)


@pytest.mark.django_db
def test_it_names_a_loop_closed_through_stored_sources(bundle):
    bundle_import(data=bundle)
    only_reuters = {
        "format": bundle["format"],
        "sources": [{"key": "reuters", "name": "Reuters", "kind": "news_agency", "parent": "reuters-asia"}],
        "claims": [],
    }
    assert rejected_paths(only_reuters) == ["sources[0].parent"]


@pytest.mark.django_db
def test_it_refuses_a_mixture_of_value_and_bounds(bundle):
    bundle["claims"][0]["figures"][0]["lower"] = 500
    assert rejected_paths(bundle) == ["claims[0].figures[0].lower"]


@pytest.mark.django_db
def test_it_refuses_a_digest_that_does_not_match_the_text(bundle):
    bundle["documents"][0]["sha256"] = "0" * 64
    assert rejected_paths(bundle) == ["documents[0].sha256"]


@pytest.mark.django_db
def test_it_checks_the_outer_shape(bundle):
    bundle["format"] = "factcheck-bundle/2"
    bundle["extra"] = 1
    del bundle["claims"]
    assert {str(e) for e in bundle_validate(bundle)} == {
        "format: must be 'factcheck-bundle/1'", "unknown field 'extra'", "claims: is required",
    }


def test_the_fast_check_agrees_with_jsonschema_on_bad_records(bundle):
    from claims.bundle.schema import record_schema_errors
    from claims.bundle.validation import schema_errors

    bad_claims = [
        {**bundle["claims"][0], "status": "maybe"},
        {**bundle["claims"][0], "figures": [{"metric": "m", "qualifier": "range", "value": 1}]},
        {**bundle["claims"][0], "attributions": [{"chain": []}]},
        {"key": "-bad", "text": ""},
    ]
    for record in bad_claims:
        assert record_schema_errors("claim", record) != []
        assert schema_errors("claim", record, "") == record_schema_errors("claim", record)
    assert schema_errors("claim", bundle["claims"][0], "") == record_schema_errors("claim", bundle["claims"][0]) == []


@pytest.mark.django_db(transaction=True)
def test_it_rejects_bad_rows_in_the_database_itself(bundle):
    """The tables refuse what validation refuses, so a writer that skips validation still fails."""
    from django.db import IntegrityError, transaction

    bundle_import(data=bundle)
    claim = Claim.objects.get(key="range-claim")
    metric = Metric.objects.get(key="killed")
    attribution = Attribution.objects.first()
    source = Source.objects.first()
    bad_writes = [
        lambda: Figure.objects.create(claim=claim, position=5, metric=metric, qualifier="range", lower=5, upper=1),
        lambda: Figure.objects.create(claim=claim, position=6, metric=metric, qualifier="exact", value=-1),
        lambda: Metric.objects.create(key="killed", name="again"),
        lambda: attribution.links.create(position=0, source=source),
    ]
    for write in bad_writes:
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
    assert connection.vendor in ("postgresql", "sqlite")
