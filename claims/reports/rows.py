"""The attribution report: one row per (claim, chain link), produced as a stream.

Claims are read through a server-side cursor and handled in batches: each batch fetches its links,
figures and open flags with one query each, so memory depends on the batch size, never on the size
of the export, and the number of queries grows with batches, not with rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from claims.models import (
    Attribution,
    AttributionLink,
    Claim,
    ClaimStatus,
    Figure,
    Flag,
    FlagCode,
    FlagStatus,
    Metric,
    Tag,
)
from sources.dates import PartialDateError, Precision, format_partial_date, parse_partial_date, period_of
from sources.models import MAX_PARENT_DEPTH, Source

COLUMNS: tuple[str, ...] = (
    "claim_key",
    "claim_text",
    "status",
    "figures",
    "metrics",
    "chain",
    "link_position",
    "source_key",
    "source",
    "source_kind",
    "country",
    "grade",
    "grade_inherited",
    "verb",
    "date",
    "document_title",
    "document_url",
    "origin",
    "origin_grade",
    "independent_origins",
    "open_flags",
)

Row = tuple
# Claims per batch: small enough for SQLite's bound-parameter limit, large enough that the per-batch
# queries cost little beside the rows they return.
BATCH_CLAIMS = 500
CURSOR_CHUNK = 2000


class ReportFilterError(ValueError):
    """Bad filter values, by parameter name, so that every caller can say exactly what was wrong."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ReportFilters:
    """Which claims a report covers. Empty fields do not filter."""

    metric: str = ""
    tag: str = ""
    source: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    statuses: tuple[str, ...] = field(default_factory=tuple)
    flag: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> ReportFilters:
        """Read filters from query parameters or CLI options; raise ReportFilterError naming each
        bad one. Dates may be partial: `from=2025-04` starts on 1 April, `to=2025-04` ends on 30 April."""
        errors: dict[str, str] = {}

        def text(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list | tuple):
                value = ",".join(str(v) for v in value)
            return str(value).strip() if value not in (None, "") else ""

        metric, tag, source, flag = text("metric"), text("tag"), text("source"), text("flag")
        if metric and not Metric.objects.filter(key=metric).exists():
            errors["metric"] = f"no metric has the key {metric!r}"
        if tag and not Tag.objects.filter(name=tag).exists():
            errors["tag"] = f"no tag is named {tag!r}"
        if source and not Source.objects.filter(key=source).exists():
            errors["source"] = f"no source has the key {source!r}"
        if flag and flag not in FlagCode.values:
            errors["flag"] = f"{flag!r} is not a flag code (one of {', '.join(FlagCode.values)})"
        statuses = tuple(s.strip() for s in text("status").split(",") if s.strip())
        bad = [s for s in statuses if s not in ClaimStatus.values]
        if bad:
            errors["status"] = f"{', '.join(bad)} is not a status (one of {', '.join(ClaimStatus.values)})"
        bounds: dict[str, dt.date | None] = {"from": None, "to": None}
        for name in bounds:
            raw = text(name)
            if not raw:
                continue
            try:
                period = period_of(*parse_partial_date(raw))
            except PartialDateError as exc:
                errors[name] = str(exc)
                continue
            bounds[name] = period.first if name == "from" else period.last
        if bounds["from"] and bounds["to"] and bounds["from"] > bounds["to"]:
            errors["to"] = "the end of the date range comes before its start"
        if errors:
            raise ReportFilterError(errors)
        return cls(metric=metric, tag=tag, source=source, date_from=bounds["from"], date_to=bounds["to"],
                   statuses=statuses, flag=flag)

    def as_params(self) -> dict[str, str]:
        """The inverse of from_params, for storing with an export job."""
        params = {"metric": self.metric, "tag": self.tag, "source": self.source, "flag": self.flag,
                  "status": ",".join(self.statuses),
                  "from": self.date_from.isoformat() if self.date_from else "",
                  "to": self.date_to.isoformat() if self.date_to else ""}
        return {name: value for name, value in params.items() if value}

    def claims(self) -> QuerySet[Claim]:
        """The claims the report covers, as one query of EXISTS tests (no joins, so no duplicates)."""
        qs = Claim.objects.all()
        claim = OuterRef("pk")
        if self.statuses:
            qs = qs.filter(status__in=self.statuses)
        if self.metric:
            qs = qs.filter(Exists(Figure.objects.filter(claim=claim, metric__key=self.metric)))
        if self.tag:
            qs = qs.filter(Exists(Claim.tags.through.objects.filter(claim=claim, tag__name=self.tag)))
        if self.source:
            qs = qs.filter(Exists(AttributionLink.objects.filter(attribution__claim=claim, source__key=self.source)))
        if self.flag:
            qs = qs.filter(Exists(Flag.objects.filter(
                Q(claim_a=claim) | Q(claim_b=claim), code=self.flag, status=FlagStatus.OPEN)))
        if self.date_from or self.date_to:
            figure_dates = _period_overlaps("as_of", self.date_from, self.date_to)
            link_dates = _period_overlaps("date", self.date_from, self.date_to)
            qs = qs.filter(Exists(Figure.objects.filter(figure_dates, claim=claim))
                           | Exists(AttributionLink.objects.filter(link_dates, attribution__claim=claim)))
        return qs


