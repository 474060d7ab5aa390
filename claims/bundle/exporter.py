"""Bundle export: the whole database as a bundle, written as it is read.

Records are read in chunks with their related rows prefetched and written one by one, so the
export's memory does not grow with the database. Fields that are empty in the database are left
out of the record; metric defaults and claim status are always written out.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from itertools import islice
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
    # Querysets are lazy: each section is read only when its turn comes.
    sections: list[tuple[str, Iterable[dict]]] = [
        ("sources", (source_to_record(obj) for obj in
                     Source.objects.select_related("parent").order_by("key").iterator(chunk_size=CHUNK))),
        ("documents", (document_to_record(obj) for obj in
                       Document.objects.select_related("publisher").order_by("key").iterator(chunk_size=CHUNK))),
        ("metrics", (metric_to_record(obj) for obj in Metric.objects.order_by("key").iterator(chunk_size=CHUNK))),
        ("claims", claim_records_by_key()),
        ("flags", flag_records()),
    ]
    counted = {"sources": Source, "documents": Document, "metrics": Metric, "claims": Claim, "flags": Flag}
    stream.write('{\n "format": ' + json.dumps(FORMAT))
    for name, records in sections:
        total = counted[name].objects.count() if progress else 0
        stream.write(f',\n "{name}": [')
        _write_records(stream, records, name, total, progress)
        stream.write("]")
    stream.write("\n}\n")


def claim_records_by_key(chunk: int = CHUNK) -> Iterator[dict[str, Any]]:
    """Every claim's record, in key order, the same as claim_to_record gives (tests/bundle compare
    them). Claims are read a chunk at a time and each chunk's figures, chains and tags come from one
    query each over the chunk's key range, as plain rows: building model instances for ~12 rows a
    claim through prefetch was most of the export's time, and a key range keeps the queries short
    where a list of a thousand ids would be compiled and sent each time."""
    claims = Claim.objects.order_by("key").values_list("id", "key", "text", "language", "status")
    for batch in _chunks(claims.iterator(chunk_size=chunk), chunk):
        span = {"claim__key__gte": batch[0][1], "claim__key__lte": batch[-1][1]}
        figures: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for claim_id, metric, qualifier, value, lower, upper, as_of, precision, text in (
            Figure.objects.filter(**span).order_by("claim_id", "position").values_list(
                "claim_id", "metric__key", "qualifier", "value", "lower", "upper", "as_of", "as_of_precision", "text")
        ):
            figures[claim_id].append(_compact({
                "metric": metric, "qualifier": qualifier,
                "value": number(value) if value is not None else None,
                "lower": number(lower) if lower is not None else None,
                "upper": number(upper) if upper is not None else None,
                "as_of": format_partial_date(as_of, precision), "text": text,
            }))
        chains: dict[int, list[dict[str, Any]]] = defaultdict(list)
        current, chain = None, []
        # From the attributions, so that a chain without links still shows as an empty chain.
        for claim_id, attribution_id, link_id, source, document, verb, date, precision, quote in (
            Attribution.objects.filter(**span).order_by("claim_id", "position", "links__position").values_list(
                "claim_id", "id", "links__id", "links__source__key", "links__document__key", "links__verb",
                "links__date", "links__date_precision", "links__quote")
        ):
            if attribution_id != current:
                current, chain = attribution_id, []
                chains[claim_id].append({"chain": chain})
            if link_id is not None:
                chain.append(_compact({"source": source, "document": document, "verb": verb,
                                       "date": format_partial_date(date, precision), "quote": quote}))
        tags: dict[int, list[str]] = defaultdict(list)
        for claim_id, name in Claim.tags.through.objects.filter(**span).values_list("claim_id", "tag__name"):
            tags[claim_id].append(name)
        for claim_id, key, text, language, status in batch:
            yield _compact({
                "key": key, "text": text, "language": language, "status": status,
                "tags": sorted(tags.get(claim_id, ())), "figures": figures.get(claim_id, []),
                "attributions": chains.get(claim_id, []),
            })


def flag_records() -> Iterator[dict[str, Any]]:
    """flag_to_record of every flag, ordered by code, first claim's key and id, from plain rows."""
    rows = Flag.objects.order_by("code", "claim_a__key", "id").values_list(
        "kind", "code", "metric__key", "claim_a__key", "claim_b__key", "status", "explanation")
    for kind, code, metric, claim_a, claim_b, status, explanation in rows.iterator(chunk_size=CHUNK):
        yield _compact({
            "kind": kind, "code": code, "metric": metric,
            "claims": sorted(key for key in (claim_a, claim_b) if key is not None),
            "status": status, "explanation": explanation,
        })


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


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
    """JSON with Decimals written digit for digit (json.dumps would need floats and round).
    Values without a Decimal, nearly everything but figures, go to json.dumps whole: walking
    every key and string in Python was the other large part of the export's time."""
    if isinstance(value, dict):
        if not _has_decimal(value):
            stream.write(json.dumps(value, ensure_ascii=False))
            return
        stream.write("{")
        for i, (name, item) in enumerate(value.items()):
            stream.write((", " if i else "") + json.dumps(name, ensure_ascii=False) + ": ")
            write_json(stream, item)
        stream.write("}")
    elif isinstance(value, list):
        if not _has_decimal(value):
            stream.write(json.dumps(value, ensure_ascii=False))
            return
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


def _has_decimal(value: Any) -> bool:
    if isinstance(value, Decimal):
        return True
    if isinstance(value, dict):
        return any(_has_decimal(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_has_decimal(item) for item in value)
    return False
