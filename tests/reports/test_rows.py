import datetime as dt
import types
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Figure, Flag
from claims.reports.formats import csv_stream
from claims.reports.rows import COLUMNS, ReportFilterError, ReportFilters, attribution_rows
from sources.models import Source
from tests.reports.conftest import add_chain


@pytest.fixture(params=[True, False], ids=["sql", "python"])
def in_sql(request) -> bool:
    """Both ways of building the rows: the PostgreSQL query and the portable batches."""
    return request.param


@pytest.fixture
def rows_as_dicts(in_sql):
    def rows(filters=None):
        return [dict(zip(COLUMNS, row, strict=True)) for row in attribution_rows(filters, in_sql=in_sql)]

    return rows


def test_it_gives_one_row_per_chain_link_with_the_chain_facts(demo, rows_as_dicts):
    rows = [r for r in rows_as_dicts() if r["claim_key"] == "nk-killed-600"]
    assert [r["source"] for r in rows] == ["Reuters Asia", "South Korean lawmakers", "National Intelligence Service"]
    assert [r["link_position"] for r in rows] == [0, 1, 2]
    first = rows[0]
    assert first["status"] == "accurate"
    assert first["figures"] == "approximate 600 (2025-04); 15,000 (2025-04)"
    assert first["metrics"] == "nk-troops-killed; nk-troops-deployed"
    assert first["verb"] == "reported"
    assert first["date"] == "2025-08-22"
    assert first["document_title"] == "Kim honours troops who fought for Russia"
    assert first["document_url"].startswith("https://www.reuters.com/")
    assert first["country"] == "" and first["source_kind"] == "news_agency"
    assert {r["origin"] for r in rows} == {"National Intelligence Service"}
    assert {r["origin_grade"] for r in rows} == {"B"}
    assert rows[1]["date"] == "2025-04"
    assert rows[2]["document_title"] is None


def test_it_marks_a_grade_taken_from_the_parent_as_inherited(demo, rows_as_dicts):
    rows = {r["source_key"]: r for r in rows_as_dicts()}
    assert (rows["reuters-asia"]["grade"], rows["reuters-asia"]["grade_inherited"]) == ("B", True)
    assert (rows["sk-lawmakers"]["grade"], rows["sk-lawmakers"]["grade_inherited"]) == ("C", False)
    assert (rows["kim-jong-un"]["grade"], rows["kim-jong-un"]["grade_inherited"]) == ("", None)


def test_it_lists_only_open_flag_codes(demo, rows_as_dicts):
    rows = {r["claim_key"]: r for r in rows_as_dicts()}
    assert rows["nk-killed-600"]["open_flags"] == "cumulative_decrease"
    assert rows["bbc-killed-1000"]["open_flags"] == "cumulative_decrease"  # the no_document flag is resolved
    assert rows["kim-heroic-army"]["open_flags"] == "single_origin"


def test_it_counts_independent_origins_by_root(demo, rows_as_dicts):
    claim = Claim.objects.create(key="two-chains", text="Two outlets, one agency")
    nis_desk = Source.objects.create(key="nis-desk", name="NIS press desk", kind="government", parent=demo.nis)
    add_chain(claim, 0, {"source": demo.bbc}, {"source": demo.nis})
    add_chain(claim, 1, {"source": demo.reuters}, {"source": nis_desk})
    assert {r["independent_origins"] for r in rows_as_dicts() if r["claim_key"] == "two-chains"} == {1}
    add_chain(claim, 2, {"source": demo.kcna})
    assert {r["independent_origins"] for r in rows_as_dicts() if r["claim_key"] == "two-chains"} == {2}


def test_it_keeps_a_claim_without_chain_as_one_row(demo, rows_as_dicts):
    Claim.objects.create(key="bare", text="Nobody said it")
    rows = [r for r in rows_as_dicts() if r["claim_key"] == "bare"]
    assert len(rows) == 1
    assert rows[0]["source"] is None and rows[0]["independent_origins"] == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"metric": "nk-troops-deployed"}, {"nk-killed-600"}),
        ({"tag": "russia-ukraine"}, {"nk-killed-600"}),
        ({"source": "kim-jong-un"}, {"kim-heroic-army"}),
        ({"status": "unreviewed"}, {"kim-heroic-army", "bbc-killed-1000"}),
        ({"status": "accurate,false"}, {"nk-killed-600"}),
        ({"flag": "cumulative_decrease"}, {"nk-killed-600", "bbc-killed-1000"}),
        ({"flag": "no_document"}, set()),
        ({"from": "2025-04-30", "to": "2025-04-30"}, {"nk-killed-600"}),  # the month 2025-04 covers 30 April
        ({"from": "2025-01", "to": "2025-01"}, {"bbc-killed-1000"}),
        ({"from": "2025-08-22"}, {"nk-killed-600", "kim-heroic-army"}),
        ({"to": "2025-01-14"}, set()),
    ],
)
def test_it_filters_the_claims(demo, params, expected, rows_as_dicts):
    assert {r["claim_key"] for r in rows_as_dicts(ReportFilters.from_params(params))} == expected


def test_it_names_every_bad_filter(demo):
    with pytest.raises(ReportFilterError) as caught:
        ReportFilters.from_params({"metric": "nope", "status": "great", "from": "2025-13", "flag": "odd"})
    assert set(caught.value.errors) == {"metric", "status", "from", "flag"}
    assert "2025-13" in caught.value.errors["from"]