def _period_overlaps(column: str, start: dt.date | None, end: dt.date | None) -> Q:
    """A stored partial date (first day + precision) stands for a period; it overlaps [start, end]
    when its first day <= end and its last day >= start. The last day is not stored, so the second
    test is rewritten per precision: a month ends on or after `start` exactly when it begins on or
    after the first of start's month, and a year likewise."""
    q = Q(**{f"{column}__isnull": False})
    if end:
        q &= Q(**{f"{column}__lte": end})
    if start:
        precision = f"{column}_precision"
        q &= (Q(**{precision: Precision.DAY, f"{column}__gte": start})
              | Q(**{precision: Precision.MONTH, f"{column}__gte": start.replace(day=1)})
              | Q(**{precision: Precision.YEAR, f"{column}__gte": start.replace(month=1, day=1)}))
    return q


class SourceGrades:
    """Grades and roots of every source, from one query. The rules are those of
    Source.effective_reliability and Source.root; they are applied here over a preloaded parent map
    because asking each link's source would cost a query per row. Sources are few beside links."""

    def __init__(self, parents: dict[int, int | None], grades: dict[int, str], names: dict[int, str]):
        self._parents, self._grades, self.names = parents, grades, names
        self._cache: dict[int, tuple[str, bool, int]] = {}

    @classmethod
    def load(cls) -> SourceGrades:
        parents, grades, names = {}, {}, {}
        for pk, parent_id, grade, name in Source.objects.values_list("id", "parent_id", "reliability", "name").iterator(
            chunk_size=CURSOR_CHUNK
        ):
            parents[pk], grades[pk], names[pk] = parent_id, grade, name
        return cls(parents, grades, names)

    def resolve(self, source_id: int) -> tuple[str, bool, int]:
        """(grade, inherited, root id): the own grade or the nearest graded ancestor's."""
        hit = self._cache.get(source_id)
        if hit is not None:
            return hit
        grade, inherited, node, seen = "", False, source_id, set()
        root = source_id
        while node is not None and node not in seen and len(seen) < MAX_PARENT_DEPTH:
            seen.add(node)
            root = node
            if not grade and self._grades.get(node):
                grade, inherited = self._grades[node], node != source_id
            node = self._parents.get(node)
        self._cache[source_id] = (grade, inherited, root)
        return grade, inherited, root


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def describe_figure(qualifier: str, value, lower, upper, as_of: dt.date | None, precision: str) -> str:
    """'about 600 (2025-04)': the figure as Figure.describe words it, with its date when it has one."""
    words = Figure(qualifier=qualifier, value=value, lower=lower, upper=upper).describe()
    when = format_partial_date(as_of, precision)
    return f"{words} ({when})" if when else words


def attribution_rows(
    filters: ReportFilters | None = None, *, batch_claims: int = BATCH_CLAIMS, in_sql: bool | None = None
) -> Iterator[Row]:
    """Rows of the attribution report in COLUMNS order, claims by id, chains and links in order.
    A claim with no chain still gets one row (with empty link columns), so no claim drops out.

    On PostgreSQL the rows come from one query (claims.reports.sql), unless `in_sql=False`: the
    batches below cost a Django query build and a Figure instance per figure, and took 3x the time
    of COPY of the same rows. Other databases, and `in_sql=False`, use the batches."""
    if in_sql is None:
        in_sql = connection.vendor == "postgresql"
    if in_sql:
        from claims.reports.sql import sql_rows  # imports this module

        return sql_rows(filters)
    return _python_rows(filters or ReportFilters(), batch_claims)


