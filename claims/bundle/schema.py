"""The bundle contract (bundle.schema.json, shipped with the project) and readable messages.

Records are validated one at a time against their `$defs` entry, so a file of any size can be
checked while it streams, and the API checks a single record with exactly the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from claims.bundle.errors import BundleError

SCHEMA_PATH = Path(__file__).with_name("bundle.schema.json")
FORMAT = "factcheck-bundle/1"
# Record sections in the order their references point: a document names a source, a claim
# names all three. Flags are written by export and ignored on import.
SECTIONS: tuple[str, ...] = ("sources", "documents", "metrics", "claims")
SECTION_KIND = {"sources": "source", "documents": "document", "metrics": "metric", "claims": "claim", "flags": "flag"}

_TYPE_WORDS = {
    "string": "a string", "number": "a number", "integer": "an integer", "boolean": "true or false",
    "object": "an object", "array": "a list", "null": "null",
}


@cache
def bundle_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _record_validator(kind: str) -> Draft202012Validator:
    schema = bundle_schema()
    return Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{kind}"})


@cache
def _top_validator() -> Draft202012Validator:
    """The bundle's outer shape only; the records inside are checked one by one."""
    schema = dict(bundle_schema())
    schema["properties"] = {
        name: ({"type": "array"} if name in SECTION_KIND else spec) for name, spec in schema["properties"].items()
    }
    return Draft202012Validator(schema)


def join_path(prefix: str, parts: Iterable[str | int]) -> str:
    """('claims[3]', ['figures', 0, 'value']) -> 'claims[3].figures[0].value'."""
    path = prefix
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


# The contract's deepest place (claims[i].attributions[j].chain[k].source) is 6 levels down; a
# value nested far deeper is hostile, and jsonschema would overflow the stack describing it.
MAX_DEPTH = 32


def nesting_depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Depth of nested lists and dicts, counted without recursion and given up past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _too_deep(value: Any, prefix: str) -> list[BundleError]:
    if nesting_depth(value) > MAX_DEPTH:
        return [BundleError(prefix or "(bundle)", f"is nested more than {MAX_DEPTH} levels deep")]
    return []


def record_schema_errors(kind: str, record: Any, prefix: str = "") -> list[BundleError]:
    """Schema errors of one record (`kind` is a `$defs` name: source, document, metric, claim)."""
    too_deep = _too_deep(record, prefix)
    if too_deep:
        return too_deep
    # dict.fromkeys: jsonschema can reach one place by two routes and report it twice.
    return list(dict.fromkeys(_errors(_record_validator(kind).iter_errors(record), prefix)))


def top_schema_errors(data: Any) -> list[BundleError]:
    too_deep = _too_deep(data, "")
    if too_deep:
        return too_deep
    return list(dict.fromkeys(_errors(_top_validator().iter_errors(data), "")))


def _errors(errors: Iterable[ValidationError], prefix: str) -> Iterator[BundleError]:
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        path = join_path(prefix, error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            for name in sorted(set(error.instance) - known):
                yield BundleError(path, f"unknown field {name!r}")
            continue
        if error.validator == "required":
            # Name the missing field's own place, where an editor would add it.
            missing = [n for n in error.validator_value if isinstance(error.instance, dict) and n not in error.instance]
            for name in missing:
                yield BundleError(join_path(path, [name]), "is required")
            continue
        yield BundleError(path or "(bundle)", readable_message(error))


def readable_message(error: ValidationError) -> str:
    """jsonschema's messages rewritten for editors: 'must be >= 0' rather than '-1 is less than
    the minimum of 0'."""
    rule, limit, value = error.validator, error.validator_value, error.instance
    if rule == "minimum":
        return f"must be >= {limit}"
    if rule == "maximum":
        return f"must be <= {limit}"
    if rule == "type":
        return f"must be {_TYPE_WORDS.get(limit, limit)}"
    if rule == "enum":
        return f"{value!r} is not one of {limit!r}"
    if rule == "const":
        return f"must be {limit!r}"
    if rule == "minLength":
        return "must not be empty" if limit == 1 else f"must be at least {limit} characters long"
    if rule == "maxLength":
        return f"must be at most {limit} characters long"
    if rule == "minItems":
        return "must not be empty" if limit == 1 else f"must have at least {limit} items"
    if rule == "maxItems":
        return f"must have at most {limit} items"
    if rule == "pattern":
        return _pattern_message(limit, value)
    return error.message


def _pattern_message(pattern: str, value: Any) -> str:
    defs = bundle_schema()["$defs"]
    if pattern == defs["key"]["pattern"]:
        return f"{value!r} is not a key: use 1-100 lowercase letters, digits or hyphens, not starting with a hyphen"
    if pattern == defs["partial_date"]["pattern"]:
        return f"{value!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"
    return f"{value!r} does not match {pattern}"
