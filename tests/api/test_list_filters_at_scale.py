"""The shapes of the claim filters that were rewritten for 1,000,000 claims (docs/api.md,
"Filters at 1,000,000 claims") still select exactly the right claims: open flags on either side
of a conflict, and both paths of the full-text search."""

from __future__ import annotations

import pytest
from django.db import connection

from claims.api import filters
from claims.models import Claim, Flag

pytestmark = pytest.mark.django_db


def _keys(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [record["key"] for record in response.json()["results"]]


@pytest.fixture
def conflict(newsroom) -> dict:
    """Three more claims: one on each side of an open conflict, one whose only flag is resolved."""
    metric = newsroom["metric"]
    older, newer, settled = (
        Claim.objects.create(key=key, text=f"Claim {key}") for key in ("older", "newer", "settled")
    )
    Flag.objects.create(kind="conflict", code="disjoint_figures", metric=metric, claim_a=older, claim_b=newer)
    Flag.objects.create(kind="unverified", code="no_attribution", claim_a=settled, status="resolved")
    return {"older": older, "newer": newer, "settled": settled}


@pytest.fixture(params=["from-the-flags", "claim-by-claim"])
def flag_path(request, monkeypatch) -> None:
    # FEW_OPEN_FLAGS=0 makes any open flag "many", so the EXISTS path is taken too.
    monkeypatch.setattr(filters, "FEW_OPEN_FLAGS", filters.FEW_OPEN_FLAGS if request.param == "from-the-flags" else 0)


def test_open_flags_count_on_either_side_of_a_conflict(editor, newsroom, conflict, flag_path):
    flagged = _keys(editor.get("/api/v1/claims/?has_open_flags=true"))
    assert flagged == ["newer", "older", "bare-claim"]  # newest first; "newer" only as claim_b
    unflagged = _keys(editor.get("/api/v1/claims/?has_open_flags=false"))
    assert unflagged == ["settled", "about-600-killed"]


def test_open_flags_pages_follow_the_cursor(editor, newsroom, conflict, flag_path):
    first = editor.get("/api/v1/claims/?has_open_flags=true&page_size=2").json()
    assert [record["key"] for record in first["results"]] == ["newer", "older"]
    second = editor.get(first["next"].replace("http://testserver", ""))
    assert _keys(second) == ["bare-claim"]


def test_an_open_flag_on_a_claim_shared_by_two_flags_lists_it_once(editor, newsroom, conflict, flag_path):
    Flag.objects.create(kind="unverified", code="no_attribution", claim_a=conflict["newer"])
    assert _keys(editor.get("/api/v1/claims/?has_open_flags=true")) == ["newer", "older", "bare-claim"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="text search is PostgreSQL's")
@pytest.mark.parametrize("few_matches", [filters.FEW_MATCHES, 0], ids=["index-first", "newest-first"])
def test_both_search_paths_find_the_same_claims(editor, newsroom, monkeypatch, few_matches):
    # few_matches=0 makes every term "common", so the walk along the primary key is taken too.
    monkeypatch.setattr(filters, "FEW_MATCHES", few_matches)
    for number in range(3):
        Claim.objects.create(key=f"troops-{number}", text=f"Report {number} on troops at the border")
    assert _keys(editor.get("/api/v1/claims/?q=troops")) == ["troops-2", "troops-1", "troops-0", "about-600-killed"]
    assert _keys(editor.get("/api/v1/claims/?q=troops -border")) == ["about-600-killed"]
    assert _keys(editor.get("/api/v1/claims/?q=nothing-like-this")) == []
    page = editor.get("/api/v1/claims/?q=troops&page_size=3").json()
    assert _keys(editor.get(page["next"].replace("http://testserver", ""))) == ["about-600-killed"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="text search is PostgreSQL's")
def test_a_rare_term_is_read_from_the_index_not_by_walking_the_claims(newsroom):
    page = filters.claim_text_search(Claim.objects.order_by("-id"), "killed")
    sql = str(page.query)
    assert "unnest(ARRAY(" in sql
    assert list(page.values_list("key", flat=True)) == ["about-600-killed"]
