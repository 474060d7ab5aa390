"""The cache of rendered claim reads (claims/api/response_cache.py): a read after any committed
write is fresh, whatever wrote; callers and URLs never share an entry they should not; the checks
of every request still run on a hit.

These tests commit (transaction=True): inside the usual per-test transaction the cache stays out
of the way on purpose (see test_inside_a_transaction_nothing_is_cached).

The WAL position is the whole PostgreSQL server's, and other databases on a shared test server
move it at any moment. So freshness is tested on the real position (a foreign write can only
turn a hit into a miss, which these assertions allow), while tests that need a hit freeze the
generation (`frozen`), and one test checks that a commit does move the real position.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.api import response_cache
from claims.api.response_cache import CACHE_ALIAS, HIT_HEADER
from claims.api.views import ClaimViewSet
from claims.models import Claim
from claims.synthetic import SyntheticPlan, generate

LIST = "/api/v1/claims/?page_size=10"
DETAIL = "/api/v1/claims/about-600-killed/"

committed = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_response_cache(settings):
    settings.API_RESPONSE_CACHE = True
    caches[CACHE_ALIAS].clear()
    yield
    caches[CACHE_ALIAS].clear()


@pytest.fixture
def frozen(monkeypatch):
    """A generation that only the test changes, so that hits are deterministic."""
    generation = {"value": "p0/TEST"}
    monkeypatch.setattr(response_cache, "data_generation", lambda: generation["value"])
    return generation


def _texts(response) -> dict[str, str]:
    return {record["key"]: record["text"] for record in response.json()["results"]}


@committed
def test_a_repeated_read_is_served_from_the_cache_unchanged(editor, newsroom, frozen):
    first = editor.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        second = editor.get(LIST)
    assert (first[HIT_HEADER], second[HIT_HEADER]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"] == "application/json"
    # A hit still authenticates and checks permissions, but reads no claim table.
    assert not any('"claims_claim"' in query["sql"] or "claims_figure" in query["sql"] for query in queries)


@committed
def test_the_detail_keeps_its_etag_on_a_hit(editor, newsroom, frozen):
    first, second = editor.get(DETAIL), editor.get(DETAIL)
    assert second[HIT_HEADER] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"] == '"1"'


@committed
def test_a_commit_moves_the_generation(newsroom):
    before = response_cache.data_generation()
    Claim.objects.filter(key="bare-claim").update(status="false")
    after = response_cache.data_generation()
    assert before is not None and after is not None
    assert before[0] == after[0] == "p"  # a primary
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::pg_lsn > %s::pg_lsn", [after[1:], before[1:]])
        assert cursor.fetchone()[0]


@committed
def test_a_write_through_the_api_makes_the_next_read_fresh(editor, newsroom):
    editor.get(LIST), editor.get(DETAIL)
    response = editor.call("PATCH", DETAIL, {"text": "About 700 killed"})
    assert response.status_code == 200
    listed, detail = editor.get(LIST), editor.get(DETAIL)
    assert listed[HIT_HEADER] == detail[HIT_HEADER] == "miss"
    assert _texts(listed)["about-600-killed"] == "About 700 killed"
    assert detail.json()["text"] == "About 700 killed"
    assert detail["ETag"] == '"2"'


@committed
def test_a_write_through_the_services_makes_the_next_read_fresh(editor, newsroom):
    editor.get(LIST)
    services.claim_upsert(record={"key": "new-claim", "text": "Written by the import"})
    response = editor.get(LIST)
    assert response[HIT_HEADER] == "miss"
    assert _texts(response)["new-claim"] == "Written by the import"


@committed
def test_a_set_based_update_makes_the_next_read_fresh(editor, newsroom):
    editor.get(LIST)
    Claim.objects.filter(key="bare-claim").update(status="false")
    statuses = {record["key"]: record["status"] for record in editor.get(LIST).json()["results"]}
    assert statuses["bare-claim"] == "false"


@committed
def test_raw_sql_makes_the_next_read_fresh(editor, newsroom):
    editor.get(DETAIL)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE claims_claim SET text = 'Edited in psql' WHERE key = 'about-600-killed'")
    assert editor.get(DETAIL).json()["text"] == "Edited in psql"


@committed
def test_a_copy_import_makes_the_next_read_fresh(editor, newsroom):
    before = editor.get(LIST)
    generate(SyntheticPlan(claims=3, seed=7))  # COPY on PostgreSQL
    after = editor.get(LIST)
    assert after[HIT_HEADER] == "miss"
    assert len(after.json()["results"]) == len(before.json()["results"]) + 3


@committed
def test_a_write_committed_while_a_page_is_built_is_not_hidden(editor, newsroom, monkeypatch):
    """The generation is read before the page: a write that commits after the page's queries
    must not leave that (now stale) page under the generation later readers see."""
    build = ClaimViewSet._list_page

    def build_then_write(view):
        response = build(view)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE claims_claim SET text = 'Changed meanwhile' WHERE key = 'about-600-killed'")
        return response

    monkeypatch.setattr(ClaimViewSet, "_list_page", build_then_write)
    stale = editor.get(LIST)
    assert _texts(stale)["about-600-killed"] != "Changed meanwhile"
    monkeypatch.setattr(ClaimViewSet, "_list_page", build)
    assert _texts(editor.get(LIST))["about-600-killed"] == "Changed meanwhile"


@committed
def test_roles_filters_and_hosts_never_share_an_entry(callers, newsroom, frozen):
    researcher, editor = callers["researcher"], callers["editor"]
    assert researcher.get(LIST)[HIT_HEADER] == "miss"
    assert editor.get(LIST)[HIT_HEADER] == "miss"
    assert editor.get(LIST)[HIT_HEADER] == "hit"
    filtered = editor.get(f"{LIST}&status=in_review")
    assert filtered[HIT_HEADER] == "miss"
    assert list(_texts(filtered)) == ["bare-claim"]
    # The page's links carry the host it was asked on.
    other_host = editor.call("GET", LIST, HOST="127.0.0.1")
    assert other_host[HIT_HEADER] == "miss"


@committed
def test_every_request_is_still_authenticated_and_throttled(callers, newsroom, settings, frozen):
    editor = callers["editor"]
    editor.get(LIST), editor.get(LIST)
    assert callers["anonymous"].get(LIST).status_code == 401
    bogus = Client().get(LIST, HTTP_AUTHORIZATION="Token fct_not-a-real-token")
    assert bogus.status_code == 401
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/min", "anon": "60/min"}}
    caches["default"].clear()
    answers = [editor.get(LIST) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[1][HIT_HEADER] == "hit"


@committed
def test_the_browsable_api_is_not_cached(editor, newsroom, frozen):
    pages = [editor.get(LIST, ACCEPT="text/html") for _ in range(2)]
    assert all(page.status_code == 200 and HIT_HEADER not in page for page in pages)


@committed
def test_off_by_setting(editor, newsroom, settings, frozen):
    settings.API_RESPONSE_CACHE = False
    assert HIT_HEADER not in editor.get(LIST)
    assert HIT_HEADER not in editor.get(LIST)


@pytest.mark.django_db
def test_inside_a_transaction_nothing_is_cached(editor, newsroom):
    # The page could hold this connection's uncommitted rows, which no other caller may see.
    assert HIT_HEADER not in editor.get(LIST)
    assert response_cache.data_generation() is None


def test_off_without_postgresql(tmp_path: Path):
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "FACTCHECK_VAR_DIR": str(tmp_path),
        "API_RESPONSE_CACHE": "1",
        "DJANGO_SETTINGS_MODULE": "factcheck.settings",
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.API_RESPONSE_CACHE)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
