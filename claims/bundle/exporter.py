"""Bundle export: the whole database as a bundle, written as it is read.

Records are read in chunks with their related rows prefetched and written one by one, so the
export's memory does not grow with the database. Fields that are empty in the database are left
out of the record; metric defaults and claim status are always written out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TextIO

from django.db.models import Prefetch, QuerySet

from claims.bundle.schema import FORMAT
from claims.models import Attribution, AttributionLink, Claim, Figure, Flag, Metric
from sources.dates import format_partial_date
from sources.models import Document, Source

CHUNK = 1000
Progress = Callable[[str, int, int], None]


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional values, so that absent on import stays absent on export."""
    return {name: value for name, value in record.items() if value not in ("", None, [])}


def number(value: Decimal) -> Decimal | int:
    """600.000000 -> 600 and 0.250000 -> Decimal('0.25'); write_json prints both exactly."""
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else normal


def source_to_record(source: Source) -> dict[str, Any]:
    """Expects `parent` selected."""
    return _compact({
        "key": source.key, "name": source.name, "kind": source.kind, "country": source.country,
        "aliases": source.alias_list(), "parent": source.parent.key if source.parent_id else None,
        "reliability": source.reliability, "url": source.url, "wikidata": source.wikidata, "notes": source.notes,
    })


def document_to_record(doc: Document) -> dict[str, Any]:
    """Expects `publisher` selected."""
    return _compact({
        "key": doc.key, "title": doc.title, "url": doc.url,
        "publisher": doc.publisher.key if doc.publisher_id else None,
        "published": format_partial_date(doc.published, doc.published_precision),
        "language": doc.language, "text": doc.text, "sha256": doc.sha256 if doc.text else None,
    })


def metric_to_record(metric: Metric) -> dict[str, Any]:
    return _compact({
        "key": metric.key, "name": metric.name, "unit": metric.unit, "cumulative": metric.cumulative,
        "tolerance": number(metric.tolerance), "window_days": metric.window_days,
    })


def figure_to_record(figure: Figure) -> dict[str, Any]:
    return _compact({
        "metric": figure.metric.key, "qualifier": figure.qualifier,
        "value": number(figure.value) if figure.value is not None else None,
        "lower": number(figure.lower) if figure.lower is not None else None,
        "upper": number(figure.upper) if figure.upper is not None else None,
        "as_of": format_partial_date(figure.as_of, figure.as_of_precision), "text": figure.text,
    })


def link_to_record(link: AttributionLink) -> dict[str, Any]:
    return _compact({
        "source": link.source.key, "document": link.document.key if link.document_id else None,
        "verb": link.verb, "date": format_partial_date(link.date, link.date_precision), "quote": link.quote,
    })


def claim_to_record(claim: Claim) -> dict[str, Any]:
    """Expects figures (with metric), attributions -> links (with source and document) and tags
    prefetched, as claims_for_export() does; each is then read without a query."""
    return _compact({
        "key": claim.key, "text": claim.text, "language": claim.language, "status": claim.status,
        "tags": sorted(tag.name for tag in claim.tags.all()),
        "figures": [figure_to_record(f) for f in sorted(claim.figures.all(), key=lambda f: f.position)],
        "attributions": [
            {"chain": [link_to_record(link) for link in sorted(a.links.all(), key=lambda link: link.position)]}
            for a in sorted(claim.attributions.all(), key=lambda a: a.position)
        ],
    })


def flag_to_record(flag: Flag) -> dict[str, Any]:
    """Expects metric, claim_a and claim_b selected."""
    claims = sorted(claim.key for claim in (flag.claim_a, flag.claim_b) if claim is not None)
    return _compact({
        "kind": flag.kind, "code": flag.code, "metric": flag.metric.key if flag.metric_id else None,
        "claims": claims, "status": flag.status, "explanation": flag.explanation,
    })


def claims_for_export() -> QuerySet[Claim]:
    links = AttributionLink.objects.select_related("source", "document")
    return Claim.objects.order_by("key").prefetch_related(
        "tags",
        Prefetch("figures", queryset=Figure.objects.select_related("metric")),
        Prefetch("attributions", queryset=Attribution.objects.prefetch_related(Prefetch("links", queryset=links))),
    )


def bundle_export(*, stream: TextIO, progress: Progress | None = None) -> None:
    """Write every record to `stream` as one bundle, valid under the schema."""
    sections: list[tuple[str, QuerySet, Callable[[Any], dict]]] = [
        ("sources", Source.objects.select_related("parent").order_by("key"), source_to_record),
        ("documents", Document.objects.select_related("publisher").order_by("key"), document_to_record),
        ("metrics", Metric.objects.order_by("key"), metric_to_record),
        ("claims", claims_for_export(), claim_to_record),
        ("flags", Flag.objects.select_related("metric", "claim_a", "claim_b").order_by("code", "claim_a__key", "id"),
         flag_to_record),
    ]
    stream.write('{\n "format": ' + json.dumps(FORMAT))
    for name, queryset, to_record in sections:
        total = queryset.count() if progress else 0
        stream.write(f',\n "{name}": [')
        _write_records(stream, (to_record(obj) for obj in queryset.iterator(chunk_size=CHUNK)), name, total, progress)
        stream.write("]")
    stream.write("\n}\n")


def _write_records(stream: TextIO, records: Iterable[dict], name: str, total: int, progress: Progress | None) -> None:
    count = 0
    for record in records:
        stream.write(",\n  " if count else "\n  ")
        write_json(stream, record)
        count += 1
        if progress and count % CHUNK == 0:
            progress(f"exporting {name}", count, total)
    if count:
        stream.write("\n ")
    if progress:
        progress(f"exporting {name}", count, total)


def write_json(stream: TextIO, value: Any) -> None:
    """JSON with Decimals written digit for digit (json.dumps would need floats and round)."""
    if isinstance(value, dict):
        stream.write("{")
        for i, (name, item) in enumerate(value.items()):
            stream.write((", " if i else "") + json.dumps(name, ensure_ascii=False) + ": ")
            write_json(stream, item)
        stream.write("}")
    elif isinstance(value, list):
        stream.write("[")
        for i, item in enumerate(value):
            if i:
                stream.write(", ")
            write_json(stream, item)
        stream.write("]")
    elif isinstance(value, Decimal):
        stream.write(format(value, "f"))
    else:
        stream.write(json.dumps(value, ensure_ascii=False))