def test_it_refuses_a_date_range_that_ends_before_it_starts(demo):
    with pytest.raises(ReportFilterError) as caught:
        ReportFilters.from_params({"from": "2025-05", "to": "2025-04"})
    assert "to" in caught.value.errors


def test_the_portable_path_reads_claims_batch_by_batch_instead_of_all_at_once(demo):
    rows = attribution_rows(batch_claims=1, in_sql=False)
    assert isinstance(rows, types.GeneratorType)
    with CaptureQueriesContext(connection) as first:
        next(rows)
    with CaptureQueriesContext(connection) as rest:
        remaining = list(rows)
    assert len(remaining) == 6

    def link_queries(ctx):
        return sum('FROM "claims_attributionlink"' in q["sql"] for q in ctx.captured_queries)

    # One claim per batch: the first row costs one batch's link query, the two later batches one each.
    assert (link_queries(first), link_queries(rest)) == (1, 2)


def test_on_postgresql_the_rows_come_from_one_streamed_copy(demo):
    rows = attribution_rows()
    with CaptureQueriesContext(connection) as ctx:
        first = next(rows)
    assert first[0] == "nk-killed-600"
    # The source grades, then the report itself: nothing per claim or per batch.
    assert len(ctx.captured_queries) == 1 and 'FROM "sources_source"' in ctx.captured_queries[0]["sql"]
    assert len(list(rows)) == 6
    rows.close()
    assert Claim.objects.count() == 3  # the connection is free again once the rows are read


def test_the_query_and_the_batches_give_the_same_rows_and_types(demo, hostile):
    """Edge cases of each rule the query writes again in SQL: grades inherited over two levels and
    over a parent loop, no grade at all, ranges, fractions and thousands,
    dates of each precision, repeated metrics, flags on either side of a conflict, chainless claims."""
    Source.objects.filter(key="reuters").update(reliability="")
    top = Source.objects.create(key="wire-group", name="Wire group", kind="news_agency", reliability="A")
    Source.objects.filter(key="reuters").update(parent=top)
    loop_a = Source.objects.create(key="loop-a", name="Loop A", kind="other")
    loop_b = Source.objects.create(key="loop-b", name="Loop B", kind="other", parent=loop_a)
    Source.objects.filter(pk=loop_a.pk).update(parent=loop_b)
    odd = Claim.objects.create(key="odd-numbers", text="-5 or so", status="misleading")
    for position, (qualifier, value, lower, upper, as_of, precision) in enumerate([
        ("range", None, Decimal("1.5"), Decimal("2500000"), dt.date(2024, 1, 1), "year"),
        ("more_than", Decimal("0.250000"), None, None, None, ""),
        ("exact", Decimal("1234.000000"), None, None, dt.date(2025, 2, 3), "day"),
        ("less_than", Decimal("12.5"), None, None, dt.date(2025, 2, 1), "month"),
        ("at_most", Decimal("999"), None, None, None, ""),
    ]):
        Figure.objects.create(claim=odd, position=position, metric=demo.killed if position % 2 else demo.deployed,
                              qualifier=qualifier, value=value, lower=lower, upper=upper, as_of=as_of,
                              as_of_precision=precision)
    add_chain(odd, 0, {"source": demo.reuters_asia, "verb": "said"}, {"source": loop_b, "date": dt.date(2023, 1, 1),
                                                                      "date_precision": "year"})
    add_chain(odd, 1, {"source": loop_a})
    add_chain(odd, 2, {"source": demo.kim})
    Claim.objects.create(key="bare", text="=1+1 nobody said it")
    Flag.objects.create(kind="unverified", code="no_document", claim_a=odd)
    Flag.objects.create(kind="conflict", code="cumulative_decrease", metric=demo.killed, claim_a=demo.nk600,
                        claim_b=odd)
    Flag.objects.create(kind="conflict", code="disjoint_figures", metric=demo.deployed, claim_a=demo.bbc1000,
                        claim_b=odd, status="dismissed")

    def typed(rows):
        return [(row, [type(value) for value in row]) for row in rows]

    in_sql = typed(attribution_rows(in_sql=True))
    assert in_sql == typed(attribution_rows(in_sql=False))
    odd_row = next(row for row, _ in in_sql if row[0] == "odd-numbers")
    assert odd_row[3] == ("1.5-2,500,000 (2024); more than 0.25; 1,234 (2025-02-03); less than 12.5 (2025-02); "
                          "at most 999")
    assert odd_row[4] == "nk-troops-deployed; nk-troops-killed"
    assert odd_row[20] == "cumulative_decrease; no_document"
    filters = ReportFilters.from_params({"flag": "cumulative_decrease", "from": "2025-02"})
    assert typed(attribution_rows(filters, in_sql=True)) == typed(attribution_rows(filters, in_sql=False))

def test_the_csv_writer_pulls_rows_only_as_it_writes_them():
    pulled = 0

    def endless():
        nonlocal pulled
        while True:
            pulled += 1
            yield ("k", "text", "accurate", *([""] * (len(COLUMNS) - 3)))

    stream = csv_stream(endless())
    header_and_first_chunk = next(stream)
    assert header_and_first_chunk.startswith(b"claim_key,claim_text,")
    assert 0 < pulled < 10_000  # an endless source still yields a first chunk: nothing is materialised
