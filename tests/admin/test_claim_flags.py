"""A claim's page lists the flags that name it, whichever side of the pair it is on."""

from django.urls import reverse

from claims.models import Flag
from tests.admin import factories as make


def test_a_claim_page_shows_its_flags_on_both_sides(editor_client, korea_example):
    claim = korea_example["claim"]
    other = make.claim("Around 1,000 North Korean soldiers died by January")
    first, second = sorted([claim, other], key=lambda c: c.pk)
    Flag.objects.create(kind="unverified", code="single_origin", claim_a=claim, explanation="Only one origin says so.")
    Flag.objects.create(kind="conflict", code="cumulative_decrease", metric=korea_example["killed"],
                        claim_a=first, claim_b=second, explanation="A later figure lies below an earlier one.")
    for shown in (claim, other):
        page = editor_client.get(reverse("admin:claims_claim_change", args=[shown.pk])).content.decode()
        assert "A later figure lies below an earlier one." in page
    page = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "Only one origin says so." in page
