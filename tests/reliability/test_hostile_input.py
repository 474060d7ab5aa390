"""Hostile bundles and bodies: every one refused with named errors, nothing written, no 5xx."""

from __future__ import annotations

import json
import math
import subprocess

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import EDITOR
from accounts.tokens import api_token_issue
from claims import services
from claims.bundle.errors import BundleInvalid
from claims.bundle.importer import bundle_import
from claims.models import Claim, Metric
from sources.models import Document, Source
from tests.reliability.conftest import make_staff
from tests.support import PYTHON, ROOT

FORMAT = "factcheck-bundle/1"
EMPTY = {"format": FORMAT, "sources": [], "documents": [], "metrics": [], "claims": []}
BIG = 10 * 1024 * 1024
_counted = (Source, Document, Metric, Claim)


def stored_rows() -> int:
    return sum(model.objects.count() for model in _counted) + Claim.history.count() + Source.history.count()


def nested(depth: int) -> object:
    value: object = "bottom"
    for _ in range(depth):
        value = {"deeper": [value]}
    return value


scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30))
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=3), max_leaves=12)
good_claim = st.fixed_dictionaries({"key": st.just("c-1"), "text": st.just("About 600 killed")})
bad_figure = st.fixed_dictionaries({
    "metric": st.just("m-1"), "qualifier": st.just("approximate"),
    "value": st.sampled_from([math.nan, math.inf, -math.inf, -1, "600", None, [600], 10**40]),
})
hostile_claim = st.one_of(
    good_claim.map(lambda c: {**c, "text": "x" * (5001 + BIG % 7)}),          # over the text limit
    good_claim.map(lambda c: {**c, "surprise": "unknown key"}),
    good_claim.map(lambda c: {**c, "figures": [{"deeply": nested(200)}]}),
    st.builds(lambda c, f: {**c, "figures": [f]}, good_claim, bad_figure),
    st.builds(lambda c, j: {**c, "text": j}, good_claim, junk.filter(lambda v: not isinstance(v, str) or not v)),
    junk,
)
hostile_bundle = st.one_of(
    st.builds(lambda claims: {**EMPTY, "metrics": [{"key": "m-1", "name": "Killed"}], "claims": claims},
              st.lists(hostile_claim, min_size=1, max_size=3)),
    # Sections of the wrong shape: anything but a (possibly empty) list of records.
    st.builds(lambda top: {**EMPTY, **top}, st.dictionaries(st.sampled_from(
        ["sources", "claims", "metrics", "documents", "extra"]), junk.filter(lambda v: v != []), min_size=1,
        max_size=3)),
    junk,
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(bundle=hostile_bundle)
def test_hostile_bundles_are_refused_with_named_errors_and_write_nothing(db, bundle):
    before = stored_rows()
    with pytest.raises(BundleInvalid) as refused:
        bundle_import(data=bundle)
    assert refused.value.errors and all(error.message for error in refused.value.errors)
    assert stored_rows() == before


def test_a_ten_megabyte_claim_text_is_refused_by_path(db, figures):
    bundle = {**EMPTY, "claims": [{"key": "huge", "text": "y" * BIG}]}
    with pytest.raises(BundleInvalid) as refused:
        bundle_import(data=bundle)
    assert [error.path for error in refused.value.errors] == ["claims[0].text"]
    assert stored_rows() == 0


CYCLE = {**EMPTY, "sources": [
    {"key": "reuters-asia", "name": "Reuters Asia", "kind": "news_agency", "parent": "reuters"},
    {"key": "reuters", "name": "Reuters", "kind": "news_agency", "parent": "reuters-asia"},
]}


def test_a_parent_loop_in_a_bundle_is_refused(db):
    with pytest.raises(BundleInvalid) as refused:
        bundle_import(data=CYCLE)
    assert {error.path for error in refused.value.errors} == {"sources[0].parent", "sources[1].parent"}
    assert all("loops" in error.message for error in refused.value.errors)
    assert stored_rows() == 0


@pytest.mark.parametrize("name, text", [
    ("nan.json", '{"format": "factcheck-bundle/1", "metrics": [{"key": "m", "name": "M", "tolerance": NaN}]}'),
    ("deep.json", '{"format": "factcheck-bundle/1", "claims": ' + "[" * 5000 + "]" * 5000 + "}"),
    ("cycle.json", json.dumps(CYCLE)),
    ("types.json", '{"format": "factcheck-bundle/1", "claims": {"key": 1}}'),
])
def test_the_import_command_refuses_hostile_files_and_writes_nothing(name, text, tmp_path, service_env,
                                                                      transactional_db):
    path = tmp_path / name
    path.write_text(text)
    done = subprocess.run([PYTHON, "manage.py", "import_bundle", str(path), "--quiet"], cwd=ROOT,
                          env=service_env(CELERY_BROKER_URL=""), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "nothing was imported" in done.stderr or "error" in done.stderr.lower()
    assert "Traceback" not in done.stderr, done.stderr[-1500:]
    assert stored_rows() == 0


@pytest.fixture
def api(db) -> Client:
    token = api_token_issue(username="eve", role=EDITOR)[1]
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=hostile_claim)
def test_the_api_answers_no_server_error_to_hostile_claims(api, body):
    answer = api.post("/api/v1/claims/", json.dumps(body, allow_nan=True), content_type="application/json")
    assert answer.status_code < 500, answer.content[:500]
    if isinstance(body, dict) and body.get("key") == "c-1":
        assert answer.status_code >= 400 and answer.json()["errors"]
    assert not Claim.objects.exists()


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"[]" * 10, b'{"key": "k", "text": NaN}', b"[" * 100_000])
def test_the_api_answers_no_server_error_to_broken_json(api, raw):
    answer = api.post("/api/v1/claims/", raw, content_type="application/json")
    assert 400 <= answer.status_code < 500


@pytest.fixture
def two_sources(db) -> tuple[Source, Source]:
    top = Source.objects.create(key="reuters", name="Reuters", kind="news_agency")
    return top, Source.objects.create(key="reuters-asia", name="Reuters Asia", kind="news_agency", parent=top)


def _loop_record(top: Source) -> dict:
    return {"key": top.key, "name": top.name, "kind": top.kind, "parent": "reuters-asia"}


def test_the_service_refuses_a_parent_loop(two_sources):
    top, _ = two_sources
    with pytest.raises(BundleInvalid) as refused:
        services.source_upsert(record=_loop_record(top))
    assert "loops" in str(refused.value)
    assert Source.objects.get(key="reuters").parent_id is None


def test_the_api_refuses_a_parent_loop(two_sources, api):
    top, _ = two_sources
    answer = api.put("/api/v1/sources/reuters/", json.dumps(_loop_record(top)), content_type="application/json")
    assert answer.status_code == 400
    assert any(error["path"].endswith("parent") for error in answer.json()["errors"])
    assert Source.objects.get(key="reuters").parent_id is None


def test_the_admin_refuses_a_parent_loop(two_sources):
    top, child = two_sources
    client = Client()
    client.force_login(make_staff("edna", EDITOR))
    answer = client.post(f"/admin/sources/source/{top.pk}/change/", {
        "key": top.key, "name": top.name, "kind": top.kind, "parent": child.pk, "reliability": "", "country": "",
        "aliases": "", "url": "", "wikidata": "", "notes": "",
    })
    assert answer.status_code == 200  # the form again, with the error
    assert "loop" in answer.content.decode()
    assert Source.objects.get(key="reuters").parent_id is None
