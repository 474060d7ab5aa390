"""POST /api/v1/intake/: drafts without writing, by role, with every bad input named."""

from __future__ import annotations

import pytest

from claims.api.intake import MAX_BODY_BYTES
from claims.bundle.validation import bundle_validate
from claims.models import Claim
from sources.models import Document, Source
from tests.intake.conftest import ARTICLE, LAWMAKERS, PUBLISHED

URL = "/api/v1/intake/"
BODY = {"text": ARTICLE, "publisher": "wire", "published": PUBLISHED, "title": "Troops honoured"}


@pytest.mark.parametrize("role", ["editor", "consumer_writer"])
def test_writers_get_the_draft_bundle_and_nothing_is_stored(callers, wire, nis, role):
    sources = Source.objects.count()
    response = callers[role].post(URL, BODY)
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert bundle_validate(bundle) == []
    [claim] = [c for c in bundle["claims"] if c["text"] == LAWMAKERS]
    assert [link["source"] for link in claim["attributions"][0]["chain"]] == ["wire", "south-korean-lawmakers", "nis"]
    assert [(f["qualifier"], f["value"]) for f in claim["figures"]] == [("approximate", 600), ("exact", 15000)]
    assert (Source.objects.count(), Document.objects.count(), Claim.objects.count()) == (sources, 0, 0)


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("researcher", 403), ("consumer", 403)])
def test_readers_and_strangers_are_refused(callers, wire, role, status):
    response = callers[role].post(URL, BODY)
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("change", "path"), [
    ({"publisher": "nobody"}, "publisher"),
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"published": "22 August"}, "published"),
    ({"published": "2025-02-30"}, "published"),
    ({"url": "nowhere"}, "url"),
])
def test_bad_fields_get_a_400_that_names_them(callers, wire, change, path):
    response = callers["editor"].post(URL, {**BODY, **change})
    assert response.status_code == 400
    assert [error["path"] for error in response.json()["errors"]] == [path]


def test_a_missing_field_and_a_body_that_is_not_an_object_are_400s(callers, wire):
    missing = callers["editor"].post(URL, {"text": ARTICLE, "publisher": "wire"})
    assert missing.status_code == 400
    assert [error["path"] for error in missing.json()["errors"]] == ["published"]
    assert callers["editor"].post(URL, [1, 2]).status_code == 400
    assert callers["editor"].post(URL, "{not json").status_code == 400


def test_ten_megabytes_of_text_get_a_413_before_being_read(callers, wire):
    huge = {**BODY, "text": "About 600 soldiers died. " * (10 * 1024 * 1024 // 25)}
    response = callers["editor"].post(URL, huge)
    assert response.status_code == 413
    [error] = response.json()["errors"]
    assert error["path"] == "text"
    assert f"{MAX_BODY_BYTES:,}" in error["message"]


def test_the_operation_is_in_the_openapi_schema(callers):
    from drf_spectacular.generators import SchemaGenerator

    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][URL]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ArticleRequest")
    assert {"200", "400", "401", "403", "413"} <= set(operation["responses"])
