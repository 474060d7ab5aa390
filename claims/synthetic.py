"""A synthetic newsroom: sources in parent lines, documents, metrics, claims with figures and chains.

Used by the benchmarks and the scale tests. The newsroom mostly agrees with itself, as a real one
does, and its disagreements are planted and counted:

- Every metric follows a "true" trajectory: constant for a metric that is not cumulative, growing
  exponentially (0.1-0.3% a day) for a cumulative one. The truth of a day is that value rounded to a
  whole number, so on a cumulative metric it never goes down.
- Every claim has a day. Its figures are about that day or up to six weeks before it; its chains'
  innermost links are dated that day (the day the origin spoke), and their documents were published
  on that day or within a month after it. So a figure without a date of its own falls back (DESIGN.md,
  "The checks") to the claim's day, which is the day its value was computed for.
- A figure that is not an outlier stands for an interval that holds the truth of every day of its
  period: exact figures only for a single day, and equal to that day's truth; approximate figures,
  ranges and open bounds around it; a month or a year is covered by a range or a bound wide enough
  for the trend over the period. So any two such figures overlap when their periods do, and on a
  cumulative metric a later one never lies wholly below an earlier one: they never conflict.
- Conflicts come from outliers only: a share of figures (`SyntheticPlan.outlier_share`), each dated
  to a day and 1.3 times too high or too low (exact or approximate). Such a figure is disjoint from
  its bounded neighbours within the metric's window, and on a cumulative metric from every bounded
  figure until the trend catches up (about ln 1.3 / growth rate = 90-260 days; cumulative_decrease
  has no window). A metric holds at most MAX_OUTLIERS_PER_METRIC of them, so that one crowded metric
  (the hot metric of the benchmarks) cannot hold outliers in proportion to its size, each of which
  would conflict with neighbours in proportion to its density: with the cap the conflicts grow
  linearly with the data set.
- Unverified claims by construction: a share have no chain (no_attribution), some have chains whose
  links name no document (no_document), some cite only origins graded D-F or ungraded
  (low_reliability_origin). generate() counts them among the claims the checks examine.

The claims come in chunks of CHUNK, each drawn from a random stream of its own (seeded by the seed and
the chunk's number), after a first pass over the main stream that draws every claim's shape (how many
tags, figures, chains and links), so that each chunk's ids, its share of the hot metric's figures and
its outliers are known before any chunk is built. The data set is therefore the same for a seed
whoever builds the chunks, in whatever order: one process, or WORKERS of them side by side.

On PostgreSQL the rows are streamed with binary COPY from a second thread while Python builds the next
ones; elsewhere they go through bulk_create. A large load (BULK_CLAIMS) drops the secondary indexes and
the unique constraints other than the primary keys, and builds each once at the end: the per-row
upkeep of an index costs PostgreSQL more than storing the row. Rows are built from each model's
concrete fields, so a column added later with a default needs no change here. History is not written
for synthetic rows: they are fixtures, not editorial work.

A large load on PostgreSQL outside a transaction goes further, since one process building the rows
is what it would wait on, and one connection builds one index at a time: it commits the sources,
documents and metrics with the indexes set aside (and the primary keys of the claims' tables, see
constraints.drop_primary_keys), then WORKERS forked processes build and COPY the claims' chunks,
each on a connection and in a transaction of its own, all committed once every one has finished,
and the indexes are built on as many connections at once. It is not one transaction:
a failure deletes what the load wrote and puts the indexes back, but a load killed outright
(SIGKILL) leaves its tables without their secondary indexes and unique constraints, and the
claims' tables without their primary keys and the foreign keys that point at them. Inside a
transaction (tests, callers that need it atomic), or below BULK_CLAIMS, everything is written in
one transaction by this process.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import multiprocessing
import random
import time
import traceback
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from multiprocessing.connection import wait as wait_for_pipes
from operator import itemgetter
from typing import Any

from django.db import connection, models, transaction

from claims.collector import collector_paused
from claims.constraints import AsideForeignKey, AsideKey, add_keys, drop_primary_keys, drop_unique_constraints
from claims.constraints import unique_constraints_dropped as _unique_constraints_dropped
from claims.copyload import BackgroundCopy, Table, build_indexes, drop_secondary_indexes, known_column_types
from claims.copyload import secondary_indexes_dropped as _secondary_indexes_dropped
from claims.forked import own_connection_after_fork
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from sources.models import Document, Source

Progress = Callable[[str, int, int], None]

START_DAY = dt.date(2023, 1, 1)
SPAN_DAYS = 3 * 365
# Documents run up to this many days after their claim's day.
PUBLICATION_LAG_DAYS = 30
# A dated figure is about its claim's day or up to this many days before it.
FIGURE_LAG_DAYS = 42
KINDS = [
    "news_agency",
    "news_outlet",
    "broadcaster",
    "state_media",
    "government",
    "legislator",
    "military",
    "intelligence_agency",
    "ngo",
    "research",
    "person",
    "anonymous_officials",
]
GRADES = ["A", "B", "C", "D", "E", "F", "", ""]
LOW_GRADES = {"D", "E", "F", ""}
VERBS = ["reported", "said", "citing", "quoted", "estimated", "posted"]
TAGS = ["russia-ukraine", "north-korea", "casualties", "deployment", "economy"]
STATUSES = ["unreviewed"] * 7 + ["in_review", "accurate", "misleading"]
REVIEWABLE = {"unreviewed", "in_review"}
OUTLIER_SHARE = 0.02
OUTLIER_FACTOR = 1.3
MAX_OUTLIERS_PER_METRIC = 5
NO_CHAIN_SHARE = 0.05
# Shares of figures that are undated (they take their claim's day) or dated only to a month or a
# year; the rest are dated to a day.
UNDATED_SHARE = 0.2
MONTH_SHARE = 0.2
YEAR_SHARE = 0.04
TOLERANCE = Decimal("0.1")
# From this many claims on, a PostgreSQL load drops the secondary indexes and builds them at the end,
# and, outside a transaction, builds the claims in WORKERS processes.
BULK_CLAIMS = 50_000
# Claims whose rows the loop gathers before handing them to the writers (which batch per COPY).
BLOCK = 2_000
# Claims per chunk: the unit of the random streams and of the work the processes share. Part of
# what a seed means: changing it changes the data set.
CHUNK = 5_000
# Processes that build and COPY the claims of a large load side by side (the machine's two cores).
WORKERS = 2


@dataclass
class SyntheticPlan:
    claims: int
    seed: int = 1
    hot_metric_figures: int = 0
    outlier_share: float = OUTLIER_SHARE
    counts: dict[str, int] = field(default_factory=dict)
    # The ids of the outlier figures written, for tests that trace every conflict to one.
    outlier_ids: list[int] = field(default_factory=list)

    @property
    def sources(self) -> int:
        return min(20_000, max(20, self.claims // 100))

    @property
    def documents(self) -> int:
        return max(10, self.claims // 4)

    @property
    def metrics(self) -> int:
        return max(3, self.claims // 100)


# What generate() returns beside the row counts: the planted findings, "the known share".
KNOWN_SHARE = ("outlier_figures", "no_attribution_claims", "no_document_claims", "low_reliability_claims")
# The claims' tables, in the order a failed load empties them (rows before the rows they point at).
_LOADED = (AttributionLink, Attribution, Figure, Claim.tags.through, Claim, Metric, Document, Source)
# The tables the worker processes write: a large load sets their primary keys aside.
_CLAIM_ROWS = (Claim, Claim.tags.through, Figure, Attribution, AttributionLink)


def _next_ids(*model_list: type[models.Model]) -> dict[type[models.Model], int]:
    return {m: (m.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1 for m in model_list}


def _reset_sequences(*model_list: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for m in model_list:
            table = m._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608 (model table names)
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))'
            )


def _null_by_default(f: models.Field) -> bool:
    """A nullable column a new row leaves NULL: a COPY can leave it out instead of sending NULLs."""
    return (
        f.null
        and not f.has_default()
        and f.db_default is models.NOT_PROVIDED
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    )


class _Writer:
    """Full-row tuples for one table, in batches: COPY from the background thread on PostgreSQL,
    bulk_create elsewhere. The table lists the columns given (`attnames`) first and then the
    others, which take their defaults: a row is the given values plus `tail`, one tuple
    concatenation. Columns a new row leaves NULL are not sent at all."""

    def __init__(
        self, model: type[models.Model], attnames: Sequence[str], copier: BackgroundCopy | None, batch: int = 20_000
    ) -> None:
        left_out = [f.attname for f in model._meta.concrete_fields if f.attname not in attnames and _null_by_default(f)]
        self.table = Table(model, skip=left_out, first=attnames)
        self.tail = tuple(self.table.defaults[name] for name in self.table.attnames[len(attnames) :])
        self.copier = copier
        self.batch = batch
        self.rows: list[tuple] = []

    def write(self, values: tuple) -> None:
        self.rows.append(values + self.tail)
        if len(self.rows) >= self.batch:
            self.flush()

    def extend(self, rows: list[tuple]) -> None:
        """Take a block of full rows (values + tail) at once: a caller filling its own list through
        the list's bound append makes a C call per row instead of a Python one to write()."""
        self.rows += rows
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        if self.copier is not None:
            self.copier.submit(self.table, rows)
        else:
            names = self.table.attnames
            model = self.table.model
            model.objects.bulk_create([model(**dict(zip(names, row, strict=True))) for row in rows])


