"""Read helpers for claims, their chains and figures, and the sources they cite.

Selectors only read. Those named `*_ids` return a subquery of ids so that callers can filter with
`id__in=` and the database never has to de-duplicate joined rows.

The parent-line queries use recursive common table expressions, which PostgreSQL and SQLite both
run, so there is one code path for both backends and one query however deep the lines are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils.text import smart_split, unescape_string_literal

from claims.models import Attribution, AttributionLink, Claim, Figure
from sources.models import MAX_PARENT_DEPTH, Source

UNGRADED = ""


class LineStep(NamedTuple):
    """One source on a parent line, as the admin shows it."""

    id: int
    name: str
    reliability: str


def _source_table() -> str:
    return connection.ops.quote_name(Source._meta.db_table)


def source_lines(*, source_ids: Iterable[int]) -> dict[int, list[LineStep]]:
    """Each source's parent line, the source itself first, in one query for a whole page of
    sources (walking `parent` per row would cost one query per ancestor)."""
    ids = sorted({int(pk) for pk in source_ids})
    if not ids:
        return {}
    table = _source_table()
    placeholders = ", ".join(["%s"] * len(ids))
    # The depth cap stops a loop in bad data from recursing for ever, as Source.parent_line() does.
    sql = f"""
        WITH RECURSIVE line(start_id, id, name, reliability, parent_id, depth) AS (
            SELECT s.id, s.id, s.name, s.reliability, s.parent_id, 0 FROM {table} s
            WHERE s.id IN ({placeholders})
            UNION ALL
            SELECT line.start_id, p.id, p.name, p.reliability, p.parent_id, line.depth + 1
            FROM line JOIN {table} p ON p.id = line.parent_id
            WHERE line.depth < %s
        )
        SELECT start_id, id, name, reliability FROM line ORDER BY start_id, depth
    """  # noqa: S608  (the table name comes from model metadata, every value is a parameter)
    lines: dict[int, list[LineStep]] = {pk: [] for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, MAX_PARENT_DEPTH - 1])
        for start_id, pk, name, reliability in cursor.fetchall():
            lines[start_id].append(LineStep(pk, name, reliability))
    return lines


def line_grade(line: list[LineStep]) -> str:
    """The effective grade of a line's first source: its own grade, else the nearest graded
    ancestor's (the same rule as Source.effective_reliability, on rows already fetched)."""
    for step in line:
        if step.reliability:
            return step.reliability
    return UNGRADED


def source_ids_with_effective_grade(*, grade: str) -> RawSQL:
    """A subquery of the ids of every source whose effective grade is `grade` ('' = ungraded).

    Each source climbs its parent line until it meets a grade; where the climb stops is the
    source's effective grade, so a filter on inherited grades needs no grade stored twice."""
    table = _source_table()
    stop = "grade = %s" if grade else "grade = '' AND next_id IS NULL"
    sql = f"""
        WITH RECURSIVE climb(id, grade, next_id, depth) AS (
            SELECT id, reliability, parent_id, 0 FROM {table}
            UNION ALL
            SELECT climb.id, p.reliability, p.parent_id, climb.depth + 1
            FROM climb JOIN {table} p ON p.id = climb.next_id
            WHERE climb.grade = '' AND climb.depth < %s
        )
        SELECT id FROM climb WHERE {stop}
    """  # noqa: S608  (fixed SQL; the grade is a parameter)
    params = [MAX_PARENT_DEPTH - 1, grade] if grade else [MAX_PARENT_DEPTH - 1]
    return RawSQL(sql, params)  # noqa: S611  (values are parameters)


def source_ids_below(*, source_id: int) -> RawSQL:
    """A subquery of the ids of a source and every source under it (its children, their
    children...): a change to a grade or a parent reaches all of them through inheritance."""
    table = _source_table()
    sql = f"""
        WITH RECURSIVE below(id, depth) AS (
            SELECT id, 0 FROM {table} WHERE id = %s
            UNION ALL
            SELECT s.id, below.depth + 1 FROM {table} s JOIN below ON s.parent_id = below.id
            WHERE below.depth < %s
        )
        SELECT id FROM below
    """  # noqa: S608  (fixed SQL; the id is a parameter)
    return RawSQL(sql, [source_id, MAX_PARENT_DEPTH - 1])  # noqa: S611  (values are parameters)


# Up to this many source ids are fetched first and written into the claims query as a list.
SOURCE_LIST_LIMIT = 5000


