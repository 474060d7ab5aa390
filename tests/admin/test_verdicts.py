"""Setting a verdict in the admin records who ruled and when; sending a claim back clears it."""

from django.urls import reverse

from claims.models import Claim
from tests.admin.forms import change_form_data


def _post(client, claim: Claim, **changes) -> None:
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = change_form_data(client.get(url))
    data.update(changes)
    assert client.post(url, data).status_code == 302


def test_a_verdict_names_the_editor_and_the_time(editor_client, editor, korea_example):
    claim = korea_example["claim"]
    _post(editor_client, claim, status="mostly_accurate", verdict_summary="The estimate matches the NIS briefing.")
    claim.refresh_from_db()
    assert claim.verdict_by == editor
    assert claim.verdict_at is not None


def test_an_unchanged_verdict_keeps_its_first_time(editor_client, korea_example):
    claim = korea_example["claim"]
    _post(editor_client, claim, status="accurate", verdict_summary="Confirmed.")
    claim.refresh_from_db()
    first = claim.verdict_at
    _post(editor_client, claim, text=claim.text + " (edited)")
    claim.refresh_from_db()
    assert claim.verdict_at == first


def test_sending_a_claim_back_to_review_clears_the_verdict_stamp(editor_client, korea_example):
    claim = korea_example["claim"]
    _post(editor_client, claim, status="false", verdict_summary="No.")
    _post(editor_client, claim, status="in_review")
    claim.refresh_from_db()
    assert (claim.verdict_by, claim.verdict_at) == (None, None)
