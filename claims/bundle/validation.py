"""Everything that makes a bundle or a record wrong, collected in one pass with exact paths.

The schema says what a record looks like; the semantic checks here say what the schema cannot:
references that point nowhere, keys used twice, dates that do not exist (2025-02-30), ranges
upside down, parent lines that loop (also through sources already stored), numbers that do not
fit the decimal columns. Bundles and the single-record services share this code, so the API and
an import refuse the same input with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from typing import Any

import fastjsonschema
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from claims.bundle.errors import BundleError
from claims.bundle.schema import (
    SECTION_KIND,
    SECTIONS,
    bundle_schema,
    join_path,
    record_schema_errors,
    top_schema_errors,
)
from claims.bundle.values import to_decimal, to_partial_date
from claims.models import Metric
from sources.models import MAX_PARENT_DEPTH, Document, Source, text_sha256

REF_MODELS = {"source": Source, "document": Document, "metric": Metric}
URL_MAX = 1000
WIKIDATA_MAX = 20
_url_validator = URLValidator()


class _FastSchemas:
    """fastjsonschema compiles the contract to Python and runs ~10x faster than jsonschema; it
    only answers 'valid or not'. A record it rejects is re-checked by jsonschema, which stays the
    authority and gives the readable messages."""

    def __init__(self) -> None:
        defs = bundle_schema()["$defs"]
        # References are inlined: fastjsonschema turns each $ref into a call that formats the
        # place's name up front, which cost more than the checks themselves. use_default=False:
        # checking must not fill defaults into the records it is shown.
        self._compiled = {
            kind: fastjsonschema.compile(_inline_refs(defs[kind], defs), use_default=False)
            for kind in SECTION_KIND.values()
        }

    def is_valid(self, kind: str, record: Any) -> bool:
        try:
            self._compiled[kind](record)
        except fastjsonschema.JsonSchemaException:
            return False
        return True


def _inline_refs(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """The schema with every local `$ref` replaced by its target (the contract has no recursion;
    the depth guard says so loudly if that ever changes)."""
    if depth > 30:
        raise ValueError("the bundle schema refers to itself: its $refs cannot be inlined")
    if isinstance(node, list):
        return [_inline_refs(item, defs, depth) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {name: _inline_refs(value, defs, depth) for name, value in node.items() if name != "$ref"}
    if "$ref" not in node:
        return inlined
    target = _inline_refs(defs[node["$ref"].removeprefix("#/$defs/")], defs, depth + 1)
    if set(inlined) & set(target) - {"description", "title"}:
        # A keyword beside the $ref that the target also has: both must hold.
        return {"allOf": [target, inlined]}
    return {**target, **inlined}


@cache
def _fast_schemas() -> _FastSchemas:
    return _FastSchemas()


def schema_errors(kind: str, record: Any, prefix: str) -> list[BundleError]:
    if _fast_schemas().is_valid(kind, record):
        return []
    return record_schema_errors(kind, record, prefix)


@cache
def _date_form() -> re.Pattern[str]:
    return re.compile(bundle_schema()["$defs"]["partial_date"]["pattern"])


class KnownKeys:
    """Which keys exist, in the bundle being read or in the database. Database answers are cached
    so that a claim-only bundle citing the same stored sources asks once per key."""

    def __init__(self) -> None:
        self.in_bundle: dict[str, dict[str, int]] = {kind: {} for kind in (*REF_MODELS, "claim")}
        self._in_db: dict[str, dict[str, bool]] = {kind: {} for kind in REF_MODELS}

    def exists(self, kind: str, key: str) -> bool:
        if key in self.in_bundle[kind]:
            return True
        cache = self._in_db[kind]
        if key not in cache:
            cache[key] = REF_MODELS[kind].objects.filter(key=key).exists()
        return cache[key]


class BundleChecker:
    """Feed it records section by section (sources, documents, metrics, claims: the order in
    which references point), then call finish() for the checks that need every source."""

    def __init__(self, known: KnownKeys | None = None) -> None:
        self.known = known or KnownKeys()
        self.errors: list[BundleError] = []
        # key -> parent key (None when the bundle gives none): enough to find loops at the end.
        self._parents: dict[str, str | None] = {}
        self._parent_errors: list[BundleError] | None = None

    # -- whole bundle ---------------------------------------------------------------------------
    def check_top(self, top: Any) -> bool:
        """The outer shape; False when records cannot be read at all."""
        errors = top_schema_errors(top)
        self.errors.extend(errors)
        return isinstance(top, dict)

    def check_record(self, section: str, index: int, record: Any) -> None:
        kind = SECTION_KIND[section]
        prefix = f"{section}[{index}]"
        self.errors.extend(schema_errors(kind, record, prefix))
        if not isinstance(record, dict):
            return
        key = record.get("key")
        if isinstance(key, str):
            seen = self.known.in_bundle[kind]
            if key in seen:
                self.errors.append(
                    BundleError(f"{prefix}.key", f"duplicate key {key!r} (first at {section}[{seen[key]}])")
                )
            else:
                seen[key] = index
        # A parent may be listed after its child: its reference is checked in finish().
        self.errors.extend(record_semantic_errors(kind, record, prefix, self.known, parent_ref=False))
        if kind == "source" and isinstance(key, str):
            parent = record.get("parent")
            self._parents.setdefault(key, parent if isinstance(parent, str) else None)

    def check_parents(self) -> None:
        """The checks that need every source: parents that exist, lines that end. Call once the
        sources have been fed; finish() calls it if nobody did. Its errors are listed last."""
        if self._parent_errors is not None:
            return
        errors: list[BundleError] = []
        index = self.known.in_bundle["source"]
        for key, parent in self._parents.items():
            if parent is not None and not self.known.exists("source", parent):
                errors.append(BundleError(f"sources[{index[key]}].parent", f"unknown source {parent!r}"))
        errors.extend(parent_loop_errors(self._parents, self.known))
        self._parent_errors = errors

    @property
    def clean(self) -> bool:
        """Nothing wrong so far."""
        return not self.errors and not self._parent_errors

    def finish(self) -> list[BundleError]:
        self.check_parents()
        return [*self.errors, *(self._parent_errors or [])]


def bundle_validate(data: Any) -> list[BundleError]:
    """Every error of a bundle already in memory; an empty list means it can be imported."""
    checker = BundleChecker()
    if checker.check_top(data):
        for section in SECTIONS:
            records = data.get(section)
            if isinstance(records, list):
                for index, record in enumerate(records):
                    checker.check_record(section, index, record)
    return checker.finish()


def record_validate(kind: str, record: Any, *, own_key: str | None = None) -> list[BundleError]:
    """Errors of one record on its own, paths relative to it (`figures[0].value`), references
    resolved against the database. For the single-record services."""
    known = KnownKeys()
    errors = schema_errors(kind, record, "")
    if not isinstance(record, dict):
        return errors
    errors.extend(record_semantic_errors(kind, record, "", known))
    if kind == "source" and isinstance(record.get("key"), str):
        parent = record.get("parent")
        errors.extend(parent_loop_errors({record["key"]: parent if isinstance(parent, str) else None}, known, ""))
    return errors


# -- checks of one record -----------------------------------------------------------------------
class _RecordChecks:
    """The semantic checks of one record. A place is kept as its parts and joined into a path only
    when something is wrong there: most records are right, and building every path up front was
    a large share of a big import's validation time."""

    def __init__(self, prefix: str, known: KnownKeys) -> None:
        self.prefix = prefix
        self.known = known
        self.errors: list[BundleError] = []

    def fail(self, parts: tuple[str | int, ...], message: str) -> None:
        self.errors.append(BundleError(join_path(self.prefix, parts), message))

    def ref(self, parts: tuple[str | int, ...], ref_kind: str, value: Any) -> None:
        if isinstance(value, str) and not self.known.exists(ref_kind, value):
            self.fail(parts, f"unknown {ref_kind} {value!r}")

    def date(self, parts: tuple[str | int, ...], value: Any) -> None:
        # The schema already names text of the wrong form; this catches 2025-02-30.
        if isinstance(value, str) and _date_form().match(value):
            _, problem = to_partial_date(value)
            if problem:
                self.fail(parts, problem)

    def url(self, parts: tuple[str | int, ...], value: Any) -> None:
        if not isinstance(value, str):
            return
        if len(value) > URL_MAX:
            self.fail(parts, f"must be at most {URL_MAX} characters long")
            return
        try:
            _url_validator(value)
        except ValidationError:
            self.fail(parts, f"{value!r} is not an http(s) or ftp URL")

    def number(self, parts: tuple[str | int, ...], value: Any, **limits: int) -> None:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            _, problem = to_decimal(value, **limits)
            if problem:
                self.fail(parts, problem)


