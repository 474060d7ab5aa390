"""ClaimReview JSON-LD (schema.org) for claims that have a verdict.

Search engines and fact-check aggregators read this markup; the rating words and scale come from
settings.VERDICT_RATINGS so that each organisation can publish its own rating vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings

from claims.models import OPEN_STATUSES, AttributionLink, Claim
from claims.reports.rows import ReportFilters, claims_with_chains
from sources.models import Document, Source, SourceKind

SCHEMA_CONTEXT = "https://schema.org"
# Kinds that are one human being; every other kind speaks as an organisation.
PERSON_KINDS = frozenset({SourceKind.PERSON, SourceKind.LEGISLATOR})


def review_url(claim: Claim) -> str:
    return settings.FACTCHECK_REVIEW_URL.format(key=claim.key)


def _agent(source: Source) -> dict:
    node = {"@type": "Person" if source.kind in PERSON_KINDS else "Organization", "name": source.name}
    if source.url:
        node["url"] = source.url
    return node


def _creative_work(document: Document) -> dict:
    node: dict = {"@type": "CreativeWork", "name": document.title}
    if document.url:
        node["url"] = document.url
    if document.published_display:
        node["datePublished"] = document.published_display
    if document.publisher is not None:
        node["author"] = _agent(document.publisher)
    return node


def _documents(chains: list[list[AttributionLink]]) -> list[Document]:
    seen: dict[int, Document] = {}
    for chain in chains:
        for link in chain:
            if link.document is not None and link.document_id not in seen:
                seen[link.document_id] = link.document
    return list(seen.values())


def claim_review(claim: Claim, chains: list[list[AttributionLink]]) -> dict | None:
    """The ClaimReview of a claim with a verdict, or None while it has none (unreviewed, in review,
    or a status the rating table leaves out). The claim's author is the origin of its first chain:
    the one who made the statement that everybody else relays. The first appearance is the
    earliest-dated document of the chains, else the first one met."""
    rating = settings.VERDICT_RATINGS.get(claim.status)
    if claim.status in OPEN_STATUSES or rating is None:
        return None
    review_rating = {"@type": "Rating", "alternateName": rating["alternateName"]}
    if rating.get("ratingValue") is not None:
        review_rating.update(ratingValue=rating["ratingValue"], bestRating=settings.VERDICT_RATING_BEST,
                             worstRating=settings.VERDICT_RATING_WORST)
    item: dict = {"@type": "Claim"}
    chains = [chain for chain in chains if chain]
    if chains:
        item["author"] = _agent(chains[0][-1].source)
    documents = _documents(chains)
    if documents:
        item["appearance"] = [_creative_work(document) for document in documents]
        dated = [document for document in documents if document.published]
        first = min(dated, key=lambda d: d.published) if dated else documents[0]
        item["firstAppearance"] = _creative_work(first)
        if first.published_display:
            item["datePublished"] = first.published_display
    review: dict = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": review_url(claim),
        "claimReviewed": claim.text,
        "author": {"@type": "Organization", "name": settings.FACTCHECK_ORG_NAME, "url": settings.FACTCHECK_ORG_URL},
        "reviewRating": review_rating,
        "itemReviewed": item,
    }
    published = claim.verdict_at or claim.updated_at
    if published is not None:
        review["datePublished"] = published.date().isoformat()
    if claim.verdict_summary:
        review["reviewBody"] = claim.verdict_summary
    return review


def _chains(claim: Claim) -> list[list[AttributionLink]]:
    return [list(attribution.links.all()) for attribution in claim.attributions.all()]


def claimreview_stream(filters: ReportFilters | None = None) -> Iterator[bytes]:
    """A JSON array of ClaimReview nodes (valid JSON-LD), written one claim at a time."""
    claims = (filters or ReportFilters()).claims().exclude(status__in=OPEN_STATUSES)
    yield b"["
    first = True
    for claim in claims_with_chains(claims):
        review = claim_review(claim, _chains(claim))
        if review is None:
            continue
        yield (("\n" if first else ",\n") + json.dumps(review, ensure_ascii=False)).encode()
        first = False
    yield b"\n]\n"
