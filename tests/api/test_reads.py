import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Flag
from claims.synthetic import SyntheticPlan, generate
from sources.models import Source

pytestmark = pytest.mark.django_db


def test_a_claim_reads_as_its_bundle_record_with_nested_figures_and_chain(editor, newsroom):
    response = editor.get("/api/v1/claims/about-600-killed/")
    assert response.status_code == 200
    body = response.json()
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["figures"] == [
        {"metric": "nk-killed", "qualifier": "approximate", "value": 600, "as_of": "2025-04", "text": "About 600"}
    ]
    chain = body["attributions"][0]["chain"]
    assert [link["source"] for link in chain] == ["reuters", "kr-lawmakers", "nis"]
    assert chain[0]["document"] == "reuters-2025-08-22"
    assert chain[1]["date"] == "2025-04"
    # Optional fields that are empty are left out, as in a bundle (no "" where a pattern applies).
    assert "document" not in chain[2] and "language" not in body
    assert body["tags"] == ["north-korea"]


def test_a_source_reads_with_its_parent_key_and_aliases(editor, newsroom):
    Source.objects.create(
        key="reuters-asia", name="Reuters Asia", kind="news_agency", parent=newsroom["reuters"], aliases="RA\n\nR. Asia"
    )
    body = editor.get("/api/v1/sources/reuters-asia/").json()
    assert body["parent"] == "reuters"
    assert body["aliases"] == ["RA", "R. Asia"]
    assert "reliability" not in body


def test_an_unknown_key_is_404_with_an_error_body(editor, newsroom):
    response = editor.get("/api/v1/claims/no-such-claim/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["message"]


def _keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["key"] for row in response.json()["results"]]


def test_claims_filter_by_source_anywhere_in_a_chain_and_by_origin(editor, newsroom):
    assert _keys(editor.get("/api/v1/claims/?source=kr-lawmakers")) == ["about-600-killed"]
    # The lawmakers are in the chain but not its last link.
    assert _keys(editor.get("/api/v1/claims/?origin=kr-lawmakers")) == []
    assert _keys(editor.get("/api/v1/claims/?origin=nis")) == ["about-600-killed"]


def test_claims_filter_by_inherited_origin_grade(editor, newsroom):
    nis = newsroom["nis"]
    assert _keys(editor.get("/api/v1/claims/?origin_grade=ungraded")) == ["about-600-killed"]
    agency = Source.objects.create(key="kr-gov", name="South Korean government", kind="government", reliability="C")
    nis.parent = agency
    nis.save()
    assert _keys(editor.get("/api/v1/claims/?origin_grade=C")) == ["about-600-killed"]
    assert _keys(editor.get("/api/v1/claims/?origin_grade=ungraded")) == []


def test_claims_filter_by_status_tag_metric_and_open_flags(editor, newsroom):
    assert _keys(editor.get("/api/v1/claims/?status=in_review")) == ["bare-claim"]
    assert set(_keys(editor.get("/api/v1/claims/?status=in_review&status=unreviewed"))) == {
        "bare-claim", "about-600-killed"
    }
    assert _keys(editor.get("/api/v1/claims/?tag=north-korea")) == ["about-600-killed"]
    assert _keys(editor.get("/api/v1/claims/?metric=nk-killed")) == ["about-600-killed"]
    assert _keys(editor.get("/api/v1/claims/?has_open_flags=true")) == ["bare-claim"]
    assert _keys(editor.get("/api/v1/claims/?has_open_flags=false")) == ["about-600-killed"]
    Flag.objects.update(status="dismissed")
    assert _keys(editor.get("/api/v1/claims/?has_open_flags=true")) == []


def test_claims_filter_by_figure_date_and_timestamps(editor, newsroom):
    assert _keys(editor.get("/api/v1/claims/?as_of_after=2025-04-01")) == ["about-600-killed"]
    assert _keys(editor.get("/api/v1/claims/?as_of_before=2025-04-01")) == []
    Claim.objects.filter(key="bare-claim").update(created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert _keys(editor.get("/api/v1/claims/?created_before=2021-01-01T00:00:00Z")) == ["bare-claim"]


def test_claims_search_the_text(editor, newsroom, settings):
    assert _keys(editor.get("/api/v1/claims/?q=troops killed")) == ["about-600-killed"]
    assert _keys(editor.get("/api/v1/claims/?q=attributed")) == ["bare-claim"]
    if settings.IS_POSTGRES:
        # Web-search syntax (exclusions, stemming) is PostgreSQL's full-text search.
        assert _keys(editor.get("/api/v1/claims/?q=troops -killed")) == []
        assert _keys(editor.get("/api/v1/claims/?q=kill")) == ["about-600-killed"]


def test_a_bad_filter_value_is_400_naming_the_parameter(editor, newsroom):
    response = editor.get("/api/v1/claims/?status=maybe&as_of_after=April")
    assert response.status_code == 400
    assert {error["path"] for error in response.json()["errors"]} == {"status", "as_of_after"}


def test_cursor_pages_cover_every_claim_once_and_cap_the_page_size(editor, db):
    generate(SyntheticPlan(claims=120, seed=3))
    seen, url, pages = [], "/api/v1/claims/?page_size=50", 0
    while url:
        body = editor.get(url).json()
        seen += [row["key"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert sorted(seen) == sorted(Claim.objects.values_list("key", flat=True))
    assert len(editor.get("/api/v1/claims/?page_size=100000").json()["results"]) == 120
    assert len(editor.get("/api/v1/claims/?page_size=7").json()["results"]) == 7


def test_a_forged_cursor_is_404_not_an_error(editor, newsroom):
    response = editor.get("/api/v1/claims/?cursor=bm9wZQ")
    assert response.status_code == 404
    assert response.json()["errors"]


def _list_queries(editor, page_size: int) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = editor.get(f"/api/v1/claims/?page_size={page_size}")
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_listing_10_or_500_claims_takes_the_same_few_queries(editor, db):
    generate(SyntheticPlan(claims=500, seed=5))
    editor.get("/api/v1/claims/?page_size=1")  # the token's last-used stamp is written once a minute
    small, shown_small = _list_queries(editor, 10)
    large, shown_large = _list_queries(editor, 500)
    assert (shown_small, shown_large) == (10, 500)
    assert large == small
    # Token and permissions, the page, then figures, chains, links and tags.
    assert small <= 9


def test_the_schema_and_docs_are_served_without_a_cdn(editor):
    schema = editor.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/claims/{key}/history/" in paths
    assert {"401", "403", "412", "429"} <= set(paths["/api/v1/claims/{key}/"]["put"]["responses"])
    docs = editor.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html and "cdn" not in html.lower()


@pytest.mark.parametrize("instant", ["4959-01-11T18:11:47.8-19:33", "9999-12-31T23:59:59-12:00", "yesterday"])
def test_an_odd_instant_in_a_filter_is_handled_or_refused_by_name(editor, newsroom, instant):
    response = editor.get(f"/api/v1/claims/?created_after={instant.replace('+', '%2B')}")
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["errors"][0]["path"] == "created_after"
    # The request must leave the connection usable (no aborted transaction behind it).
    assert editor.get("/api/v1/claims/").status_code == 200


def test_the_browsable_api_serves_a_logged_in_editor_by_session(newsroom, callers):
    browser = Client()
    browser.force_login(User.objects.get(username="eddie"))
    for path in ("/api/v1/claims/", "/api/v1/claims/about-600-killed/", "/api/v1/flags/"):
        response = browser.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        assert b"about-600-killed" in response.content or b"no_attribution" in response.content
