"""The claims change list: search, filters, chain paths, and its cost on a large table."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.admin.common import EstimatedCountPaginator
from tests.admin import factories as make

CHANGELIST = reverse("admin:claims_claim_changelist")


def listed(client, **params) -> set[int]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return {claim.pk for claim in response.context["cl"].result_list}


@pytest.fixture
def two_stories(korea_example) -> dict:
    """The Korea claim plus an unrelated claim from an ungraded origin under a graded parent."""
    bbc = make.source("BBC", kind="broadcaster", reliability="A")
    western = make.source("Western officials", kind="anonymous_officials")
    deaths = make.metric("Civilian deaths")
    other = make.claim("Around 1,000 soldiers died by mid-January", status="in_review", tags=("ukraine",))
    make.figure(other, deaths, "1000", as_of="2025-01-15")
    make.chain(other, bbc, western)
    return {**korea_example, "other": other, "bbc": bbc, "western": western, "deaths": deaths}


def test_search_by_a_source_alias_finds_the_claim(editor_client, two_stories):
    assert listed(editor_client, q="spy agency") == {two_stories["claim"].pk}


def test_search_by_claim_text_and_key_finds_the_claim(editor_client, two_stories):
    assert listed(editor_client, q="mid-January") == {two_stories["other"].pk}
    assert listed(editor_client, q=two_stories["other"].key) == {two_stories["other"].pk}


def test_search_needs_every_word_to_match_somewhere(editor_client, two_stories):
    # "Reuters" matches a chain source, "600" the text: both belong to the Korea claim only.
    assert listed(editor_client, q="Reuters 600") == {two_stories["claim"].pk}
    assert listed(editor_client, q="Reuters mid-January") == set()


def test_search_lists_a_claim_once_when_several_links_match(editor_client, two_stories):
    make.chain(two_stories["claim"], two_stories["nis"])
    response = editor_client.get(CHANGELIST, {"q": "NIS"})
    assert [claim.pk for claim in response.context["cl"].result_list] == [two_stories["claim"].pk]


def test_filters_narrow_the_list(editor_client, two_stories):
    korea, other = two_stories["claim"].pk, two_stories["other"].pk
    assert listed(editor_client) == {korea, other}
    assert listed(editor_client, status="in_review") == {other}
    assert listed(editor_client, metric=two_stories["killed"].pk) == {korea}
    assert listed(editor_client, source=two_stories["lawmakers"].pk) == {korea}
    assert listed(editor_client, source=two_stories["bbc"].pk) == {other}
    assert listed(editor_client, document=two_stories["article"].pk) == {korea}
    assert listed(editor_client, tags__id__exact=two_stories["claim"].tags.get().pk) == {korea}


def test_the_origin_grade_filter_uses_the_origins_own_or_inherited_grade(editor_client, two_stories):
    korea, other = two_stories["claim"].pk, two_stories["other"].pk
    assert listed(editor_client, origin_grade="C") == {korea}  # NIS's own grade
    assert listed(editor_client, origin_grade="none") == {other}  # Western officials, no graded parent
    assert listed(editor_client, origin_grade="A") == set()  # BBC is graded A but is not an origin

    two_stories["western"].parent = two_stories["bbc"]
    two_stories["western"].save()
    assert listed(editor_client, origin_grade="A") == {other}
    assert listed(editor_client, origin_grade="none") == set()


def test_a_bad_filter_value_is_refused_without_a_server_error(editor_client, two_stories):
    for params in ({"metric": "x"}, {"origin_grade": "Z"}, {"source": "1; drop"}):
        response = editor_client.get(CHANGELIST, params)
        assert response.status_code == 302
        assert "e=1" in response["Location"]


def test_the_chain_path_reads_outermost_first_and_the_origin_grade_is_shown(editor_client, two_stories):
    response = editor_client.get(CHANGELIST)
    text = response.content.decode()
    assert "Reuters Asia -&gt; South Korean lawmakers -&gt; National Intelligence Service" in text
    assert "BBC -&gt; Western officials" in text
    claims = {claim.pk: claim for claim in response.context["cl"].result_list}
    assert claims[two_stories["claim"].pk].origin_grade_list == ["C"]
    assert claims[two_stories["other"].pk].origin_grade_list == ["ungraded"]


def _many_claims(count: int, start: int = 0) -> None:
    metric = make.metric(f"Troops deployed {start}")
    parent = make.source("Ministry", reliability="B")
    for index in range(start, start + count):
        claim = make.claim(f"Claim number {index}", tags=("bulk",))
        make.figure(claim, metric, str(index))
        make.chain(claim, make.source(f"Outlet {index}"), make.source(f"Office {index}", parent=parent))


def _changelist_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_query_count_does_not_grow_with_the_number_of_claims(editor_client, db):
    _many_claims(5)
    few = len(_changelist_queries(editor_client))
    _many_claims(45, start=5)
    many = _changelist_queries(editor_client)
    assert len(many) == few
    response = editor_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 50
    assert "Outlet 49 -&gt; Office 49" in response.content.decode()


def _counts_on_claims(queries: list[str]) -> list[str]:
    return [sql for sql in queries if re.search(r"COUNT\(\*\)", sql, re.I) and '"claims_claim"' in sql]


def test_the_paginator_never_counts_the_whole_claims_table(editor_client, db):
    _many_claims(3)
    counts = _counts_on_claims(_changelist_queries(editor_client))
    assert counts, "the page should still count a small table, within a limit"
    assert all(re.search(r"LIMIT \d+", sql) for sql in counts)


def test_a_large_unfiltered_list_uses_the_planner_estimate(editor_client, db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the planner estimate is PostgreSQL's; other backends count up to the limit")
    _many_claims(12)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_count_limit", 10)
    queries = _changelist_queries(editor_client)
    assert _counts_on_claims(queries) == []
    assert any("reltuples" in sql for sql in queries)
    assert "about 12 claims" in editor_client.get(CHANGELIST).content.decode()


def test_a_broad_filter_is_counted_only_up_to_the_limit(editor_client, db, monkeypatch):
    _many_claims(12)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_count_limit", 10)
    response = editor_client.get(CHANGELIST, {"q": "Claim number"})
    assert "more than 10 claims" in response.content.decode()
    assert response.context["cl"].paginator.count == 11