def record_semantic_errors(
    kind: str, record: dict, prefix: str, known: KnownKeys, *, parent_ref: bool = True
) -> list[BundleError]:
    check = _RecordChecks(prefix, known)
    check.url(("url",), record.get("url"))
    if kind == "source":
        if parent_ref:
            check.ref(("parent",), "source", record.get("parent"))
        wikidata = record.get("wikidata")
        if isinstance(wikidata, str) and len(wikidata) > WIKIDATA_MAX:
            check.fail(("wikidata",), f"must be at most {WIKIDATA_MAX} characters long")
        aliases = record.get("aliases")
        for i, alias in enumerate(aliases if isinstance(aliases, list) else []):
            # Aliases are stored one per line: a line break inside one would split it in two.
            if isinstance(alias, str) and ("\n" in alias or "\r" in alias):
                check.fail(("aliases", i), "must not contain a line break")
    elif kind == "document":
        check.ref(("publisher",), "source", record.get("publisher"))
        check.date(("published",), record.get("published"))
        sha = record.get("sha256")
        text = record.get("text")
        if isinstance(sha, str) and sha != text_sha256(text if isinstance(text, str) else ""):
            check.fail(("sha256",), "does not match the SHA-256 of the document's text")
    elif kind == "metric":
        check.number(("tolerance",), record.get("tolerance"), places=6, integer_digits=1)
    elif kind == "claim":
        _figure_errors(check, record.get("figures"))
        attributions = record.get("attributions")
        for a, attribution in enumerate(attributions if isinstance(attributions, list) else []):
            chain = attribution.get("chain") if isinstance(attribution, dict) else None
            for n, link in enumerate(chain if isinstance(chain, list) else []):
                if isinstance(link, dict):
                    check.ref(("attributions", a, "chain", n, "source"), "source", link.get("source"))
                    check.ref(("attributions", a, "chain", n, "document"), "document", link.get("document"))
                    check.date(("attributions", a, "chain", n, "date"), link.get("date"))
    return check.errors


