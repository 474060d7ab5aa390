"""Source list, autocompletes and adding a chain from a claim."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Attribution
from tests.admin import factories as make

SOURCES = reverse("admin:sources_source_changelist")


def test_the_source_list_shows_parent_lines_and_inherited_grades(editor_client, korea_example):
    response = editor_client.get(SOURCES)
    rows = {source.pk: source for source in response.context["cl"].result_list}
    admin = response.context["cl"].model_admin
    asia = rows[korea_example["reuters_asia"].pk]
    assert admin.parent_line(asia) == "Reuters Asia -> Reuters"
    assert admin.effective_grade(asia) == "B (inherited)"
    assert admin.effective_grade(rows[korea_example["lawmakers"].pk]) == "ungraded"


def test_the_source_list_costs_the_same_queries_for_deeper_and_longer_lines(editor_client, db):
    top = make.source("Agency", reliability="A")
    make.source("Desk", parent=top)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(SOURCES).status_code == 200
        return len(captured)

    few = queries()
    parent = top
    for depth in range(30):
        parent = make.source(f"Level {depth}", parent=parent)
    assert queries() == few


def test_the_link_source_autocomplete_finds_a_source_by_alias(editor_client, korea_example):
    response = editor_client.get(reverse("admin:autocomplete"), {
        "app_label": "claims", "model_name": "attributionlink", "field_name": "source", "term": "spy agency",
    })
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["National Intelligence Service"]


def test_the_figure_metric_autocomplete_finds_a_metric_by_name(editor_client, korea_example):
    response = editor_client.get(reverse("admin:autocomplete"), {
        "app_label": "claims", "model_name": "figure", "field_name": "metric", "term": "troops",
    })
    assert [row["id"] for row in response.json()["results"]] == [str(korea_example["killed"].pk)]


def test_add_a_chain_opens_a_chain_numbered_after_the_claims_others(editor_client, korea_example):
    claim = korea_example["claim"]
    page = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    add_url = f"{reverse('admin:claims_attribution_add')}?claim={claim.pk}&amp;position=1"
    assert add_url in page
    form = editor_client.get(add_url.replace("&amp;", "&")).context["adminform"].form
    assert (str(form.initial["claim"]), str(form.initial["position"])) == (str(claim.pk), "1")
    data = {
        "claim": str(claim.pk), "position": "1",
        "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0", "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000", "links-0-position": "0",
        "links-0-source": str(korea_example["nis"].pk), "links-0-date": "2025-01-13", "links-0-verb": "said",
    }
    response = editor_client.post(reverse("admin:claims_attribution_add"), data)
    assert response.status_code == 302
    added = Attribution.objects.get(claim=claim, position=1)
    assert str(added) == "National Intelligence Service"
