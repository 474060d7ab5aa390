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

On PostgreSQL the rows are streamed with binary COPY from a second thread while Python builds the next
ones; elsewhere they go through bulk_create. A large load (BULK_CLAIMS) drops the secondary indexes and
the unique constraints other than the primary keys, and builds each once at the end: the per-row
upkeep of an index costs PostgreSQL more than storing the row. Rows are built from each model's
concrete fields, so a column added later with a default needs no change here. History is not written
for synthetic rows: they are fixtures, not editorial work.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import OperationalError, connection, models, transaction

from claims.copyload import BackgroundCopy, Table
from claims.copyload import secondary_indexes_dropped as _secondary_indexes_dropped
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
# From this many claims on, a PostgreSQL load drops the secondary indexes and builds them at the end.
BULK_CLAIMS = 50_000
# Claims whose rows the loop gathers before handing them to the writers (which batch per COPY).
BLOCK = 2_000


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


class _Writer:
    """Full-row tuples for one table, in batches: COPY from the background thread on PostgreSQL,
    bulk_create elsewhere."""

    def __init__(
        self, model: type[models.Model], attnames: Sequence[str], copier: BackgroundCopy | None, batch: int = 20_000
    ) -> None:
        self.table = Table(model)
        self.shape = self.table.shaper(attnames)
        self.copier = copier
        self.batch = batch
        self.rows: list[tuple] = []

    def write(self, values: tuple) -> None:
        self.rows.append(values)
        if len(self.rows) >= self.batch:
            self.flush()

    def extend(self, values: list[tuple]) -> None:
        """Take a block of tuples at once: a caller filling its own list through the list's bound
        append makes a C call per row instead of a Python one to write()."""
        self.rows += values
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows = list(map(self.shape, self.rows))
        self.rows = []
        if self.copier is not None:
            self.copier.submit(self.table, rows)
        else:
            names = self.table.attnames
            model = self.table.model
            model.objects.bulk_create([model(**dict(zip(names, row, strict=True))) for row in rows])


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


@dataclass
class _MetricRow:
    pk: int
    cumulative: bool
    base: float
    rate: float
    outliers: int = 0

    def truth(self, day: int) -> int:
        """The true value of the day, as a whole number (never below 1)."""
        if not self.cumulative:
            return max(1, round(self.base))
        return max(1, round(self.base * math.exp(self.rate * day)))


