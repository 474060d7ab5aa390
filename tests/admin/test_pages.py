"""Every admin page an editor uses opens, and a claim can be walked to its origin."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("model", [
    "claims_claim", "claims_metric", "claims_tag", "claims_attribution", "sources_source", "sources_document",
])
def test_it_opens_each_change_list_and_add_page(editor_client, korea_example, model):
    assert editor_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert editor_client.get(reverse(f"admin:{model}_add")).status_code == 200


@pytest.mark.parametrize("model,record", [
    ("claims_claim", "claim"), ("claims_metric", "killed"), ("claims_attribution", "chain"),
    ("sources_source", "reuters_asia"), ("sources_document", "article"),
])
def test_it_opens_each_change_and_history_page(editor_client, korea_example, model, record):
    pk = korea_example[record].pk
    assert editor_client.get(reverse(f"admin:{model}_change", args=[pk])).status_code == 200
    assert editor_client.get(reverse(f"admin:{model}_history", args=[pk])).status_code == 200


def test_it_walks_a_claim_to_its_origin(editor_client, korea_example):
    chain_url = reverse("admin:claims_attribution_change", args=[korea_example["chain"].pk])
    claim_page = editor_client.get(reverse("admin:claims_claim_change", args=[korea_example["claim"].pk]))
    text = claim_page.content.decode()
    assert chain_url in text
    assert "Reuters Asia -&gt; South Korean lawmakers -&gt; National Intelligence Service" in text

    chain_page = editor_client.get(chain_url).content.decode()
    for name in ("reuters_asia", "reuters", "lawmakers", "nis"):
        assert reverse("admin:sources_source_change", args=[korea_example[name].pk]) in chain_page
    assert reverse("admin:sources_document_change", args=[korea_example["article"].pk]) in chain_page
    # The outermost link shows its parent line with the grade of each step.
    assert "Reuters Asia</a> (ungraded) -&gt;" in chain_page
    assert "Reuters</a> (B)" in chain_page


def test_the_source_page_shows_its_parent_line_and_inherited_grade(editor_client, korea_example):
    page = editor_client.get(reverse("admin:sources_source_change", args=[korea_example["reuters_asia"].pk]))
    text = page.content.decode()
    assert "B (inherited)" in text
    assert reverse("admin:sources_source_change", args=[korea_example["reuters"].pk]) in text


def test_the_metric_page_lists_its_figures_by_date(editor_client, korea_example):
    from tests.admin import factories as make

    later = make.claim("Around 1,000 have been killed")
    make.figure(later, korea_example["killed"], "1000", as_of="2025-01-15", text="Around 1,000")
    page = editor_client.get(reverse("admin:claims_metric_change", args=[korea_example["killed"].pk]))
    text = page.content.decode()
    assert text.index("2025-01-15") < text.index("2025-04")
    assert reverse("admin:claims_claim_change", args=[later.pk]) in text


def test_the_chain_page_is_kept_off_the_admin_index(editor_client, korea_example):
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:claims_claim_changelist") in index
    assert reverse("admin:claims_attribution_changelist") not in index


def test_a_conflict_flag_page_shows_both_figures_with_the_period_the_checks_compared(editor_client, korea_example):
    from claims.checks.engine import sweep_all
    from claims.models import Flag
    from tests.admin import factories as make

    # A later, lower total on the cumulative metric: a decrease the checks flag.
    later = make.claim("North Korea has lost about 400 troops in Russia")
    make.figure(later, korea_example["killed"], "400", as_of="2025-09-12", text="about 400")
    make.chain(later, korea_example["lawmakers"])
    sweep_all()
    flag = Flag.objects.get(kind="conflict")

    page = editor_client.get(reverse("admin:claims_flag_change", args=[flag.pk]))

    assert page.status_code == 200
    # The side-by-side table (the explanation above it says the same in a sentence).
    sides = page.content.decode().split("<table><tr>", 1)[-1].split("</table>", 1)[0]
    assert "<strong>" in sides
    assert "About 600<br><em>April 2025</em>" in sides
    assert "about 400<br><em>12 September 2025</em>" in sides
    assert "National Intelligence Service via South Korean lawmakers via Reuters Asia" in sides
