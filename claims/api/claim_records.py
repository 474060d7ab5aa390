"""The claim list's read path: a page of claims as API records, built from plain rows.

The list is the API's hottest read. Going through model instances, prefetch and a serializer per
claim spends most of a request building ~2,000 objects only to turn them back into dicts, so here
each related table is read once for the whole page with `values_list` and the records are put
together directly. The output is the same, field for field, as `ClaimSerializer` (the exporter's
`claim_to_record` plus version and timestamps): tests/api/test_claim_records.py compares the two
on every shape of claim, so the exporter and this module cannot drift apart unnoticed.

The number of queries is fixed (figures, chains with their links, tags), whatever the page size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from rest_framework import serializers

from claims.bundle.exporter import number
from claims.models import Attribution, Claim, Figure
from sources.dates import format_partial_date

# What the page query selects: the claim's own fields of the record, and `id` for the cursor.
CLAIM_COLUMNS = ("id", "key", "text", "language", "status", "version", "created_at", "updated_at")


def _instant_renderer() -> Callable[[Any], str | None]:
    """DRF's own rendering of instants (time zone, ISO 8601, "Z"), so that a timestamp reads the
    same in the list as in the detail view; the active time zone is looked up once per page
    instead of once per value (per value it cost about 2 ms of a 100-claim page)."""
    field = serializers.DateTimeField()
    field.timezone = field.default_timezone()
    return field.to_representation


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """As in a bundle: an empty optional value is left out rather than written as "" or null."""
    return {name: value for name, value in record.items() if value not in ("", None, [])}


def _maybe_number(value: Any) -> Any:
    return number(value) if value is not None else None


# On PostgreSQL the three reads are plain SQL with the page's ids as one array parameter: the
# same queries the ORM writes (tests/api/test_claim_records.py holds the output to the
# serializer's), minus compiling three querysets and binding ~100 parameters each per request
# (a quarter of the CPU of a page). Elsewhere (SQLite) the querysets below are used.
_FIGURES_SQL = """
SELECT f.claim_id, m.key, f.qualifier, f.value, f.lower, f.upper, f.as_of, f.as_of_precision, f.text
FROM claims_figure f JOIN claims_metric m ON m.id = f.metric_id
WHERE f.claim_id = ANY(%s) ORDER BY f.claim_id, f.position
"""
_CHAINS_SQL = """
SELECT a.claim_id, a.id, l.id, s.key, d.key, l.verb, l.date, l.date_precision, l.quote
FROM claims_attribution a
LEFT JOIN claims_attributionlink l ON l.attribution_id = a.id
LEFT JOIN sources_source s ON s.id = l.source_id
LEFT JOIN sources_document d ON d.id = l.document_id
WHERE a.claim_id = ANY(%s) ORDER BY a.claim_id, a.position, l.position
"""
_TAGS_SQL = """
SELECT ct.claim_id, t.name FROM claims_claim_tags ct JOIN claims_tag t ON t.id = ct.tag_id
WHERE ct.claim_id = ANY(%s)
"""


def _rows(sql: str, claim_ids: Sequence[int], queryset: Callable[[], Iterable[tuple]]) -> Iterable[tuple]:
    if connection.vendor != "postgresql":
        return queryset()
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(claim_ids)])
        return cursor.fetchall()


def _figures_by_claim(claim_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    rows = _rows(_FIGURES_SQL, claim_ids, lambda: (
        Figure.objects.filter(claim_id__in=claim_ids)
        .order_by("claim_id", "position")
        .values_list("claim_id", "metric__key", "qualifier", "value", "lower", "upper", "as_of",
                     "as_of_precision", "text")
    ))
    figures: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for claim_id, metric, qualifier, value, lower, upper, as_of, precision, text in rows:
        figures[claim_id].append(_compact({
            "metric": metric, "qualifier": qualifier, "value": _maybe_number(value),
            "lower": _maybe_number(lower), "upper": _maybe_number(upper),
            "as_of": format_partial_date(as_of, precision), "text": text,
        }))
    return figures


def _chains_by_claim(claim_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Attributions with their links in one query. It starts from the attributions (a LEFT join to
    the links) so that a chain without links would still show, as an empty chain, as it does in
    the exporter."""
    rows = _rows(_CHAINS_SQL, claim_ids, lambda: (
        Attribution.objects.filter(claim_id__in=claim_ids)
        .order_by("claim_id", "position", "links__position")
        .values_list("claim_id", "id", "links__id", "links__source__key", "links__document__key", "links__verb",
                     "links__date", "links__date_precision", "links__quote")
    ))
    chains: dict[int, list[dict[str, Any]]] = defaultdict(list)
    current_attribution = None
    chain: list[dict[str, Any]] = []
    for claim_id, attribution_id, link_id, source, document, verb, date, precision, quote in rows:
        if attribution_id != current_attribution:
            current_attribution, chain = attribution_id, []
            chains[claim_id].append({"chain": chain})
        if link_id is not None:
            chain.append(_compact({
                "source": source, "document": document, "verb": verb,
                "date": format_partial_date(date, precision), "quote": quote,
            }))
    return chains


def _tags_by_claim(claim_ids: Sequence[int]) -> dict[int, list[str]]:
    rows = _rows(_TAGS_SQL, claim_ids,
                 lambda: Claim.tags.through.objects.filter(claim_id__in=claim_ids).values_list("claim_id", "tag__name"))
    tags: dict[int, list[str]] = defaultdict(list)
    for claim_id, name in rows:
        tags[claim_id].append(name)
    return tags


def claim_records(*, claims: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """API records of claims given as rows with CLAIM_COLUMNS (a page of `.values(*CLAIM_COLUMNS)`),
    in the order given, in three queries for the whole lot."""
    claims = list(claims)
    if not claims:
        return []
    ids = [claim["id"] for claim in claims]
    figures, chains, tags = _figures_by_claim(ids), _chains_by_claim(ids), _tags_by_claim(ids)
    instant = _instant_renderer()
    records = []
    for claim in claims:
        claim_id = claim["id"]
        record = _compact({
            "key": claim["key"], "text": claim["text"], "language": claim["language"], "status": claim["status"],
            "tags": sorted(tags.get(claim_id, ())), "figures": figures.get(claim_id, []),
            "attributions": chains.get(claim_id, []),
        })
        record["version"] = claim["version"]
        record["created_at"] = instant(claim["created_at"])
        record["updated_at"] = instant(claim["updated_at"])
        records.append(record)
    return records
