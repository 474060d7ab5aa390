"""The claim list's plain-row read path against the serializer it replaces for lists."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.api.claim_records import CLAIM_COLUMNS, claim_records
from claims.api.serializers import ClaimSerializer
from claims.bundle.exporter import claims_for_export
from claims.models import Attribution, AttributionLink, Claim, Figure, Tag
from claims.synthetic import SyntheticPlan, generate

pytestmark = pytest.mark.django_db


def _serialized(claims) -> dict[str, dict]:
    return {claim.key: ClaimSerializer(claim).data for claim in claims}


def _built(queryset) -> dict[str, dict]:
    return {record["key"]: record for record in claim_records(claims=queryset.values(*CLAIM_COLUMNS))}


def test_it_builds_the_same_records_as_the_serializer_on_synthetic_claims(db):
    generate(SyntheticPlan(claims=60, seed=11))
    expected = _serialized(claims_for_export())
    built = _built(Claim.objects.all())
    assert built.keys() == expected.keys()
    for key, record in expected.items():
        # Field order too: clients diffing raw JSON see the list and the detail view agree.
        assert list(built[key].items()) == list(record.items()), key


def test_it_matches_the_serializer_on_edge_shapes(db, newsroom):
    claim, metric = newsroom["claim"], newsroom["metric"]
    # Tags added out of order; a range with a fractional bound; a second chain stored before the
    # first one's position; an attribution with no link yet; a quote and a year-precision date.
    claim.tags.add(Tag.objects.create(name="casualties"), Tag.objects.create(name="Ukraine"))
    Figure.objects.create(claim=claim, position=1, metric=metric, qualifier="range",
                          lower=Decimal("1.250000"), upper=Decimal("3000"), text="")
    second = Attribution.objects.create(claim=claim, position=2)
    AttributionLink.objects.create(attribution=second, position=1, source=newsroom["nis"], quote="«about 600»",
                                   date=dt.date(2025, 1, 1), date_precision="year")
    AttributionLink.objects.create(attribution=second, position=0, source=newsroom["reuters"])
    Attribution.objects.create(claim=claim, position=1)
    expected = _serialized(claims_for_export())
    built = _built(Claim.objects.all())
    assert built == expected
    assert built["about-600-killed"]["figures"][1]["lower"] == Decimal("1.25")
    assert [len(a["chain"]) for a in built["about-600-killed"]["attributions"]] == [3, 0, 2]
    assert "attributions" not in built["bare-claim"] and "tags" not in built["bare-claim"]


def test_it_keeps_the_order_of_the_rows_it_is_given(db, newsroom):
    rows = list(Claim.objects.order_by("key").values(*CLAIM_COLUMNS))
    assert [r["key"] for r in claim_records(claims=rows)] == ["about-600-killed", "bare-claim"]
    assert [r["key"] for r in claim_records(claims=rows[::-1])] == ["bare-claim", "about-600-killed"]


def test_it_reads_three_tables_whatever_the_number_of_claims(db):
    generate(SyntheticPlan(claims=80, seed=12))
    with CaptureQueriesContext(connection) as few:
        claim_records(claims=Claim.objects.values(*CLAIM_COLUMNS)[:5])
    with CaptureQueriesContext(connection) as many:
        claim_records(claims=Claim.objects.values(*CLAIM_COLUMNS)[:80])
    # The page itself, then figures, chains with links, tags.
    assert len(few) == len(many) == 4
    assert claim_records(claims=[]) == []


def test_the_list_endpoint_serves_the_detail_views_records(editor, newsroom):
    listed = {record["key"]: record for record in editor.get("/api/v1/claims/").json()["results"]}
    for key, record in listed.items():
        assert editor.get(f"/api/v1/claims/{key}/").json() == record


def test_the_status_filter_pages_without_distinct(editor, newsroom):
    with CaptureQueriesContext(connection) as queries:
        keys = [r["key"] for r in editor.get("/api/v1/claims/?status=in_review&status=unreviewed").json()["results"]]
    assert sorted(keys) == ["about-600-killed", "bare-claim"]
    page_query = next(q["sql"] for q in queries if 'FROM "claims_claim"' in q["sql"])
    # DISTINCT over the page's columns stops PostgreSQL from reading the id index backwards.
    assert "DISTINCT" not in page_query.upper()