def _figure_errors(check: _RecordChecks, figures: Any) -> None:
    for f, figure in enumerate(figures if isinstance(figures, list) else []):
        if not isinstance(figure, dict):
            continue
        check.ref(("figures", f, "metric"), "metric", figure.get("metric"))
        check.date(("figures", f, "as_of"), figure.get("as_of"))
        for name in ("value", "lower", "upper"):
            check.number(("figures", f, name), figure.get(name))
        is_range = figure.get("qualifier") == "range"
        # One figure is either a value or a pair of bounds; the table allows no mixture.
        for name in ("value",) if is_range else ("lower", "upper"):
            if name in figure:
                kind = "a range" if is_range else "only a range"
                check.fail(
                    ("figures", f, name), f"{kind} takes {'lower and upper, not value' if is_range else 'bounds'}"
                )
        if is_range and "lower" in figure and "upper" in figure:
            lower, _ = to_decimal(figure["lower"])
            upper, _ = to_decimal(figure["upper"])
            if lower is not None and upper is not None and lower > upper:
                check.fail(("figures", f, "lower"), f"must be <= upper ({lower} > {upper})")


# -- parent lines -------------------------------------------------------------------------------
def parent_loop_errors(
    parents: dict[str, str | None], known: KnownKeys, section: str = "sources"
) -> list[BundleError]:
    """Loops and over-deep lines in the parent relation that the bundle would leave behind: the
    bundle's own parents override the stored ones, so a loop can close through the database."""
    stored: dict[str, str | None] = {}

    def parent_of(key: str) -> str | None:
        if key in parents:
            return parents[key]
        if key not in stored:
            row = Source.objects.filter(key=key).values_list("parent__key", flat=True).first()
            stored[key] = row
        return stored[key]

    def path_of(key: str) -> str:
        index = known.in_bundle["source"].get(key)
        if section == "":
            return "parent"
        return f"{section}[{index}].parent"

    errors: list[BundleError] = []
    settled: set[str] = set()
    for start in parents:
        line: list[str] = []
        where: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in settled:
            if node in where:
                loop = line[where[node]:]
                text = " -> ".join([*loop, node])
                errors.extend(BundleError(path_of(k), f"parent line loops: {text}") for k in loop if k in parents)
                break
            if len(line) > MAX_PARENT_DEPTH:
                errors.append(BundleError(path_of(start), f"parent line is deeper than {MAX_PARENT_DEPTH}"))
                break
            where[node] = len(line)
            line.append(node)
            node = parent_of(node)
        settled.update(line)
    return _stable_unique(errors)


def _stable_unique(errors: Iterable[BundleError]) -> list[BundleError]:
    seen: set[BundleError] = set()
    out = []
    for error in errors:
        if error not in seen:
            seen.add(error)
            out.append(error)
    return out