def _python_rows(filters: ReportFilters, batch_claims: int) -> Iterator[Row]:
    grades = SourceGrades.load()
    claims = filters.claims().order_by("pk").values_list("pk", "key", "text", "status")
    for batch in _batched(claims.iterator(chunk_size=CURSOR_CHUNK), batch_claims):
        yield from _batch_rows(batch, grades)


def _batch_rows(batch: list[tuple], grades: SourceGrades) -> Iterator[Row]:
    ids = [claim[0] for claim in batch]
    chains: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    links = (
        AttributionLink.objects.filter(attribution__claim_id__in=ids)
        .order_by("attribution__claim_id", "attribution__position", "position")
        .values_list("attribution__claim_id", "attribution__position", "position", "source_id", "source__key",
                     "source__name", "source__kind", "source__country", "verb", "date", "date_precision",
                     "document__title", "document__url")
    )
    for link in links:
        chains[link[0]][link[1]].append(link)
    figures: dict[int, list[str]] = defaultdict(list)
    metrics: dict[int, list[str]] = defaultdict(list)
    for claim_id, qualifier, value, lower, upper, as_of, precision, metric in (
        Figure.objects.filter(claim_id__in=ids).order_by("claim_id", "position")
        .values_list("claim_id", "qualifier", "value", "lower", "upper", "as_of", "as_of_precision", "metric__key")
    ):
        figures[claim_id].append(describe_figure(qualifier, value, lower, upper, as_of, precision))
        if metric not in metrics[claim_id]:
            metrics[claim_id].append(metric)
    flags: dict[int, set[str]] = defaultdict(set)
    for claim_a, claim_b, code in Flag.objects.filter(
        Q(claim_a_id__in=ids) | Q(claim_b_id__in=ids), status=FlagStatus.OPEN
    ).values_list("claim_a_id", "claim_b_id", "code"):
        flags[claim_a].add(code)
        if claim_b is not None:
            flags[claim_b].add(code)

    for claim_id, key, text, status in batch:
        claim_part = (key, text, status, "; ".join(figures.get(claim_id, ())), "; ".join(metrics.get(claim_id, ())))
        flag_part = "; ".join(sorted(flags.get(claim_id, ())))
        claim_chains = chains.get(claim_id)
        if not claim_chains:
            yield (*claim_part, *([None] * 14), 0, flag_part)
            continue
        origins = {position: chain[-1][3] for position, chain in claim_chains.items()}
        independent = len({grades.resolve(source_id)[2] for source_id in origins.values()})
        for chain_position, chain in claim_chains.items():
            origin_id = origins[chain_position]
            origin_grade = grades.resolve(origin_id)[0]
            for (_, _, position, source_id, source_key, source_name, kind, country, verb, date, precision,
                 doc_title, doc_url) in chain:
                grade, inherited, _ = grades.resolve(source_id)
                yield (*claim_part, chain_position, position, source_key, source_name, kind, country,
                       grade, inherited if grade else None, verb, format_partial_date(date, precision),
                       doc_title, doc_url, grades.names.get(origin_id, ""), origin_grade, independent, flag_part)


def chains_of(claim: Claim) -> list[list[AttributionLink]]:
    """The claim's chains, outermost link first, with sources and documents loaded in one query."""
    chains: dict[int, list[AttributionLink]] = defaultdict(list)
    links = (AttributionLink.objects.filter(attribution__claim=claim)
             .select_related("source", "document", "attribution")
             .order_by("attribution__position", "position"))
    for link in links:
        chains[link.attribution_id].append(link)
    return list(chains.values())



def claims_with_chains(claims: QuerySet[Claim]) -> Iterator[Claim]:
    """Claims with their chains, links, sources and documents prefetched a chunk at a time, for the
    JSON-LD exports: each chunk costs a fixed number of queries and is dropped once written."""
    links = AttributionLink.objects.select_related("source", "document__publisher").order_by("position")
    chains = Attribution.objects.order_by("position").prefetch_related(Prefetch("links", queryset=links))
    return claims.order_by("pk").prefetch_related(Prefetch("attributions", queryset=chains)).iterator(
        chunk_size=BATCH_CLAIMS
    )