def _source_ids(sources: QuerySet[Source]) -> list[int] | QuerySet:
    """Two steps instead of one subquery: PostgreSQL cannot estimate how many sources a recursive
    or pattern subquery yields, guesses one, and then walks every matching link instead of
    the newest claims. A literal list of ids gives it the real figure. Sources are few next to
    claims; past the limit the subquery stays, to keep the statement small."""
    sources = sources.order_by()
    ids = list(sources.values_list("id", flat=True)[: SOURCE_LIST_LIMIT + 1])
    return ids if len(ids) <= SOURCE_LIST_LIMIT else sources.values("id")


def origin_links() -> QuerySet[AttributionLink]:
    """The last link of every chain: the origin of what the chain reports."""
    later = AttributionLink.objects.filter(attribution_id=OuterRef("attribution_id"), position__gt=OuterRef("position"))
    return AttributionLink.objects.filter(~Exists(later))


def claim_ids_with_origin_grade(*, grade: str) -> QuerySet:
    """Claims with at least one origin whose effective grade is `grade` ('' = ungraded)."""
    sources = _source_ids(Source.objects.filter(id__in=source_ids_with_effective_grade(grade=grade)))
    return origin_links().filter(source_id__in=sources).values_list("attribution__claim_id", flat=True)


def claim_ids_citing_source(*, source_id: int) -> QuerySet:
    """Claims that name this source in any link of any chain."""
    return AttributionLink.objects.filter(source_id=source_id).values_list("attribution__claim_id", flat=True)


def claim_ids_citing_sources_below(*, source_id: int) -> QuerySet:
    """Claims whose chains name this source or any source under it."""
    below = source_ids_below(source_id=source_id)
    return AttributionLink.objects.filter(source_id__in=below).values_list("attribution__claim_id", flat=True)


def claim_ids_citing_document(*, document_id: int) -> QuerySet:
    return AttributionLink.objects.filter(document_id=document_id).values_list("attribution__claim_id", flat=True)


def claim_ids_with_metric(*, metric_id: int) -> QuerySet:
    return Figure.objects.filter(metric_id=metric_id).values_list("claim_id", flat=True)


def claim_metric_ids(*, claim_ids: Iterable[int]) -> set[int]:
    """The metrics the figures of these claims are on: what a change to the claims can affect."""
    figures = Figure.objects.filter(claim_id__in=list(claim_ids)).order_by()
    return set(figures.values_list("metric_id", flat=True).distinct())


def claims_matching(*, queryset: QuerySet[Claim], term: str) -> QuerySet[Claim]:
    """Claims matching every word of `term` in their text or key, or in the name, alias or key
    of a source in one of their chains. Quoted phrases stay one word, as in the admin's own
    search. The chain part is an `id__in` subquery: joining links would repeat each claim once
    per matching link and force a DISTINCT over the whole result."""
    for bit in smart_split(term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if not bit:
            continue
        matches = Q(text__icontains=bit) | Q(key__icontains=bit)
        sources = _source_ids(
            Source.objects.filter(Q(name__icontains=bit) | Q(aliases__icontains=bit) | Q(key__icontains=bit))
        )
        if isinstance(sources, QuerySet) or sources:
            links = AttributionLink.objects.filter(source_id__in=sources)
            matches |= Q(id__in=links.values_list("attribution__claim_id", flat=True))
        queryset = queryset.filter(matches)
    return queryset


def prefetch_chains_and_figures(claims: list[Claim]) -> None:
    """Load what a list of claims shows (figures with their metric, chains with their links'
    sources, tags) in a fixed number of queries, however many claims the page holds."""
    links = AttributionLink.objects.select_related("source").order_by("position")
    prefetch_related_objects(
        claims,
        Prefetch("figures", queryset=Figure.objects.select_related("metric").order_by("position")),
        Prefetch("attributions", queryset=Attribution.objects.order_by("position").prefetch_related(
            Prefetch("links", queryset=links)
        )),
        "tags",
    )


def chain_origin(attribution: Attribution) -> AttributionLink | None:
    """The last link of a chain, from its prefetched links."""
    links = list(attribution.links.all())
    return links[-1] if links else None


def metric_figures(*, metric_id: int, limit: int) -> list[Figure]:
    """The first `limit` figures on a metric in date order (undated last), with their claims."""
    return list(
        Figure.objects.filter(metric_id=metric_id)
        .select_related("claim")
        .order_by(F("as_of").asc(nulls_last=True), "claim_id", "position")[:limit]
    )
