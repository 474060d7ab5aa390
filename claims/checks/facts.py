"""Selectors: read, in a few set-based queries, the facts the rules need.

Everything comes back as compact tuples (values_list), never as model instances, so that a sweep
over a million figures stays within memory and time.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from claims.checks.idsets import chunked, id_array, ids_filters
from claims.checks.intervals import INFINITE_KEY, SCALE, Interval, figure_interval
from claims.checks.periods import SPAN_REACH_DAYS, ChainLink, DatedAt, chain_date, figure_period, span_class
from claims.checks.rules import FigureFacts
from claims.models import Attribution, AttributionLink, FigureCheck
from sources.dates import Period
from sources.models import MAX_PARENT_DEPTH, Document, Source

CHUNK = 5000
RAW_FIELDS = ("id", "claim_id", "qualifier", "value", "lower", "upper", "as_of", "as_of_precision", "text")
CHECK_FIELDS = (
    "check_first", "check_last", "check_span", "check_lo", "check_lo_open", "check_hi", "check_hi_open",
)
# What refreshed_figures reads of a figure's FigureCheck row (all None where there is none).
_STORED_FIELDS = (*CHECK_FIELDS, "check_matched", "check_roots", "metric_id")


class CheckColumns(NamedTuple):
    """The denormalised columns of a figure, in the order of CHECK_FIELDS."""

    first: object
    last: object
    span: int | None
    lo: Decimal
    lo_open: bool
    hi: Decimal | None
    hi_open: bool


class SourceTree:
    """Roots and effective grades of sources, loaded level by level up the parent lines and kept
    for the duration of one check run."""

    def __init__(self) -> None:
        self._parent: dict[int, int | None] = {}
        self._grade: dict[int, str] = {}
        self._root: dict[int, int] = {}
        self._effective: dict[int, str] = {}
        self._name: dict[int, str] = {}

    def load_all(self) -> SourceTree:
        for sid, parent, grade, name in Source.objects.values_list(
            "id", "parent_id", "reliability", "name"
        ).iterator(CHUNK):
            self._parent[sid], self._grade[sid], self._name[sid] = parent, grade, name
        return self

    def _ensure(self, ids: Iterable[int]) -> None:
        missing = {sid for sid in ids if sid not in self._parent}
        while missing:
            found = set()
            for chunk in chunked(missing):
                for sid, parent, grade, name in Source.objects.filter(id__in=chunk).values_list(
                    "id", "parent_id", "reliability", "name"
                ):
                    self._parent[sid], self._grade[sid], self._name[sid] = parent, grade, name
                    if parent is not None and parent not in self._parent:
                        found.add(parent)
            missing = found - set(self._parent)

    def _line(self, sid: int) -> list[int]:
        line, seen = [sid], {sid}
        node = self._parent.get(sid)
        while node is not None and node not in seen and len(line) < MAX_PARENT_DEPTH:
            line.append(node)
            seen.add(node)
            node = self._parent.get(node)
        return line

    def root(self, sid: int) -> int:
        """As Source.root(): the top of the parent line."""
        if sid not in self._root:
            self._ensure([sid])
            self._root[sid] = self._line(sid)[-1]
        return self._root[sid]

    def grade(self, sid: int) -> str:
        """As Source.effective_reliability(): own grade, else the nearest graded ancestor's."""
        if sid not in self._effective:
            self._ensure([sid])
            self._effective[sid] = next((self._grade[n] for n in self._line(sid) if self._grade.get(n)), "")
        return self._effective[sid]

    def name(self, sid: int) -> str:
        """The source's name, as the explanations print it."""
        self._ensure([sid])
        return self._name[sid]

    def preload(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        self._ensure(ids)
        # Parents found on the way up are loaded too, so that later lookups run without queries.
        self._ensure(p for p in list(self._parent.values()) if p is not None)


def _origin_links() -> QuerySet:
    later = AttributionLink.objects.filter(attribution_id=OuterRef("attribution_id"), position__gt=OuterRef("position"))
    return AttributionLink.objects.filter(~Exists(later))


def origin_roots(claim_ids: list[int], tree: SourceTree) -> dict[int, frozenset[int]]:
    """The roots of each claim's origins (last links of its chains). Claims without chains are
    absent: their root set is empty. A sweep group derives the same from claim_chains."""
    pairs: list[tuple[int, int]] = []
    for where in ids_filters("attribution__claim_id", claim_ids):
        pairs += _origin_links().filter(where).values_list("attribution__claim_id", "source_id")
    tree.preload({sid for _, sid in pairs})
    roots: dict[int, set[int]] = defaultdict(set)
    for claim_id, sid in pairs:
        roots[claim_id].add(tree.root(sid))
    return {claim_id: frozenset(found) for claim_id, found in roots.items()}


def roots_text(roots: frozenset[int]) -> str:
    """How FigureCheck.check_roots stores a claim's origin roots: sorted ids, "" for no chain."""
    return ",".join(str(root) for root in sorted(roots))


def roots_of_text(text: str | None) -> frozenset[int] | None:
    """Back from FigureCheck.check_roots; None when the checks never stored it."""
    if text is None:
        return None
    return frozenset(int(part) for part in text.split(",") if part)


class ChainSummary(NamedTuple):
    chains: int
    has_document: bool
    origins: tuple[int, ...]


def claim_filters(claim_ids: list[int], id_range: tuple[int, int] | None, lookup: str) -> Iterator[Q]:
    """Filters on `lookup` (a claim id field) that select these claims: one id range when the caller
    covers a whole range of claims (a sweep batch: one indexed range scan, no parameter list), else
    idsets.ids_filters."""
    if id_range is not None:
        yield Q(**{f"{lookup}__gte": id_range[0], f"{lookup}__lte": id_range[1]})
        return
    yield from ids_filters(lookup, claim_ids)


def chain_summaries(claim_ids: list[int], id_range: tuple[int, int] | None = None) -> dict[int, ChainSummary]:
    """Per claim: how many non-empty chains, whether any link names a document, the origin sources.
    With id_range (covering every id in claim_ids), other claims of the range may come back too."""
    summaries = {}
    for claim_id, found in claim_chains(claim_ids, id_range).items():
        chains = [chain for chain in found if chain]
        if chains:
            summaries[claim_id] = ChainSummary(
                chains=len(chains),
                has_document=any(row[_DOCUMENT] is not None for chain in chains for row in chain),
                origins=tuple(chain[-1][_SOURCE] for chain in chains),
            )
    return summaries


def first_chain_dates(claim_ids: Iterable[int]) -> dict[int, DatedAt | None]:
    """The fallback date of each claim's undated figures (claims.checks.periods.chain_date)."""
    earlier = Attribution.objects.filter(
        claim_id=OuterRef("attribution__claim_id"), position__lt=OuterRef("attribution__position")
    )
    links: dict[int, list[ChainLink]] = defaultdict(list)
    for where in ids_filters("attribution__claim_id", list(claim_ids)):
        rows = AttributionLink.objects.filter(where).filter(~Exists(earlier)).values_list(
            "attribution__claim_id", "position", "date", "date_precision", "document_id",
            "document__published", "document__published_precision",
        )
        for claim_id, position, date, precision, document_id, published, published_precision in rows:
            links[claim_id].append(
                ChainLink(position, date, precision, document_id is not None, published, published_precision or "")
            )
    return {claim_id: chain_date(found) for claim_id, found in links.items()}


# One link of a claim's chain as claim_chains reads it: (claim id, chain position, chain id, link
# position, source id, date, date precision, document id).
LinkRow = tuple
_DATE, _SOURCE, _DOCUMENT = 5, 4, 7

_CHAINS_SQL = """
SELECT a.claim_id, a.position, a.id, l.position, l.source_id, l.date, l.date_precision, l.document_id
FROM {attribution} a
LEFT JOIN LATERAL (SELECT * FROM {link} x WHERE x.attribution_id = a.id OFFSET 0) l ON true
WHERE {where}
"""


def claim_chains(claim_ids: list[int], id_range: tuple[int, int] | None = None) -> dict[int, list[list[LinkRow]]]:
    """Every chain of these claims as its link rows (innermost, the origin, last), chains in order,
    read once: a sweep group derives from them the origin roots, the fallback dates and the
    explanations' source names, which were three reads. On PostgreSQL the joins are LATERAL
    subqueries that cannot be flattened, so they are index probes per chain: as plain joins the
    planner read the whole link table for every group. A chain without links is an empty list.
    With id_range (covering every id in claim_ids), the claims of the whole range are read."""
    rows: list[tuple] = []
    if connection.vendor == "postgresql":
        where, params = ("a.claim_id = ANY(%s::bigint[])", [id_array(claim_ids)]) if id_range is None else (
            "a.claim_id BETWEEN %s AND %s", list(id_range))
        sql = _CHAINS_SQL.format(attribution=Attribution._meta.db_table, link=AttributionLink._meta.db_table,
                                 where=where)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    else:
        for where in claim_filters(claim_ids, id_range, "claim_id"):
            rows += Attribution.objects.filter(where).order_by().values_list(
                "claim_id", "position", "id", "links__position", "links__source_id", "links__date",
                "links__date_precision", "links__document_id",
            )
    # Plain tuple order is (claim, chain position, chain, link position): a chain without links has
    # one row, so its None position is never compared.
    rows.sort()
    chains: dict[int, list[list[LinkRow]]] = defaultdict(list)
    current, links = None, []
    for row in rows:
        if row[2] != current:
            current, links = row[2], []
            chains[row[0]].append(links)
        if row[3] is not None:
            links.append(row)
    return chains


def chain_sources(chain: list[LinkRow]) -> list[int]:
    return [row[_SOURCE] for row in chain]


def roots_of_chains(chains: dict[int, list[list[LinkRow]]], tree: SourceTree) -> dict[int, frozenset[int]]:
    """origin_roots from chains already read: the roots of each chain's last source."""
    tree.preload({chain[-1][_SOURCE] for found in chains.values() for chain in found if chain})
    roots = {
        claim_id: frozenset(tree.root(chain[-1][_SOURCE]) for chain in found if chain)
        for claim_id, found in chains.items()
    }
    return {claim_id: found for claim_id, found in roots.items() if found}


def dates_of_chains(chains: dict[int, list[list[LinkRow]]], claim_ids: Iterable[int]) -> dict[int, DatedAt | None]:
    """first_chain_dates, for these claims, from chains already read. A document's publication date
    counts only in a first chain with no dated link: those few documents are read here, rather than
    every link's document with the chains."""
    firsts = {claim_id: found[0] for claim_id in claim_ids if (found := chains.get(claim_id))}
    wanted = sorted({
        row[_DOCUMENT] for chain in firsts.values() if all(row[_DATE] is None for row in chain)
        for row in chain if row[_DOCUMENT] is not None
    })
    published: dict[int, tuple] = {}
    for chunk in chunked(wanted):
        published.update(
            (did, (day, precision)) for did, day, precision in
            Document.objects.filter(id__in=chunk).values_list("id", "published", "published_precision")
        )
    return {
        claim_id: chain_date(
            ChainLink(row[3], row[5], row[6], row[7] is not None, *_published(published.get(row[7])))
            for row in chain
        )
        for claim_id, chain in firsts.items()
    }


def _published(found: tuple | None) -> tuple:
    if found is None:
        return None, ""
    return found[0], found[1] or ""


def columns_of(interval: Interval, period: Period | None) -> CheckColumns:
    hi = None if interval.hi_key >= INFINITE_KEY else interval.hi
    return CheckColumns(
        period.first if period else None, period.last if period else None,
        span_class(period) if period else None,
        interval.lo, interval.lo_open, hi, interval.hi_open if hi is not None else False,
    )


def interval_of_columns(lo: Decimal, lo_open: bool, hi: Decimal | None, hi_open: bool) -> Interval:
    """Back from the stored columns to the exact keys (the columns hold 12 decimal places)."""
    lo_key = 2 * int(Decimal(lo) * SCALE) + (1 if lo_open else 0)
    hi_key = INFINITE_KEY if hi is None else 2 * int(Decimal(hi) * SCALE) - (1 if hi_open else 0)
    return Interval(lo_key, hi_key)


def facts_of_columns(fid: int, claim_id: int, columns: CheckColumns) -> FigureFacts | None:
    """A figure's facts as its check columns hold them (what the checks last compared); None when
    they hold no period (never filled, or undated)."""
    if columns.first is None or columns.lo is None:
        return None
    return FigureFacts(fid, claim_id, interval_of_columns(columns.lo, columns.lo_open, columns.hi, columns.hi_open),
                       Period(columns.first, columns.last))


class RefreshedFigure(NamedTuple):
    facts: FigureFacts
    columns: CheckColumns
    stored: CheckColumns
    stored_matched: bool | None
    stored_roots: str | None
    metric_id: int
    stored_metric_id: int | None  # the metric its FigureCheck row names; None without a row


_WITH_CHECKS_SQL = """
SELECT q.*, {stored} FROM ({figures}) q
LEFT JOIN LATERAL (SELECT * FROM {checks} c WHERE c.figure_id = q.id OFFSET 0) c ON true
"""


# Positions in a figure_rows row: the metric id, RAW_FIELDS, then the stored check row.
ROW_AT = {name: n for n, name in enumerate(("metric_id", *RAW_FIELDS))}
_STORED_AT = len(ROW_AT)


def figure_rows(queryset: QuerySet, *, checked: bool = True) -> list[tuple]:
    """(metric_id, *RAW_FIELDS, *_STORED_FIELDS) of each figure of the queryset. On PostgreSQL the
    check row comes through a LATERAL subquery that cannot be flattened, so it is one index probe
    per figure: as a plain join the planner hashed the whole check table for every sweep group
    (0.65 s of 50,000 figures' 0.8 s at 1,000,000 claims). checked=False, from a caller that knows
    none of these figures has a check row (a first sweep), skips the probes: the stored values are
    all None. (Were one there after all, the write of a "new" row finds it and updates it.)"""
    if connection.vendor != "postgresql":
        return list(queryset.order_by().values_list(
            "metric_id", *RAW_FIELDS, *(f"checked__{name}" for name in _STORED_FIELDS)))
    figures, params = queryset.order_by().values_list("metric_id", *RAW_FIELDS).query.sql_with_params()
    if checked:
        sql = _WITH_CHECKS_SQL.format(stored=", ".join(f"c.{name}" for name in _STORED_FIELDS), figures=figures,
                                      checks=FigureCheck._meta.db_table)
    else:
        sql = f"SELECT q.*, {', '.join(['NULL'] * len(_STORED_FIELDS))} FROM ({figures}) q"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def refreshed_figures(
    figures: QuerySet | list[tuple], tolerance_of: dict[int, Decimal],
    fallback: dict[int, DatedAt | None] | None = None,
) -> list[RefreshedFigure]:
    """Every figure of the queryset (or of the figure_rows already read) with its facts computed from
    its own fields and its claim's first chain, beside the check columns as stored (to write back
    only what changed). `fallback`: the claims' first-chain dates when the caller has them
    (dates_of_chains), else they are read."""
    rows = figures if isinstance(figures, list) else figure_rows(figures)
    undated_claims = {row[ROW_AT["claim_id"]] for row in rows if row[ROW_AT["as_of"]] is None}
    if fallback is None:
        fallback = first_chain_dates(sorted(undated_claims)) if undated_claims else {}
    # A metric's figures repeat the same few values and dates many times over, and the exact decimal
    # arithmetic behind an interval or a column value is the bulk of this loop's cost: compute each
    # distinct input once per call.
    intervals: dict[tuple, tuple[Interval, tuple]] = {}
    periods: dict[tuple, tuple[Period | None, tuple]] = {}
    out = []
    for row in rows:
        metric_id, fid, claim_id, qualifier, value, lower, upper, as_of, precision = row[:9]
        stored = row[_STORED_AT:]
        raw = (qualifier, value, lower, upper, tolerance_of[metric_id])
        known = intervals.get(raw)
        if known is None:
            interval = figure_interval(*raw)
            known = intervals[raw] = (interval, columns_of(interval, None)[3:])
        interval, value_columns = known
        when = (as_of, precision, fallback.get(claim_id)) if as_of is None else (as_of, precision, None)
        dated = periods.get(when)
        if dated is None:
            period = figure_period(*when)
            dated = periods[when] = (period, columns_of(interval, period)[:3])
        period, period_columns = dated
        out.append(RefreshedFigure(
            FigureFacts(fid, claim_id, interval, period), CheckColumns(*period_columns, *value_columns),
            CheckColumns(*stored[:7]), stored[7], stored[8], metric_id, stored[9],
        ))
    return out


class StoredFigure(NamedTuple):
    facts: FigureFacts
    matched: bool | None
    roots: frozenset[int] | None  # its claim's origin roots as last stored


def window_filter(
    windows: list[tuple[object, object]], window_days: int, *, spans: Iterable[int] = SPAN_REACH_DAYS
) -> Q:
    """Figures whose stored period lies within window_days of one of the windows (first, last),
    through the (metric, check_span, check_first) index: one range per length class (of `spans`,
    all by default), bounded by how far back a period of that class can start. Matches nothing when
    there are no windows."""
    merged: list[list] = []
    for first, last in sorted(windows):
        if merged and first <= merged[-1][1] + dt.timedelta(days=window_days):
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    where = Q(pk__in=[])
    for first, last in merged:
        for span in spans:
            reach = SPAN_REACH_DAYS[span]
            # The check_first range uses the index; check_last makes the gap test exact (a gap of at
            # most window_days means starting no later than last + w and ending no earlier than
            # first - w), so the rows need no second look here.
            where |= Q(
                check_span=span,
                check_first__gte=first - dt.timedelta(days=window_days + reach),
                check_first__lte=last + dt.timedelta(days=window_days),
                check_last__gte=first - dt.timedelta(days=window_days),
            )
    return where


def stored_window(
    metric_id: int, windows: list[tuple[object, object]], window_days: int, *, narrowing: Q | None = None
) -> list[StoredFigure]:
    """Figures of a metric within window_days of one of the windows (window_filter), and among them,
    with narrowing, only those that also match it."""
    if not windows:
        return []
    where = window_filter(windows, window_days)
    if narrowing is not None:
        where &= narrowing
    rows = FigureCheck.objects.filter(where, metric_id=metric_id).order_by().values_list(
        "figure_id", "claim_id", *CHECK_FIELDS, "check_matched", "check_roots"
    )
    # Thousands of rows share a few hundred values, periods and root sets: convert each once.
    roots_of: dict[str | None, frozenset[int] | None] = {}
    intervals: dict[tuple, Interval] = {}
    periods: dict[tuple, Period] = {}
    found = []
    for fid, claim_id, first, last, _span, lo, lo_open, hi, hi_open, matched, roots in rows:
        if roots not in roots_of:
            roots_of[roots] = roots_of_text(roots)
        bounds = (lo, lo_open, hi, hi_open)
        interval = intervals.get(bounds)
        if interval is None:
            interval = intervals[bounds] = interval_of_columns(*bounds)
        period = periods.get((first, last))
        if period is None:
            period = periods[(first, last)] = Period(first, last)
        found.append(StoredFigure(FigureFacts(fid, claim_id, interval, period), matched, roots_of[roots]))
    return found


# Absolute slack on the stored bounds when preselecting candidates: the exact comparison follows in
# Python, so a wider preselection only costs a few rows, while a narrower one could miss a finding
# where a backend stores decimals inexactly (SQLite).
SLACK = Decimal("0.000001")


def _widest(ranges: list[tuple], *, later: bool = True) -> list[tuple]:
    """The (day, bound) ranges not inside another one: with `later`, a range takes the figures after
    its day and at or below its bound, so an earlier day and a higher bound take in more; otherwise
    the figures before its day (a later day takes in more) and at or above minus its bound (stored
    negated, so that a higher one takes in more here too). A claim's figures of one metric often
    share a date: their ranges collapse into one."""
    kept: list[tuple] = []
    # Widest day first, then widest bound: a range can only be inside one that comes before it.
    for day, bound in sorted(ranges, key=lambda r: (r[0] if later else -r[0].toordinal(), -r[1])):
        if not any((d <= day if later else d >= day) and b >= bound for d, b in kept):
            kept.append((day, bound))
    return kept


# A stored figure as a box, x its period in days and y its interval (an open upper bound at 1e30:
# the columns hold at most 28 integer digits), as the GiST index figure_check_box_idx (migration
# 0012) holds it; this text must stay that index's expression for the planner to use it.
_TABLE = f'"{FigureCheck._meta.db_table}"'
_EPOCH = "DATE '2000-01-01'"  # day 0 of the x axis
FIGURE_BOX = (
    f"box(point(({_TABLE}.check_first - {_EPOCH})::float8, {_TABLE}.check_lo::float8), "
    f"point(({_TABLE}.check_last - {_EPOCH})::float8, COALESCE({_TABLE}.check_hi::float8, 1e30::float8)))"
)


def _box_within(
    metric_id: int, *, after: dt.date | None = None, before: dt.date | None = None,
    at_least: Decimal | None = None, at_most: Decimal | None = None,
) -> Q:
    """On PostgreSQL, the metric's figures whose box lies after or before a day (exclusive) and
    within the value bounds (inclusive), through figure_check_box_idx; added to the exact conditions
    it stands beside, it only gives the planner an index for them: rounding to float8 is monotonic,
    and PostgreSQL compares box coordinates with a small tolerance, so every row that meets the
    exact conditions is inside the box (a few just outside them may be too). Elsewhere, nothing."""
    if connection.vendor != "postgresql":
        return Q()
    low_x = f"(%s::date - {_EPOCH} + 1)::float8" if after is not None else "'-Infinity'::float8"
    high_x = f"(%s::date - {_EPOCH} - 1)::float8" if before is not None else "'Infinity'::float8"
    low_y = "%s::numeric::float8" if at_least is not None else "'-Infinity'::float8"
    high_y = "%s::numeric::float8" if at_most is not None else "'Infinity'::float8"
    params = [metric_id] + [p for p in (after, at_least, before, at_most) if p is not None]
    # The metric cast to bigint: btree_gist compares a bigint column with bigints only.
    sql = (f"{_TABLE}.metric_id = %s::bigint AND {FIGURE_BOX} "
           f"<@ box(point({low_x}, {low_y}), point({high_x}, {high_y}))")
    # Only constants in the text; every value goes as a parameter.
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611


def stored_cumulative_candidates(metric_id: int, figures: Iterable[FigureFacts]) -> list[StoredFigure]:
    """Figures that could make a cumulative_decrease with one of these (in one query): earlier ones
    whose lower bound is at or above its upper bound, later ones whose upper bound is at or below its
    lower bound."""
    rows = cumulative_candidates_query(metric_id, figures).values_list(
        "figure_id", "claim_id", *CHECK_FIELDS, "check_matched", "check_roots"
    )
    return [
        StoredFigure(FigureFacts(fid, claim_id, interval_of_columns(lo, lo_open, hi_, hi_open), Period(first, last)),
                     matched, roots_of_text(roots))
        for fid, claim_id, first, last, _span, lo, lo_open, hi_, hi_open, matched, roots in rows
    ]


def cumulative_candidates_query(metric_id: int, figures: Iterable[FigureFacts]) -> QuerySet:
    """The rows of stored_cumulative_candidates. Two dimensions at once (days and values), which on
    PostgreSQL the GiST index over each figure's box answers (_box_within): a B-tree narrows only
    one and reads half the metric for a figure in its middle. A range held by a wider one of the
    same direction is left out (_widest): each range costs one more pass over the index."""
    later_below: list[tuple] = []  # (after the day, at or below the value)
    earlier_above: list[tuple] = []  # (before the day, at or above minus the value)
    for figure in figures:
        if figure.period is None:
            continue
        later_below.append((figure.period.last, figure.interval.lo))
        if figure.interval.hi_key < INFINITE_KEY:
            earlier_above.append((figure.period.first, -figure.interval.hi))
    ranges = [Q(check_first__gt=day, check_hi__isnull=False, check_hi__lte=lo + SLACK)
              & _box_within(metric_id, after=day, at_most=lo + SLACK)
              for day, lo in _widest(later_below)]
    ranges += [Q(check_last__lt=day, check_lo__gte=-minus_hi - SLACK)
               & _box_within(metric_id, before=day, at_least=-minus_hi - SLACK)
               for day, minus_hi in _widest(earlier_above, later=False)]
    if not ranges:
        return FigureCheck.objects.none()
    return FigureCheck.objects.filter(functools.reduce(operator.or_, ranges), metric_id=metric_id).order_by()