class _Sinks:
    """The writers of the claims' tables, in the order of _fill_chunk's blocks of rows."""

    def __init__(self, copier: BackgroundCopy | None) -> None:
        self.writers = (
            _Writer(Claim, ("id", "key", "text", "language", "status"), copier),
            _Writer(Claim.tags.through, ("id", "claim_id", "tag_id"), copier),
            _Writer(
                Figure,
                (
                    "id",
                    "claim_id",
                    "position",
                    "metric_id",
                    "qualifier",
                    "value",
                    "lower",
                    "upper",
                    "as_of",
                    "as_of_precision",
                ),
                copier,
            ),
            _Writer(Attribution, ("id", "claim_id", "position"), copier),
            _Writer(
                AttributionLink,
                ("id", "attribution_id", "position", "source_id", "verb", "document_id", "date", "date_precision"),
                copier,
            ),
        )
        self.tails = tuple(writer.tail for writer in self.writers)

    def attach(self, copier: BackgroundCopy) -> None:
        for writer in self.writers:
            writer.copier = copier

    def take(self, blocks: Sequence[list[tuple]]) -> None:
        for writer, rows in zip(self.writers, blocks, strict=True):
            writer.extend(rows)
            rows.clear()

    def flush(self) -> None:
        for writer in self.writers:
            writer.flush()


