"""What the API reads in bulk."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from claims.models import Attribution, AttributionLink, Claim, Figure


def claims_for_api(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """Claims with everything their representation shows: figures with metrics, chains with each
    link's source and document, tags. Five queries for a page of any size. Unlike
    claims.selectors.claims_with_chains_and_figures this also joins the links' documents, which
    the bundle shape names in every link."""
    links = AttributionLink.objects.select_related("source", "document").order_by("position")
    return queryset.prefetch_related(
        Prefetch("figures", queryset=Figure.objects.select_related("metric").order_by("position")),
        Prefetch("attributions", queryset=Attribution.objects.order_by("position").prefetch_related(
            Prefetch("links", queryset=links)
        )),
        "tags",
    )
