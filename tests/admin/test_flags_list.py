"""The flags change list (the editors' review queue) at scale: its order, filters, count and index."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.roles import EDITOR
from claims.admin.common import EstimatedCountPaginator
from claims.admin.flags import FILTER_CHOICES, FlagAdmin, MetricFilter, open_rank
from claims.models import Flag, Metric
from tests.admin import factories as make

pytestmark = pytest.mark.django_db
URL = "admin:claims_flag_changelist"


def _flag(code: str, status: str, age_days: int, **fields) -> Flag:
    flag = Flag.objects.create(kind="unverified", code=code, claim_a=make.claim(), status=status, **fields)
    # created_at is auto_now_add: set the age the order depends on afterwards.
    Flag.objects.filter(pk=flag.pk).update(created_at=timezone.now() - dt.timedelta(days=age_days))
    return flag


@pytest.fixture
def queue() -> dict[str, Flag]:
    return {
        "old_open": _flag("no_document", "open", 9),
        "new_open": _flag("single_origin", "open", 1),
        "newest_resolved": _flag("no_attribution", "resolved", 0),
        "old_dismissed": _flag("single_origin", "dismissed", 20),
    }


@pytest.fixture
def editor_client(client):
    client.force_login(make.staff_user(EDITOR))
    return client


def _listed(response) -> list[int]:
    return [flag.pk for flag in response.context["cl"].result_list]


def test_open_flags_come_first_newest_first_then_the_rest_newest_first(editor_client, queue):
    response = editor_client.get(reverse(URL))
    order = ["new_open", "old_open", "newest_resolved", "old_dismissed"]
    assert _listed(response) == [queue[name].pk for name in order]


@pytest.mark.parametrize("param", ["status", "status__exact"])
def test_a_status_filter_lists_that_status_newest_first(editor_client, queue, param):
    extra = _flag("no_document", "resolved", 5)
    response = editor_client.get(reverse(URL), {param: "resolved"})
    assert _listed(response) == [queue["newest_resolved"].pk, extra.pk]


def test_the_list_counts_a_small_queue_exactly_and_never_counts_the_whole_table_twice(editor_client, queue):
    response = editor_client.get(reverse(URL))
    changelist = response.context["cl"]
    assert changelist.paginator.count == 4 and changelist.paginator.count_label == "4"
    # show_full_result_count is off: no second COUNT(*) of all flags for "N total".
    assert changelist.full_result_count is None


def test_the_metric_filter_lists_a_bounded_number_of_metrics_and_keeps_the_chosen_one(editor_client, queue):
    Metric.objects.bulk_create([Metric(key=f"m-{n:04d}", name=f"Metric {n:04d}") for n in range(FILTER_CHOICES + 5)])
    last = Metric.objects.order_by("name").last()
    conflict_claims = sorted([make.claim(), make.claim()], key=lambda claim: claim.pk)
    on_last = Flag.objects.create(
        kind="conflict", code="disjoint_figures", metric=last, claim_a=conflict_claims[0], claim_b=conflict_claims[1]
    )
    response = editor_client.get(reverse(URL), {"metric": str(last.pk)})
    choices = next(spec for spec in response.context["cl"].filter_specs if isinstance(spec, MetricFilter))
    listed = [pk for pk, _ in choices.lookup_choices]
    assert len(listed) == FILTER_CHOICES + 1 and listed[-1] == last.pk
    assert _listed(response) == [on_last.pk]


def test_a_metric_filter_that_is_not_an_id_is_refused_not_a_server_error(editor_client, queue):
    make.metric("Troops killed")  # a filter with no choices is not shown, nor applied
    response = editor_client.get(reverse(URL), {"metric": "x"})
    assert response.status_code == 302 and "e=1" in response.url


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes are PostgreSQL's")
def test_the_review_order_can_be_read_from_the_index(queue, rf):
    """The expression the list orders by must stay the one migration 0007 indexes: with sorting
    made prohibitively expensive, PostgreSQL still answers page 1 with no Sort node, through the
    index (a small test table would otherwise be sorted in memory, which proves nothing)."""
    request = rf.get("/")
    request.user = make.staff_user(EDITOR)
    admin = FlagAdmin(Flag, None)
    queryset = admin.get_queryset(request).order_by(*admin.get_ordering(request), "-pk")[:100]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "flag_review_order_idx" in plan and "Sort" not in plan


def test_a_deep_page_lists_the_same_rows_as_a_plain_offset(editor_client, queue, monkeypatch):
    for age in range(30):
        _flag("no_document", "open" if age % 3 else "resolved", age + 30)
    monkeypatch.setattr(FlagAdmin, "list_per_page", 4)
    ordered = Flag.objects.order_by(open_rank().asc(), "-created_at", "-pk")
    shallow = _listed(editor_client.get(reverse(URL), {"p": "3"}))
    monkeypatch.setattr(EstimatedCountPaginator, "deep_offset", 4)  # page 3 (offset 8) now reads ids first
    deep = _listed(editor_client.get(reverse(URL), {"p": "3"}))
    last = _listed(editor_client.get(reverse(URL), {"p": "9"}))
    assert deep == shallow == [flag.pk for flag in ordered[8:12]]
    assert last == [flag.pk for flag in ordered[32:34]]


def test_the_source_filter_lists_flags_of_claims_citing_it_on_either_side_open_first(editor_client, queue):
    nis = make.source("National Intelligence Service")
    first, second, unrelated = make.claim(), make.claim(), make.claim()
    make.chain(second, make.source("Reuters"), nis)
    metric = make.metric("Troops killed")
    as_second = Flag.objects.create(
        kind="conflict", code="disjoint_figures", metric=metric, claim_a=first, claim_b=second, status="resolved"
    )
    own = Flag.objects.create(kind="unverified", code="single_origin", claim_a=second)
    Flag.objects.create(kind="unverified", code="single_origin", claim_a=unrelated)
    response = editor_client.get(reverse(URL), {"source": str(nis.pk)})
    assert _listed(response) == [own.pk, as_second.pk]
    assert editor_client.get(reverse(URL), {"source": "1; drop"}).status_code == 302
