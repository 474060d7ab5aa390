"""ClaimReview and PROV-O output, checked after JSON-LD expansion (offline: the schema.org context
is served from ../shared; the tests skip when that copy is absent)."""

import json
from pathlib import Path

import pytest
from pyld import jsonld

from claims.models import Claim
from claims.reports.claimreview import claim_review, claimreview_stream
from claims.reports.prov import prov_stream
from claims.reports.rows import ReportFilters, chains_of

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SHARED_CONTEXT = SHARED / "eval" / "schemaorg" / "schemaorgcontext.jsonld"
S = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"


@pytest.fixture
def expand():
    if not SHARED_CONTEXT.is_file():
        pytest.skip(f"the schema.org context is not at {SHARED_CONTEXT} (../shared missing)")
    context = json.loads(SHARED_CONTEXT.read_text())

    def loader(url, options=None):
        if "schema.org" not in url:
            raise jsonld.JsonLdError(f"offline test: refusing to fetch {url}", "loading document failed")
        return {"contextUrl": None, "documentUrl": url, "document": context}

    return lambda doc: jsonld.expand(doc, {"documentLoader": loader})


def one(node, prop):
    values = node[prop]
    assert len(values) == 1, values
    return values[0]


def test_a_claim_with_a_verdict_expands_to_a_schema_org_claimreview(demo, expand):
    document = json.loads(b"".join(claimreview_stream()))
    assert [review["claimReviewed"][:9] for review in document] == ["About 600"]  # unreviewed claims have none
    [review] = expand(document)
    assert review["@type"] == [f"{S}ClaimReview"]
    assert one(review, f"{S}claimReviewed")["@value"] == demo.nk600.text
    assert one(review, f"{S}url")["@id"] == "https://factcheck.example.org/claims/nk-killed-600/"
    assert one(review, f"{S}datePublished")["@value"] == "2025-09-01"
    rating = one(review, f"{S}reviewRating")
    assert rating["@type"] == [f"{S}Rating"]
    assert one(rating, f"{S}alternateName")["@value"] == "Accurate"
    assert one(rating, f"{S}ratingValue")["@value"] == 5
    author = one(review, f"{S}author")
    assert author["@type"] == [f"{S}Organization"] and one(author, f"{S}name")["@value"] == "Claim tracker"
    item = one(review, f"{S}itemReviewed")
    assert item["@type"] == [f"{S}Claim"]
    claim_author = one(item, f"{S}author")
    assert one(claim_author, f"{S}name")["@value"] == "National Intelligence Service"
    first = one(item, f"{S}firstAppearance")
    assert one(first, f"{S}url")["@id"] == demo.article.url
    assert one(one(first, f"{S}author"), f"{S}name")["@value"] == "Reuters Asia"
    assert [one(a, f"{S}name")["@value"] for a in item[f"{S}appearance"]] == [demo.article.title]


def test_the_rating_follows_the_configured_mapping(demo, settings):
    settings.VERDICT_RATINGS = {**settings.VERDICT_RATINGS,
                                "accurate": {"ratingValue": 6, "alternateName": "True"}}
    settings.VERDICT_RATING_BEST = 6
    settings.FACTCHECK_REVIEW_URL = "https://checks.example.net/r/{key}"
    review = claim_review(demo.nk600, chains_of(demo.nk600))
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "True", "ratingValue": 6,
                                      "bestRating": 6, "worstRating": 1}
    assert review["url"] == "https://checks.example.net/r/nk-killed-600"


def test_an_open_claim_or_an_unmapped_status_gets_no_claimreview(demo, settings):
    assert claim_review(demo.heroic, chains_of(demo.heroic)) is None
    settings.VERDICT_RATINGS = {}
    assert claim_review(demo.nk600, chains_of(demo.nk600)) is None


def test_first_appearance_is_the_earliest_document(demo):
    from tests.reports.conftest import add_chain

    add_chain(demo.nk600, 1, {"source": demo.bbc, "document": demo.bbc_story, "verb": "reported"},
              {"source": demo.nis})
    review = claim_review(demo.nk600, chains_of(Claim.objects.get(pk=demo.nk600.pk)))
    assert review["itemReviewed"]["firstAppearance"]["url"] == demo.bbc_story.url
    assert len(review["itemReviewed"]["appearance"]) == 2


def test_hostile_text_stays_inert_json(hostile, expand):
    document = json.loads(b"".join(claimreview_stream(ReportFilters(statuses=("false",)))))
    [review] = expand(document)
    assert one(review, f"{S}claimReviewed")["@value"] == hostile.text
    assert one(one(review, f"{S}reviewRating"), f"{S}alternateName")["@value"] == "False"


def test_chains_expand_to_prov_quotations_and_primary_sources(demo):
    document = json.loads(b"".join(prov_stream()))
    nodes = {node["@id"]: node for node in jsonld.expand(document)}
    base = "https://factcheck.example.org/id/"
    reuters_asia = nodes[f"{base}source/reuters-asia"]
    assert reuters_asia["@type"] == [f"{PROV}Agent"]
    assert one(reuters_asia, f"{PROV}actedOnBehalfOf")["@id"] == f"{base}source/reuters"
    assert nodes[f"{base}source/reuters"]["@type"] == [f"{PROV}Agent"]
    chain = f"{base}claim/nk-killed-600/chain/0/link/"
    outer, middle, origin = nodes[chain + "0"], nodes[chain + "1"], nodes[chain + "2"]
    assert one(outer, f"{PROV}wasQuotedFrom")["@id"] == chain + "1"
    assert one(middle, f"{PROV}wasQuotedFrom")["@id"] == chain + "2"
    assert one(outer, f"{PROV}hadPrimarySource")["@id"] == chain + "2"
    assert f"{PROV}wasQuotedFrom" not in origin
    assert one(origin, f"{PROV}wasAttributedTo")["@id"] == f"{base}source/nis"
    claim = nodes[f"{base}claim/nk-killed-600"]
    assert one(claim, f"{PROV}wasDerivedFrom")["@id"] == chain + "0"
    assert one(claim, f"{PROV}hadPrimarySource")["@id"] == chain + "2"
    ids = [node["@id"] for node in document["@graph"]]
    assert len(ids) == len(set(ids))  # each source and document written once
