"""Editing through the admin: partial dates, refused input, permissions, history, queued checks."""

import datetime as dt

import pytest
from django.urls import reverse

from claims.admin.common import PartialDateField
from claims.models import Figure
from sources.models import Document
from tests.admin import factories as make
from tests.admin.forms import change_form_data


def claim_url(example) -> str:
    return reverse("admin:claims_claim_change", args=[example["claim"].pk])


@pytest.mark.parametrize("typed,expected", [
    ("2025", (dt.date(2025, 1, 1), "year")),
    ("2025-04", (dt.date(2025, 4, 1), "month")),
    ("2025-04-15", (dt.date(2025, 4, 15), "day")),
    ("  2025-04 ", (dt.date(2025, 4, 1), "month")),
    ("", None),
])
def test_the_partial_date_field_reads_year_month_or_day(typed, expected):
    assert PartialDateField(required=False).clean(typed) == expected


@pytest.mark.parametrize("typed", ["2025-13", "April 2025", "25-04", "2025-02-30"])
def test_the_partial_date_field_refuses_what_is_not_a_date(typed):
    with pytest.raises(Exception, match="YYYY, YYYY-MM or YYYY-MM-DD"):
        PartialDateField(required=False).clean(typed)


def test_a_figure_with_a_bad_partial_date_shows_the_error_and_saves_nothing(editor_client, korea_example):
    data = change_form_data(editor_client.get(claim_url(korea_example)))
    assert data["figures-0-as_of"] == "2025-04"
    data.update({"figures-0-as_of": "2025-13", "figures-0-value": "700"})
    response = editor_client.post(claim_url(korea_example), data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors[0]
    assert "is not a real date" in errors["as_of"][0]
    figure = Figure.objects.get(claim=korea_example["claim"])
    assert (figure.value, figure.as_of, figure.as_of_precision) == (600, dt.date(2025, 4, 1), "month")


def test_a_typed_partial_date_fills_the_date_and_its_precision(editor_client, korea_example):
    data = change_form_data(editor_client.get(claim_url(korea_example)))
    data.update({"figures-0-as_of": "2025"})
    # The empty row is numbered after the saved figure, so a new figure needs no position typed.
    assert data["figures-1-position"] == "1"
    data.update({
        "figures-1-metric": str(korea_example["killed"].pk), "figures-1-qualifier": "at_least",
        "figures-1-value": "600", "figures-1-as_of": "2025-04-15",
    })
    response = editor_client.post(claim_url(korea_example), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    figures = list(Figure.objects.filter(claim=korea_example["claim"]).order_by("position"))
    assert [(f.position, f.as_of, f.as_of_precision) for f in figures] == [
        (0, dt.date(2025, 1, 1), "year"), (1, dt.date(2025, 4, 15), "day"),
    ]


def test_a_document_date_is_typed_as_a_partial_date(editor_client, korea_example):
    url = reverse("admin:sources_document_change", args=[korea_example["article"].pk])
    data = change_form_data(editor_client.get(url))
    assert data["published"] == "2025-04-30"
    data["published"] = "2025-04"
    assert editor_client.post(url, data).status_code == 302
    article = Document.objects.get(pk=korea_example["article"].pk)
    assert (article.published, article.published_precision) == (dt.date(2025, 4, 1), "month")


def test_a_new_link_on_a_chain_page_is_numbered_after_the_others(editor_client, korea_example):
    url = reverse("admin:claims_attribution_change", args=[korea_example["chain"].pk])
    data = change_form_data(editor_client.get(url))
    assert data["links-3-position"] == "3"
    data.update({"links-3-source": str(korea_example["reuters"].pk), "links-3-date": "2025-04"})
    assert editor_client.post(url, data).status_code == 302
    last = korea_example["chain"].links.order_by("position").last()
    assert (last.position, last.source, last.date_precision) == (3, korea_example["reuters"], "month")


def test_a_source_parent_loop_is_refused_with_a_form_error(editor_client, korea_example):
    reuters = korea_example["reuters"]
    url = reverse("admin:sources_source_change", args=[reuters.pk])
    data = change_form_data(editor_client.get(url))
    data["parent"] = str(korea_example["reuters_asia"].pk)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "loop" in response.context["adminform"].form.errors["parent"][0]
    reuters.refresh_from_db()
    assert reuters.parent is None


def test_a_researcher_can_view_but_not_change_or_add(researcher_client, korea_example):
    page = researcher_client.get(claim_url(korea_example))
    assert page.status_code == 200
    # Read-only pages show a partial date as written, not as its first day.
    assert "2025-04" in page.content.decode()
    assert "April 1, 2025" not in page.content.decode()
    assert researcher_client.post(claim_url(korea_example), {"status": "false"}).status_code == 403
    korea_example["claim"].refresh_from_db()
    assert korea_example["claim"].status == "unreviewed"
    for model in ("claims_claim", "claims_metric", "claims_attribution", "sources_source", "sources_document"):
        assert researcher_client.get(reverse(f"admin:{model}_add")).status_code == 403
    source_url = reverse("admin:sources_source_change", args=[korea_example["nis"].pk])
    assert researcher_client.post(source_url, {"name": "Renamed"}).status_code == 403
    delete_url = reverse("admin:claims_claim_delete", args=[korea_example["claim"].pk])
    assert researcher_client.post(delete_url, {"post": "yes"}).status_code == 403


def test_the_history_page_names_the_editor_who_changed_the_claim(editor_client, editor, korea_example):
    data = change_form_data(editor_client.get(claim_url(korea_example)))
    data["status"] = "misleading"
    assert editor_client.post(claim_url(korea_example), data).status_code == 302
    latest = korea_example["claim"].history.latest()
    assert (latest.history_user, latest.status) == (editor, "misleading")
    history = editor_client.get(reverse("admin:claims_claim_history", args=[korea_example["claim"].pk]))
    assert editor.username in history.content.decode()


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """What the admin asks the checks to look at (the queue itself is another module's job)."""
    calls: list[dict] = []

    def record(*, claim_ids=(), metric_ids=()):
        calls.append({"claims": set(claim_ids), "metrics": set(metric_ids)})

    monkeypatch.setattr("claims.admin.claims.checks_enqueue", record)
    monkeypatch.setattr("sources.admin.checks_enqueue", record)
    return calls


def test_moving_a_figure_to_another_metric_queues_both_metrics(editor_client, korea_example, queued):
    other = make.metric("Troops wounded")
    data = change_form_data(editor_client.get(claim_url(korea_example)))
    data["figures-0-metric"] = str(other.pk)
    assert editor_client.post(claim_url(korea_example), data).status_code == 302
    assert queued == [{"claims": {korea_example["claim"].pk}, "metrics": {korea_example["killed"].pk, other.pk}}]


def test_editing_a_chain_queues_its_claim(editor_client, korea_example, queued):
    url = reverse("admin:claims_attribution_change", args=[korea_example["chain"].pk])
    data = change_form_data(editor_client.get(url))
    data["links-2-verb"] = "citing"
    assert editor_client.post(url, data).status_code == 302
    assert queued == [{"claims": {korea_example["claim"].pk}, "metrics": {korea_example["killed"].pk}}]


def test_regrading_a_parent_queues_the_claims_of_sources_below_it(editor_client, korea_example, queued):
    url = reverse("admin:sources_source_change", args=[korea_example["reuters"].pk])
    data = change_form_data(editor_client.get(url))
    data["reliability"] = "D"
    assert editor_client.post(url, data).status_code == 302
    assert queued == [{"claims": {korea_example["claim"].pk}, "metrics": set()}]


def test_renaming_a_source_queues_nothing(editor_client, korea_example, queued):
    url = reverse("admin:sources_source_change", args=[korea_example["reuters"].pk])
    data = change_form_data(editor_client.get(url))
    data["name"] = "Reuters News"
    assert editor_client.post(url, data).status_code == 302
    assert queued == []