@dataclass
class _Calendar:
    """Per day index of the span (and a little beyond): its date and the day indices its month and
    year start and end on, so that periods cost a list lookup instead of date arithmetic."""

    dates: list[dt.date]
    month: list[tuple[int, int]]
    year: list[tuple[int, int]]

    @classmethod
    def build(cls, days: int) -> _Calendar:
        dates = [START_DAY + dt.timedelta(days=d) for d in range(days)]

        def index(day: dt.date) -> int:
            return (day - START_DAY).days

        month, year = [], []
        for day in dates:
            first = day.replace(day=1)
            following = (first + dt.timedelta(days=32)).replace(day=1)
            month.append((index(first), index(following) - 1))
            year.append((index(day.replace(month=1, day=1)), index(day.replace(month=12, day=31))))
        return cls(dates, month, year)


# A metric as the claims see it: (id, base, daily growth rate). Its true value of day d is
# round(base * exp(rate * d)), a whole number of at least 100 (base >= 100): constant for a metric
# that is not cumulative (rate 0), and never going down on a cumulative one.
_Metric = tuple[int, float, float]


@dataclass
class _Newsroom:
    """What every chunk of claims draws on: written before the claims, shared by the processes."""

    seed: int
    run: str
    calendar: _Calendar
    sources: list[tuple[int, bool]]
    documents: list[tuple[int, int]]
    metrics: list[_Metric]
    tag_ids: list[int]
    # The index of the first document published on each day or later, and of the first one
    # published after the publication lag of each day: a claim's documents come from that slice.
    doc_from: list[int] = field(default_factory=list)
    lag_end: list[int] = field(default_factory=list)
    # (source id, weak, verb) for every source and verb: one draw picks a link's source and verb.
    source_verbs: list[tuple[int, bool, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.source_verbs = [(pk, weak, verb) for pk, weak in self.sources for verb in VERBS]
        self.doc_from = _first_index_per_day(self.documents, len(self.calendar.dates))
        last = len(self.doc_from) - 1
        self.lag_end = [self.doc_from[min(day + PUBLICATION_LAG_DAYS + 1, last)] for day in range(SPAN_DAYS)]


# A claim's shape: (tags, figures, the length of each chain, links).
_Shape = tuple[int, int, tuple[int, ...], int]
_FIGURES, _CHAINS, _LINKS = itemgetter(1), itemgetter(2), itemgetter(3)


@cache
def _shape_table() -> list[_Shape]:
    """Shapes in proportion to their odds, so that one random number draws a claim's shape: 0-2
    tags, 1-3 figures, no chain for NO_CHAIN_SHARE of claims and 1-3 otherwise, of 1-4 links
    each, all uniform. Per tag and figure count, 3,840 entries: 192 without a chain (5%), and
    1,216 for each number of chains, shared evenly by its 4, 16 or 64 combinations of lengths."""
    without_chain = round(3_840 * NO_CHAIN_SHARE)
    per_count = (3_840 - without_chain) // 3
    assert without_chain + 3 * per_count == 3_840 and not per_count % 64
    chains: list[tuple[int, ...]] = [()] * without_chain
    for count in (1, 2, 3):
        combinations = list(itertools.product((1, 2, 3, 4), repeat=count))
        for lengths in combinations:
            chains += [lengths] * (per_count // len(combinations))
    shapes = {}
    table = []
    for tags in (0, 1, 2):
        for figures in (1, 2, 3):
            for lengths in chains:
                key = (tags, figures, lengths)
                table.append(shapes.setdefault(key, (tags, figures, lengths, sum(lengths))))
    return table


@dataclass
class _Chunk:
    """CHUNK consecutive claims, with everything about them that depends on the claims before."""

    number: int
    first: int  # index of its first claim in the data set
    shapes: list[_Shape]
    claim_id: int
    figure_id: int
    attribution_id: int
    link_id: int
    tag_id: int
    hot: int  # its first `hot` figures are on the hot metric
    # (index of the figure in the chunk, index of its metric), in order of the figures.
    outliers: list[tuple[int, int]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.shapes)


def generate(plan: SyntheticPlan, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the synthetic data set; returns the row counts per table, the planted findings
    (KNOWN_SHARE: outlier figures, and the claims the checks examine that have no chain, no
    document, or only weak origins) and the seconds the claims took. In one transaction, except
    for a large load on PostgreSQL outside one (see the module's docstring)."""
    rng = random.Random(plan.seed)
    counts: dict[str, int] = dict.fromkeys(
        ["sources", "documents", "metrics", "claims", "figures", "attributions", "links", "claim_tags", *KNOWN_SHARE], 0
    )
    in_workers = (
        connection.vendor == "postgresql"
        and plan.claims >= BULK_CLAIMS
        and WORKERS > 1
        and not connection.in_atomic_block
    )
    with collector_paused():
        if in_workers:
            _generate_in_workers(rng, plan, counts, progress)
        else:
            _generate_here(rng, plan, counts, progress)
    plan.counts = counts
    return counts


def _generate_here(rng: random.Random, plan: SyntheticPlan, counts: dict[str, int], progress: Progress | None) -> None:
    """The whole data set in one transaction, by this process."""
    with transaction.atomic():
        _skip_fk_triggers()
        ids = _next_ids(Source, Document, Metric, Claim, Figure, Attribution, AttributionLink, Claim.tags.through)
        tag_ids = _tags()
        copier = BackgroundCopy() if connection.vendor == "postgresql" else None
        tables = [m._meta.db_table for m in _LOADED]
        bulk = plan.claims >= BULK_CLAIMS
        rebuild = _secondary_indexes_dropped(tables) if bulk else nullcontext()
        recheck = _unique_constraints_dropped(tables) if bulk else nullcontext()
        with rebuild, recheck, copier or nullcontext():
            newsroom = _newsroom(rng, plan, ids, tag_ids, copier, counts)
            started = time.monotonic()
            chunks = _plan_chunks(rng, plan, ids, len(newsroom.metrics), counts)
            sinks = _Sinks(copier)
            report = _Report(progress, plan.claims)
            known = [0, 0, 0]
            for chunk in chunks:
                for i, found in enumerate(_fill_chunk(chunk, newsroom, sinks)):
                    known[i] += found
                report.advance(chunk.size)
            sinks.flush()
            if copier is not None:
                copier.drain()
            report.finish()
            counts["seconds"] = round(time.monotonic() - started, 2)
        _reset_sequences(*_LOADED)
    _count_known(counts, known)


def _generate_in_workers(
    rng: random.Random, plan: SyntheticPlan, counts: dict[str, int], progress: Progress | None
) -> None:
    """A large load on PostgreSQL, outside a transaction: the sources, documents and metrics
    committed with the indexes set aside (and, for the claims' tables, the primary keys with the
    foreign keys that point at them), the claims built and written by WORKERS processes, then the
    indexes built and the foreign keys checked on as many connections. A failure on the way
    deletes the rows of the load and puts the indexes and constraints back."""
    tables = [m._meta.db_table for m in _LOADED]
    ids: dict[type[models.Model], int] = {}
    indexes: list[tuple[str, str, str]] = []
    constraints: list[AsideKey] = []
    foreign_keys: list[AsideForeignKey] = []
    committed = False
    try:
        with transaction.atomic():
            superuser = _skip_fk_triggers()
            ids.update(_next_ids(*_LOADED))
            tag_ids = _tags()
            indexes += drop_secondary_indexes(tables)
            constraints += drop_unique_constraints(tables)
            keys, pointing = drop_primary_keys([m._meta.db_table for m in _CLAIM_ROWS])
            constraints += keys
            foreign_keys += pointing
            with BackgroundCopy() as copier:
                newsroom = _newsroom(rng, plan, ids, tag_ids, copier, counts)
        committed = True
        started = time.monotonic()
        chunks = _plan_chunks(rng, plan, ids, len(newsroom.metrics), counts)
        sinks = _Sinks(None)
        known_column_types(*(writer.table for writer in sinks.writers))
        known = _run_workers(chunks, newsroom, sinks, superuser, _Report(progress, plan.claims))
        counts["seconds"] = round(time.monotonic() - started, 2)
    except BaseException:
        if committed:  # else the rollback took care of it
            _undo(ids, indexes, constraints, foreign_keys)
        raise
    _count_known(counts, known)
    # Committed: the indexes come back on several connections at once, outside a transaction, and
    # so do the foreign keys' checks, once the keys they point at are back.
    build_indexes(
        [(table, statement) for _, table, statement in indexes] + [(c.table, c.index_statement) for c in constraints],
        connections=WORKERS,
    )
    with connection.cursor() as cursor:
        for c in constraints:
            cursor.execute(c.attach_statement)
        for f in foreign_keys:
            cursor.execute(f.add_statement)
    build_indexes([(f.table, f.validate_statement) for f in foreign_keys], connections=WORKERS)
    _reset_sequences(*_LOADED)


def _undo(
    ids: dict[type[models.Model], int],
    indexes: list[tuple[str, str, str]],
    constraints: list[AsideKey],
    foreign_keys: list[AsideForeignKey],
) -> None:
    """After a failed load committed in parts: delete its rows and put back what it set aside."""
    with transaction.atomic():
        _skip_fk_triggers()
        with connection.cursor() as cursor:
            for model in _LOADED:
                cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE id >= %s', [ids[model]])  # noqa: S608 (model table names)
        build_indexes([(table, statement) for _, table, statement in indexes])
        add_keys(constraints, foreign_keys)


def _count_known(counts: dict[str, int], known: Sequence[int]) -> None:
    counts.update(no_attribution_claims=known[0], no_document_claims=known[1], low_reliability_claims=known[2])


class _Report:
    """The progress callback, every 10,000 claims done (in whichever order the chunks finish)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def advance(self, claims: int) -> None:
        before, self.done = self.done, self.done + claims
        if self.progress and self.done < self.total and self.done // 10_000 > before // 10_000:
            self.progress("claims", self.done - self.done % 10_000, self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress("claims", self.total, self.total)


def _skip_fk_triggers() -> bool:
    """Skip the per-row foreign-key triggers for this transaction when the role may (a superuser on
    a bench database): the generator assigns every id itself, so the references hold by construction.
    Elsewhere the triggers run and the load is just slower. Returns whether they are skipped."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
            return True
    return False


def _tags() -> list[int]:
    return [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]


def _newsroom(
    rng: random.Random,
    plan: SyntheticPlan,
    ids: dict[type[models.Model], int],
    tag_ids: list[int],
    copier: BackgroundCopy | None,
    counts: dict[str, int],
) -> _Newsroom:
    """Write the sources, documents and metrics; returns what the claims draw on."""
    run = f"{plan.seed}-{ids[Source]}-{ids[Claim]}"  # keys stay unique when several data sets are generated
    calendar = _Calendar.build(SPAN_DAYS + PUBLICATION_LAG_DAYS + 1)
    sources = _sources(rng, plan, ids[Source], run, copier, counts)
    documents = _documents(rng, plan, ids[Document], run, [pk for pk, _ in sources], calendar, copier, counts)
    metrics = _metrics(rng, plan, ids[Metric], run, copier, counts)
    return _Newsroom(plan.seed, run, calendar, sources, documents, metrics, tag_ids)


def _sources(rng, plan, first_id, run, copier, counts) -> list[tuple[int, bool]]:
    """(id, weak) per source: weak when neither it nor an ancestor has a grade of A-C, i.e. when the
    checks would call an origin there low-reliability (its own grade, else the nearest graded
    ancestor's)."""
    sink = _Writer(Source, ("id", "key", "name", "kind", "country", "parent_id", "reliability"), copier)
    rows: list[tuple[int, bool]] = []
    effective: list[str] = []
    for n in range(plan.sources):
        pk = first_id + n
        # A third of sources are roots; the rest hang below an earlier source (parent lines of 1-4).
        parent_index = rng.randrange(len(rows)) if rows and rng.random() > 0.33 else None
        grade = rng.choice(GRADES)
        sink.write(
            (
                pk,
                f"s-{run}-{n}",
                f"Synthetic source {n}",
                rng.choice(KINDS),
                rng.choice(["KR", "KP", "US", "GB", "UA", "RU", ""]),
                None if parent_index is None else rows[parent_index][0],
                grade,
            )
        )
        grade = grade or ("" if parent_index is None else effective[parent_index])
        effective.append(grade)
        rows.append((pk, grade in LOW_GRADES))
    sink.flush()
    counts["sources"] = plan.sources
    return rows


def _documents(rng, plan, first_id, run, source_ids, calendar, copier, counts) -> list[tuple[int, int]]:
    """(id, day index) per document, in order of day, over the span plus the publication lag."""
    sink = _Writer(
        Document, ("id", "key", "title", "url", "publisher_id", "published", "published_precision", "language"), copier
    )
    days = sorted(rng.randrange(SPAN_DAYS + PUBLICATION_LAG_DAYS) for _ in range(plan.documents))
    docs = []
    for n, day in enumerate(days):
        pk = first_id + n
        sink.write(
            (
                pk,
                f"d-{run}-{n}",
                f"Synthetic report {n}",
                f"https://news.example.org/{run}/{n}",
                rng.choice(source_ids),
                calendar.dates[day],
                "day",
                "en",
            )
        )
        docs.append((pk, day))
    sink.flush()
    counts["documents"] = plan.documents
    return docs


def _metrics(rng, plan, first_id, run, copier, counts) -> list[_Metric]:
    sink = _Writer(Metric, ("id", "key", "name", "unit", "cumulative", "tolerance", "window_days"), copier)
    rows = []
    for n in range(plan.metrics):
        pk = first_id + n
        # The hot metric of the incremental benchmark is cumulative: the harder case for the checks
        # (cumulative_decrease compares across any distance in time).
        cumulative = True if (n == 0 and plan.hot_metric_figures) else rng.random() < 0.5
        sink.write((pk, f"m-{run}-{n}", f"Synthetic metric {n}", "people", cumulative, TOLERANCE, 31))
        base, rate = rng.uniform(100, 100_000), rng.uniform(0.001, 0.003)
        rows.append((pk, base, rate if cumulative else 0.0))
    sink.flush()
    counts["metrics"] = plan.metrics
    return rows


def _plan_chunks(
    rng: random.Random, plan: SyntheticPlan, ids: dict[type[models.Model], int], metrics: int, counts: dict[str, int]
) -> list[_Chunk]:
    """The first pass, on the main stream: every claim's shape, then the chunks with their first
    ids, their part of the hot metric (the first hot_metric_figures figures of the data set) and
    their outliers. Each figure is an outlier candidate with odds outlier_share (drawn as the gaps
    between candidates, so that this pass costs a draw per candidate, not per figure); a candidate
    on a metric that holds MAX_OUTLIERS_PER_METRIC already, in the order of the figures, stays an
    ordinary figure. Fills in the row counts and plan.outlier_ids."""
    table = _shape_table()
    size, random_ = len(table), rng.random
    shapes = [table[int(random_() * size)] for _ in range(plan.claims)]
    figure_id, attribution_id, link_id, tag_id = (
        ids[Figure],
        ids[Attribution],
        ids[AttributionLink],
        ids[Claim.tags.through],
    )
    chunks: list[_Chunk] = []
    figures = 0
    for number, start in enumerate(range(0, plan.claims, CHUNK)):
        part = shapes[start : start + CHUNK]
        in_chunk = sum(map(_FIGURES, part))
        hot = min(in_chunk, max(0, plan.hot_metric_figures - figures))
        chunks.append(
            _Chunk(number, start, part, ids[Claim] + start, figure_id + figures, attribution_id, link_id, tag_id, hot)
        )
        figures += in_chunk
        attribution_id += sum(map(len, map(_CHAINS, part)))
        link_id += sum(map(_LINKS, part))
        tag_id += sum(map(itemgetter(0), part))
    counts.update(
        claims=plan.claims,
        figures=figures,
        attributions=attribution_id - ids[Attribution],
        links=link_id - ids[AttributionLink],
        claim_tags=tag_id - ids[Claim.tags.through],
    )
    starts = [chunk.figure_id - figure_id for chunk in chunks]
    taken = [0] * metrics
    for index in _candidates(rng, figures, plan.outlier_share):
        metric = 0 if index < plan.hot_metric_figures else int(random_() * metrics)
        if taken[metric] < MAX_OUTLIERS_PER_METRIC:
            taken[metric] += 1
            chunk = chunks[bisect_right(starts, index) - 1]
            chunk.outliers.append((index - starts[chunk.number], metric))
            plan.outlier_ids.append(figure_id + index)
    counts["outlier_figures"] = sum(taken)
    return chunks


def _candidates(rng: random.Random, figures: int, share: float) -> Iterator[int]:
    """The indices of the figures that are outlier candidates, each with odds `share`: the gap to
    the next is geometric, the number of failures before a success."""
    if share <= 0:
        return
    if share >= 1:
        yield from range(figures)
        return
    scale = 1 / math.log(1 - share)
    index = -1
    while True:
        index += 1 + int(math.log(1.0 - rng.random()) * scale)
        if index >= figures:
            return
        yield index


def _agreeing(random_: Callable[[], float], lo: int, hi: int) -> tuple[str, int | None, int | None, int | None]:
    """(qualifier, value, lower, upper) of a figure whose interval holds every value from lo to hi,
    the truths at the two ends of its period (equal for a single day or a constant metric)."""
    pick = random_()
    if lo == hi and pick < 0.25:
        return "exact", lo, None, None
    if pick < 0.7:
        # approximate v stands for [0.9v, 1.1v]: it holds lo..hi when 10hi/11 <= v <= 10lo/9.
        least, most = -(-10 * hi // 11), 10 * lo // 9
        value = min(most, max(least, round((lo + hi) / 2 * (0.97 + 0.06 * random_()))))
        if least <= value <= most:
            return "approximate", value, None, None
        return "range", None, int(lo * (0.9 + 0.1 * random_())), math.ceil(hi * (1.0 + 0.1 * random_()))
    if pick < 0.8:
        return "at_least", int(lo * (0.88 + 0.12 * random_())), None, None
    if pick < 0.85:
        return "more_than", min(lo - 1, int(lo * (0.88 + 0.12 * random_()))), None, None
    if pick < 0.9:
        return "at_most", math.ceil(hi * (1.0 + 0.15 * random_())), None, None
    return "range", None, int(lo * (0.9 + 0.1 * random_())), math.ceil(hi * (1.0 + 0.1 * random_()))


def _fill_chunk(chunk: _Chunk, newsroom: _Newsroom, sinks: _Sinks) -> tuple[int, int, int]:
    """Build the chunk's rows from its own random stream and hand them to the sinks every BLOCK
    claims; returns the planted findings among its claims (no chain, no document, weak origins
    only, of the claims the checks examine).

    An outlier figure (decided by _plan_chunks) is exact or approximate, OUTLIER_FACTOR too high or
    too low, and dated to a day, so that its reach is the metric's window (or, on a cumulative
    metric, until the trend catches up) and not a whole month or year: disjoint from every
    bounded figure near it, since those stay within 0.87-1.15 times the truth."""
    random_ = random.Random(f"claims-{newsroom.seed}-{chunk.number}").random
    exp = math.exp
    run, tag_ids, documents = newsroom.run, newsroom.tag_ids, newsroom.documents
    source_verbs, n_source_verbs = newsroom.source_verbs, len(newsroom.source_verbs)
    doc_from, lag_end, last_document = newsroom.doc_from, newsroom.lag_end, len(newsroom.documents) - 1
    calendar = newsroom.calendar
    dates, months, years = calendar.dates, calendar.month, calendar.year
    metrics = newsroom.metrics
    hot_metric, n_metrics, n_tags = metrics[0], len(metrics), len(tag_ids)
    n_statuses = len(STATUSES)
    month_below = 1 - YEAR_SHARE
    day_below = month_below - MONTH_SHARE
    high, low = OUTLIER_FACTOR, 1 / OUTLIER_FACTOR
    claim_tail, tag_tail, figure_tail, attribution_tail, link_tail = sinks.tails
    # Rows gather in plain lists, handed to the writers every BLOCK claims: a million claims make
    # ten million rows, and list.append costs a fraction of a Python method call each.
    blocks: tuple[list[tuple], ...] = ([], [], [], [], [])
    add_claim, add_tag, add_figure, add_attribution, add_link = (rows.append for rows in blocks)
    outliers = iter(chunk.outliers)
    next_outlier, outlier_metric = next(outliers, (-1, 0))
    hot = chunk.hot
    pk, n = chunk.claim_id, chunk.first
    next_figure, next_attr, next_link, next_tag = chunk.figure_id, chunk.attribution_id, chunk.link_id, chunk.tag_id
    figure = 0  # the index of the next figure in the chunk
    no_attribution = no_document = low_reliability = 0
    for tags, figures, lengths, _ in chunk.shapes:
        status = STATUSES[int(random_() * n_statuses)]
        day = int(random_() * SPAN_DAYS)
        # Values + tail by concatenation: half the cost of (*values, *tail) per row.
        row = (pk, f"c-{run}-{n}", f"Synthetic claim {n} about a reported figure.", "en", status)
        add_claim(row + claim_tail)
        if tags:
            first = int(random_() * n_tags)
            add_tag((next_tag, pk, tag_ids[first]) + tag_tail)  # noqa: RUF005
            next_tag += 1
            if tags == 2:
                second = tag_ids[(first + 1 + int(random_() * (n_tags - 1))) % n_tags]
                add_tag((next_tag, pk, second) + tag_tail)  # noqa: RUF005
                next_tag += 1
        for position in range(figures):
            figure_day = day - int(random_() * FIGURE_LAG_DAYS)
            if figure_day < 0:
                figure_day = 0
            if figure == next_outlier:
                metric_pk, base, rate = metrics[outlier_metric]
                value = round(round(base * exp(rate * figure_day)) * (high if random_() < 0.5 else low))
                qualifier = "exact" if random_() < 0.5 else "approximate"
                row = (next_figure, pk, position, metric_pk, qualifier, value, None, None, dates[figure_day], "day")
                next_outlier, outlier_metric = next(outliers, (-1, 0))
            else:
                metric_pk, base, rate = hot_metric if figure < hot else metrics[int(random_() * n_metrics)]
                pick = random_()
                if pick < UNDATED_SHARE:  # the claim's day, from its first chain's innermost link
                    first_day = last_day = day
                    as_of, precision = None, ""
                elif pick < day_below:
                    first_day = last_day = figure_day
                    as_of, precision = dates[figure_day], "day"
                elif pick < month_below:
                    first_day, last_day = months[figure_day]
                    as_of, precision = dates[first_day], "month"
                else:
                    first_day, last_day = years[figure_day]
                    as_of, precision = dates[first_day], "year"
                lo = round(base * exp(rate * first_day))
                hi = lo if last_day == first_day else round(base * exp(rate * last_day))
                # Whole numbers as ints: psycopg writes them to a numeric column as numeric,
                # several times faster than a Decimal.
                qualifier, value, lower, upper = _agreeing(random_, lo, hi)
                row = (next_figure, pk, position, metric_pk, qualifier, value, lower, upper, as_of, precision)
            add_figure(row + figure_tail)
            next_figure += 1
            figure += 1
        documented, weak = False, True
        for position, length in enumerate(lengths):
            add_attribution((next_attr, pk, position) + attribution_tail)  # noqa: RUF005
            # The outermost link (the one reporting the claim) cites a document, mostly; the
            # innermost (the origin) spoke on the claim's day, the date undated figures fall back
            # to; the links between name a source only.
            source_id, weak_source, verb = source_verbs[int(random_() * n_source_verbs)]
            if random_() < 0.8:
                start, end = doc_from[day], lag_end[day]
                if end > start:
                    document_id, published = documents[start + int(random_() * (end - start))]
                else:  # none within the lag (a small data set): the next one, else the last
                    document_id, published = documents[min(start, last_document)]
                date, precision = dates[published], "day"
                documented = True
            else:
                document_id = date = None
                precision = ""
            if length == 1:
                date, precision = dates[day], "day"
                weak = weak and weak_source
            row = (next_link, next_attr, 0, source_id, verb, document_id, date, precision)
            add_link(row + link_tail)
            for link_position in range(1, length - 1):
                source_id, _, verb = source_verbs[int(random_() * n_source_verbs)]
                row = (next_link + link_position, next_attr, link_position, source_id, verb, None, None, "")
                add_link(row + link_tail)
            if length > 1:
                source_id, weak_source, verb = source_verbs[int(random_() * n_source_verbs)]
                weak = weak and weak_source
                row = (next_link + length - 1, next_attr, length - 1, source_id, verb, None, dates[day], "day")
                add_link(row + link_tail)
            next_link += length
            next_attr += 1
        if status in REVIEWABLE:
            if not lengths:
                no_attribution += 1
            else:
                no_document += not documented
                low_reliability += weak
        pk += 1
        n += 1
        if not n % BLOCK:
            sinks.take(blocks)
    sinks.take(blocks)
    return no_attribution, no_document, low_reliability


def _run_workers(
    chunks: list[_Chunk], newsroom: _Newsroom, sinks: _Sinks, superuser: bool, report: _Report
) -> list[int]:
    """Fork WORKERS processes that take the chunks in turn, build them and COPY them, each on a
    connection and in a transaction of its own; commit them all once every one has finished.
    Returns the planted findings (as _fill_chunk). On any failure the processes are ended, which
    rolls back what they had not committed."""
    context = multiprocessing.get_context("fork")  # the chunks and the newsroom come along unpickled
    next_chunk = context.Value("i", 0)
    pipes, processes = [], []
    finished = False
    try:
        for n in range(min(WORKERS, len(chunks))):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_worker,
                args=(chunks, next_chunk, newsroom, sinks, superuser, theirs),
                name=f"synthetic-claims-{n}",
                daemon=True,
            )
            process.start()
            theirs.close()
            pipes.append(ours)
            processes.append(process)
        known = [0, 0, 0]
        busy = set(pipes)
        while busy:
            for pipe in wait_for_pipes(list(busy)):
                kind, value = _receive(pipe)
                if kind == "progress":
                    report.advance(value)
                elif kind == "done":
                    known = [a + b for a, b in zip(known, value, strict=True)]
                    busy.discard(pipe)
        for pipe in pipes:
            pipe.send("commit")
        for pipe in pipes:
            _receive(pipe)
        report.finish()
        finished = True
        return known
    finally:
        for process in processes:
            if finished:  # each exits by itself once committed
                process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join()
        for pipe in pipes:
            pipe.close()


def _receive(pipe: Any) -> tuple[str, Any]:
    try:
        kind, value = pipe.recv()
    except EOFError:
        raise RuntimeError("a synthetic claims worker ended without a word") from None
    if kind == "error":
        raise RuntimeError(f"a synthetic claims worker failed:\n{value}")
    return kind, value


def _worker(
    chunks: list[_Chunk], next_chunk: Any, newsroom: _Newsroom, sinks: _Sinks, superuser: bool, pipe: Any
) -> None:
    """In a forked process: take chunks until none is left, COPY their rows on a connection of its
    own in one transaction, report, and commit when told to (a process ended before that, or
    failing, leaves its transaction to be rolled back)."""
    own = own_connection_after_fork()
    try:
        own.ensure_connection()
        raw = own.connection
        raw.autocommit = False
        if superuser:  # as _skip_fk_triggers: the references hold by construction
            raw.execute("SET LOCAL session_replication_role = replica")
        with BackgroundCopy(raw=raw) as copier:
            sinks.attach(copier)
            known = [0, 0, 0]
            while True:
                with next_chunk.get_lock():
                    number = next_chunk.value
                    next_chunk.value += 1
                if number >= len(chunks):
                    break
                for i, found in enumerate(_fill_chunk(chunks[number], newsroom, sinks)):
                    known[i] += found
                pipe.send(("progress", chunks[number].size))
            sinks.flush()
            copier.drain()
        pipe.send(("done", known))
        if pipe.recv() == "commit":
            raw.commit()
            pipe.send(("committed", None))
    except BaseException:
        with suppress(OSError):  # the parent may be gone already
            pipe.send(("error", traceback.format_exc()))
    finally:
        own.close()


def _first_index_per_day(documents: list[tuple[int, int]], days: int) -> list[int]:
    """For each day index, the index of the first document published on it or later."""
    out: list[int] = []
    position = 0
    for day in range(days + 1):
        while position < len(documents) and documents[position][1] < day:
            position += 1
        out.append(position)
    return out
