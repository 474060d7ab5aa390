"""Bundle records as column values: one reading of each field for the importer and services.

Absent optional fields become the column's empty value or default (an absent `unit` is '', an
absent `tolerance` is 0.1), which is what makes a record with the field left out and one with
the default written out the same record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from claims.bundle.values import to_decimal, to_partial_date
from claims.models import Metric
from sources.models import text_sha256


def _date(text: str | None) -> tuple[Any, str]:
    if text is None:
        return None, ""
    parsed, _ = to_partial_date(text)
    return parsed if parsed else (None, "")


def _number(value: Any) -> Decimal | None:
    return None if value is None else to_decimal(value)[0]


def source_fields(record: dict) -> dict[str, Any]:
    """Every column but `parent`, which the writer resolves from the key."""
    return {
        "name": record["name"],
        "kind": record["kind"],
        "country": record.get("country", ""),
        "aliases": "\n".join(record.get("aliases", [])),
        "reliability": record.get("reliability", ""),
        "url": record.get("url", ""),
        "wikidata": record.get("wikidata", ""),
        "notes": record.get("notes", ""),
    }


def document_fields(record: dict) -> dict[str, Any]:
    """Every column but `publisher`. The digest is recomputed from the text, never trusted."""
    published, precision = _date(record.get("published"))
    text = record.get("text", "")
    return {
        "title": record["title"],
        "url": record.get("url", ""),
        "published": published,
        "published_precision": precision,
        "language": record.get("language", ""),
        "text": text,
        "sha256": text_sha256(text),
    }


def metric_fields(record: dict) -> dict[str, Any]:
    defaults = {name: Metric._meta.get_field(name).default for name in ("cumulative", "tolerance", "window_days")}
    return {
        "name": record["name"],
        "unit": record.get("unit", ""),
        "cumulative": record.get("cumulative", defaults["cumulative"]),
        "tolerance": _number(record["tolerance"]) if "tolerance" in record else defaults["tolerance"],
        "window_days": record.get("window_days", defaults["window_days"]),
    }


def claim_fields(record: dict) -> dict[str, Any]:
    return {
        "text": record["text"],
        "language": record.get("language", ""),
        "status": record.get("status", "unreviewed"),
    }


def figure_values(figure: dict, metric_id: int) -> tuple:
    """(metric_id, qualifier, value, lower, upper, as_of, as_of_precision, text): the same tuple
    the writer reads back from the table to tell whether a claim's figures changed."""
    as_of, precision = _date(figure.get("as_of"))
    return (
        metric_id, figure["qualifier"], _number(figure.get("value")), _number(figure.get("lower")),
        _number(figure.get("upper")), as_of, precision, figure.get("text", ""),
    )


FIGURE_COLUMNS = ("metric_id", "qualifier", "value", "lower", "upper", "as_of", "as_of_precision", "text")
LINK_COLUMNS = ("source_id", "document_id", "verb", "date", "date_precision", "quote")


def link_values(link: dict, source_id: int, document_id: int | None) -> tuple:
    date, precision = _date(link.get("date"))
    return (source_id, document_id, link.get("verb", ""), date, precision, link.get("quote", ""))
