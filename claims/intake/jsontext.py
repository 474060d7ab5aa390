"""Draft bundles as readable JSON text, numbers written digit for digit.

json.dumps would turn Decimals into floats and round them; figures are compared exactly, so a
draft that an editor reads, edits and sends back must keep every digit.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(value: Any, *, indent: int = 2) -> str:
    """Indented JSON; Decimals appear as plain JSON numbers."""
    parts: list[str] = []
    _write(value, parts, indent, 0)
    return "".join(parts)


def loads(text: str) -> Any:
    """JSON with numbers read as Decimal, as the API reads request bodies."""
    return json.loads(text, parse_float=Decimal)


def _write(value: Any, parts: list[str], indent: int, depth: int) -> None:
    pad = "\n" + " " * (indent * (depth + 1))
    if isinstance(value, dict) and value:
        parts.append("{")
        for i, (name, item) in enumerate(value.items()):
            parts.append(("," if i else "") + pad + json.dumps(name, ensure_ascii=False) + ": ")
            _write(item, parts, indent, depth + 1)
        parts.append("\n" + " " * (indent * depth) + "}")
    elif isinstance(value, list) and value:
        parts.append("[")
        for i, item in enumerate(value):
            parts.append(("," if i else "") + pad)
            _write(item, parts, indent, depth + 1)
        parts.append("\n" + " " * (indent * depth) + "]")
    elif isinstance(value, Decimal):
        parts.append(format(value, "f"))
    else:
        parts.append(json.dumps(value, ensure_ascii=False))