def generate(plan: SyntheticPlan, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the synthetic data set in one transaction; returns the row counts per table, the
    planted findings (KNOWN_SHARE: outlier figures, and the claims the checks examine that have no
    chain, no document, or only weak origins) and the seconds the claims took."""
    rng = random.Random(plan.seed)
    counts: dict[str, int] = dict.fromkeys(
        ["sources", "documents", "metrics", "claims", "figures", "attributions", "links", "claim_tags", *KNOWN_SHARE], 0
    )
    with _collector_paused(), transaction.atomic():
        _skip_fk_triggers()
        ids = _next_ids(Source, Document, Metric, Claim, Figure, Attribution, AttributionLink, Tag)
        run = f"{plan.seed}-{ids[Source]}-{ids[Claim]}"  # keys stay unique when several data sets are generated
        tag_ids = _tags()
        calendar = _Calendar.build(SPAN_DAYS + PUBLICATION_LAG_DAYS + 1)
        copier = BackgroundCopy() if connection.vendor == "postgresql" else None
        tables = [
            m._meta.db_table
            for m in (Source, Document, Metric, Claim, Figure, Attribution, AttributionLink, Claim.tags.through)
        ]
        bulk = plan.claims >= BULK_CLAIMS
        rebuild = _secondary_indexes_dropped(tables) if bulk else nullcontext()
        recheck = _unique_constraints_dropped(tables) if bulk else nullcontext()
        with rebuild, recheck, copier or nullcontext():
            sources = _sources(rng, plan, ids[Source], run, copier, counts)
            documents = _documents(rng, plan, ids[Document], run, [pk for pk, _ in sources], calendar, copier, counts)
            metric_rows = _metrics(rng, plan, ids[Metric], run, copier, counts)
            _claims(rng, plan, ids, run, sources, documents, metric_rows, tag_ids, calendar, copier, counts, progress)
        _reset_sequences(Source, Document, Metric, Claim, Figure, Attribution, AttributionLink)
    plan.counts = counts
    return counts


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the load. The load allocates ten tuples or so per
    claim and keeps the queued ones alive until their COPY: each collection the allocations trigger
    walks those live rows again to find no cycle among them (a tenth of the load's CPU time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _unique_constraints_dropped(db_tables: list[str]) -> Iterator[None]:
    """On PostgreSQL, drop the tables' unique constraints (not the primary keys, nor any a foreign
    key points at) for the block and add them back after it. Keeping a unique index up to date costs
    PostgreSQL more per row than storing the row itself, and it is what a large load waits on; added
    back at the end, each is built once from sorted keys and still checks every key, only later:
    a duplicate fails the load's transaction there instead of in the COPY.

    Only while the row triggers are off (_skip_fk_triggers): PostgreSQL refuses ALTER TABLE on a
    table with trigger events pending, which every row COPY'd with the foreign-key triggers on
    leaves until commit. For the same reason the constraints stay when earlier writes of the
    transaction left such events."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role') = 'replica'")
        if not cursor.fetchone()[0]:
            yield
            return
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.contype = 'u' AND c.conrelid = ANY(%s::regclass[]) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
            [[f'"{name}"' for name in db_tables]],
        )
        constraints = cursor.fetchall()
        try:
            with transaction.atomic():
                for table, name, _ in constraints:
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        except OperationalError:  # pending trigger events: load with the constraints in place
            constraints = []
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _skip_fk_triggers() -> None:
    """Skip the per-row foreign-key triggers for this transaction when the role may (a superuser on
    a bench database): the generator assigns every id itself, so the references hold by construction.
    Elsewhere the triggers run and the load is just slower."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _tags() -> list[int]:
    return [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]


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


def _metrics(rng, plan, first_id, run, copier, counts) -> list[_MetricRow]:
    sink = _Writer(Metric, ("id", "key", "name", "unit", "cumulative", "tolerance", "window_days"), copier)
    rows = []
    for n in range(plan.metrics):
        pk = first_id + n
        # The hot metric of the incremental benchmark is cumulative: the harder case for the checks
        # (cumulative_decrease compares across any distance in time).
        cumulative = True if (n == 0 and plan.hot_metric_figures) else rng.random() < 0.5
        sink.write((pk, f"m-{run}-{n}", f"Synthetic metric {n}", "people", cumulative, TOLERANCE, 31))
        rows.append(_MetricRow(pk, cumulative, rng.uniform(100, 100_000), rng.uniform(0.001, 0.003)))
    sink.flush()
    counts["metrics"] = plan.metrics
    return rows


def _agreeing(rng: random.Random, lo: int, hi: int) -> tuple[str, int | None, int | None, int | None]:
    """(qualifier, value, lower, upper) of a figure whose interval holds every value from lo to hi,
    the truths at the two ends of its period (equal for a single day or a constant metric)."""
    pick = rng.random()
    if lo == hi and pick < 0.25:
        return "exact", lo, None, None
    if pick < 0.7:
        # approximate v stands for [0.9v, 1.1v]: it holds lo..hi when 10hi/11 <= v <= 10lo/9.
        least, most = -(-10 * hi // 11), 10 * lo // 9
        value = min(most, max(least, round((lo + hi) / 2 * rng.uniform(0.97, 1.03))))
        if least <= value <= most:
            return "approximate", value, None, None
        return "range", None, int(lo * rng.uniform(0.9, 1.0)), math.ceil(hi * rng.uniform(1.0, 1.1))
    if pick < 0.8:
        return "at_least", int(lo * rng.uniform(0.88, 1.0)), None, None
    if pick < 0.85:
        return "more_than", min(lo - 1, int(lo * rng.uniform(0.88, 1.0))), None, None
    if pick < 0.9:
        return "at_most", math.ceil(hi * rng.uniform(1.0, 1.15)), None, None
    return "range", None, int(lo * rng.uniform(0.9, 1.0)), math.ceil(hi * rng.uniform(1.0, 1.1))


def _outlier(rng: random.Random, truth: int) -> tuple[str, int | None, int | None, int | None]:
    """An exact or approximate figure OUTLIER_FACTOR too high or too low: disjoint from every bounded
    figure near it, since those stay within 0.87-1.15 times the truth."""
    factor = OUTLIER_FACTOR if rng.random() < 0.5 else 1 / OUTLIER_FACTOR
    return ("exact" if rng.random() < 0.5 else "approximate"), max(1, round(truth * factor)), None, None


def _claims(rng, plan, ids, run, sources, documents, metric_rows, tag_ids, calendar, copier, counts, progress) -> None:
    claim_sink = _Writer(Claim, ("id", "key", "text", "language", "status"), copier)
    figure_sink = _Writer(
        Figure,
        ("id", "claim_id", "position", "metric_id", "qualifier", "value", "lower", "upper", "as_of", "as_of_precision"),
        copier,
    )
    attribution_sink = _Writer(Attribution, ("id", "claim_id", "position"), copier)
    link_sink = _Writer(
        AttributionLink,
        ("id", "attribution_id", "position", "source_id", "verb", "document_id", "date", "date_precision"),
        copier,
    )
    tag_through = Claim.tags.through
    tag_sink = _Writer(tag_through, ("id", "claim_id", "tag_id"), copier)
    next_figure, next_attr, next_link = ids[Figure], ids[Attribution], ids[AttributionLink]
    next_tag = (tag_through.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
    hot = metric_rows[0] if plan.hot_metric_figures else None
    hot_left = plan.hot_metric_figures
    # The documents published from each day on: a claim's documents come from its day's slice.
    doc_from = _first_index_per_day(documents, len(calendar.dates))
    lag_end = [doc_from[min(day + PUBLICATION_LAG_DAYS + 1, len(doc_from) - 1)] for day in range(SPAN_DAYS)]
    dates, months, years = calendar.dates, calendar.month, calendar.year
    random_, n_sources, n_metrics, n_tags = rng.random, len(sources), len(metric_rows), len(tag_ids)
    outlier_share = plan.outlier_share
    month_below = 1 - YEAR_SHARE
    day_below = month_below - MONTH_SHARE
    n_statuses, first_claim = len(STATUSES), ids[Claim]
    first_figure, first_attr, first_link, first_tag = next_figure, next_attr, next_link, next_tag
    # Rows gather in plain lists, handed to the writers every BLOCK claims: a million claims make
    # ten million rows, and list.append costs a fraction of a Python method call each.
    sinks = (claim_sink, tag_sink, figure_sink, attribution_sink, link_sink)
    blocks: tuple[list[tuple], ...] = ([], [], [], [], [])
    add_claim, add_tag, add_figure, add_attribution, add_link = (rows.append for rows in blocks)
    no_attribution = no_document = low_reliability = 0
    started = time.monotonic()
    for n in range(plan.claims):
        pk = first_claim + n
        status = STATUSES[int(random_() * n_statuses)]
        day = int(random_() * SPAN_DAYS)
        add_claim((pk, f"c-{run}-{n}", f"Synthetic claim {n} about a reported figure.", "en", status))
        tags = int(random_() * 3)
        if tags:
            first = int(random_() * n_tags)
            picked = [first, (first + 1 + int(random_() * (n_tags - 1))) % n_tags][:tags]
            for t in picked:
                add_tag((next_tag, pk, tag_ids[t]))
                next_tag += 1
        for position in range(1 + int(random_() * 3)):
            if hot is not None and hot_left > 0:
                metric, hot_left = hot, hot_left - 1
            else:
                metric = metric_rows[int(random_() * n_metrics)]
            figure_day = max(0, day - int(random_() * FIGURE_LAG_DAYS))
            if random_() < outlier_share and metric.outliers < MAX_OUTLIERS_PER_METRIC:
                # Dated to a day, so its reach is the metric's window (or, on a cumulative metric,
                # until the trend catches up) and not a whole month or year.
                metric.outliers += 1
                counts["outlier_figures"] += 1
                plan.outlier_ids.append(next_figure)
                qualifier, value, lower, upper = _outlier(rng, metric.truth(figure_day))
                as_of, precision = dates[figure_day], "day"
            else:
                pick = random_()
                if pick < UNDATED_SHARE:  # the claim's day, from its first chain's innermost link
                    first_day, last_day, as_of, precision = day, day, None, ""
                elif pick < day_below:
                    first_day, last_day, as_of, precision = figure_day, figure_day, dates[figure_day], "day"
                elif pick < month_below:
                    first_day, last_day = months[figure_day]
                    as_of, precision = dates[first_day], "month"
                else:
                    first_day, last_day = years[figure_day]
                    as_of, precision = dates[first_day], "year"
                qualifier, value, lower, upper = _agreeing(rng, metric.truth(first_day), metric.truth(last_day))
            add_figure(
                (
                    next_figure,
                    pk,
                    position,
                    metric.pk,
                    qualifier,
                    # Whole numbers as ints: psycopg writes them to a numeric column as numeric,
                    # several times faster than a Decimal.
                    value,
                    lower,
                    upper,
                    as_of,
                    precision,
                )
            )
            next_figure += 1
        chains = 0 if random_() < NO_CHAIN_SHARE else 1 + int(random_() * 3)
        documented, weak = False, True
        for position in range(chains):
            add_attribution((next_attr, pk, position))
            length = 1 + int(random_() * 4)
            for link_position in range(length):
                source_id, source_weak = sources[int(random_() * n_sources)]
                document_id = date = None
                precision = ""
                if link_position == 0 and random_() < 0.8:
                    lo, hi = doc_from[day], lag_end[day]
                    if hi > lo:
                        document_id, published = documents[lo + int(random_() * (hi - lo))]
                    else:  # none within the lag (a small data set): the next one, else the last
                        document_id, published = documents[min(lo, len(documents) - 1)]
                    date, precision = dates[published], "day"
                    documented = True
                if link_position == length - 1:
                    # The origin spoke on the claim's day: the date undated figures fall back to.
                    date, precision = dates[day], "day"
                    weak = weak and source_weak
                add_link(
                    (
                        next_link,
                        next_attr,
                        link_position,
                        source_id,
                        VERBS[int(random_() * 6)],
                        document_id,
                        date,
                        precision,
                    )
                )
                next_link += 1
            next_attr += 1
        if status in REVIEWABLE:
            if not chains:
                no_attribution += 1
            else:
                no_document += not documented
                low_reliability += weak
        if not (n + 1) % BLOCK:
            for sink, rows in zip(sinks, blocks, strict=True):
                sink.extend(rows)
                rows.clear()
            if progress and not (n + 1) % 10_000:
                progress("claims", n + 1, plan.claims)
    for sink, rows in zip(sinks, blocks, strict=True):
        sink.extend(rows)
        sink.flush()
    counts.update(
        claims=plan.claims,
        figures=next_figure - first_figure,
        attributions=next_attr - first_attr,
        links=next_link - first_link,
        claim_tags=next_tag - first_tag,
        no_attribution_claims=no_attribution,
        no_document_claims=no_document,
        low_reliability_claims=low_reliability,
    )
    if copier is not None:
        copier.drain()
    if progress:
        progress("claims", plan.claims, plan.claims)
    counts["seconds"] = round(time.monotonic() - started, 2)


def _first_index_per_day(documents: list[tuple[int, int]], days: int) -> list[int]:
    """For each day index, the index of the first document published on it or later."""
    out: list[int] = []
    position = 0
    for day in range(days + 1):
        while position < len(documents) and documents[position][1] < day:
            position += 1
        out.append(position)
    return out
