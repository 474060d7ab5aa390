"""The normal form two bundles are compared in: equal normal forms mean the same records.

The rule: records are sorted by key, empty optional values count as absent, defaults are
written out (claim status unreviewed; metric cumulative false, tolerance 0.1, window_days 31),
numbers compare by value (600 = 600.0), tags are a set, a document's sha256 is dropped (export
derives it from the text), and `flags` are left out (import ignores them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from claims.bundle.schema import SECTIONS

_DEFAULTS = {
    "claims": {"status": "unreviewed"},
    "metrics": {"cumulative": False, "tolerance": Decimal("0.1"), "window_days": 31},
}


def _value(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(repr(value) if isinstance(value, float) else value).normalize()
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items() if v not in ("", None, [])}
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def bundle_normalise(data: dict) -> dict[str, list[dict]]:
    normal: dict[str, list[dict]] = {}
    for section in SECTIONS:
        records = []
        for record in data.get(section, []):
            record = {**_DEFAULTS.get(section, {}), **_value(record)}
            record.pop("sha256", None)
            if "tags" in record:
                record["tags"] = sorted(set(record["tags"]))
            if "tolerance" in record:
                record["tolerance"] = _value(record["tolerance"])
            records.append(record)
        normal[section] = sorted(records, key=lambda r: r["key"])
    return normal
