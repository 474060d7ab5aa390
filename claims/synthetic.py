"""A synthetic newsroom: sources in parent lines, documents, metrics, claims with figures and chains.

Used by the benchmarks and the scale tests. Values follow a per-metric "true" trajectory with noise,
and a known share of figures are outliers (three times too high or too low) so that the checks have
conflicts to find; a known share of claims have no chain or no document (unverified codes).

On PostgreSQL the rows are streamed with COPY; elsewhere they go through bulk_create. Rows are built
from each model's concrete fields, so a column added later with a default needs no change here.
History is not written for synthetic rows: they are fixtures, not editorial work.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models, transaction

from claims.copyload import Table, sink_for
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from sources.models import Document, Source

Progress = Callable[[str, int, int], None]

START_DAY = dt.date(2023, 1, 1)
SPAN_DAYS = 3 * 365
KINDS = ["news_agency", "news_outlet", "broadcaster", "state_media", "government", "legislator",
         "military", "intelligence_agency", "ngo", "research", "person", "anonymous_officials"]
GRADES = ["A", "B", "C", "D", "E", "F", "", ""]
VERBS = ["reported", "said", "citing", "quoted", "estimated", "posted"]
TAGS = ["russia-ukraine", "north-korea", "casualties", "deployment", "economy"]
OUTLIER_SHARE = 0.02
NO_CHAIN_SHARE = 0.05


@dataclass
class SyntheticPlan:
    claims: int
    seed: int = 1
    hot_metric_figures: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def sources(self) -> int:
        return min(20_000, max(20, self.claims // 100))

    @property
    def documents(self) -> int:
        return max(10, self.claims // 4)

    @property
    def metrics(self) -> int:
        return max(3, self.claims // 100)


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
                f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))"
            )


def _partial(rng: random.Random, day: dt.date) -> tuple[dt.date, str]:
    pick = rng.random()
    if pick < 0.7:
        return day, "day"
    if pick < 0.95:
        return day.replace(day=1), "month"
    return day.replace(month=1, day=1), "year"


def generate(plan: SyntheticPlan, *, progress: Progress | None = None) -> dict[str, int]:
    """Write the synthetic data set in one transaction; returns the row counts per table."""
    rng = random.Random(plan.seed)
    counts: dict[str, int] = dict.fromkeys(
        ["sources", "documents", "metrics", "claims", "figures", "attributions", "links", "claim_tags"], 0
    )
    with transaction.atomic():
        _skip_fk_triggers()
        ids = _next_ids(Source, Document, Metric, Claim, Figure, Attribution, AttributionLink, Tag)
        run = f"{plan.seed}-{ids[Source]}-{ids[Claim]}"  # keys stay unique when several data sets are generated
        tag_ids = _tags()
        source_ids = _sources(rng, plan, ids[Source], run, counts)
        document_ids = _documents(rng, plan, ids[Document], run, source_ids, counts)
        metric_rows = _metrics(rng, plan, ids[Metric], run, counts)
        _claims(rng, plan, ids, run, source_ids, document_ids, metric_rows, tag_ids, counts, progress)
        _reset_sequences(Source, Document, Metric, Claim, Figure, Attribution, AttributionLink)
    plan.counts = counts
    return counts


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


def _sources(rng, plan, first_id, run, counts) -> list[int]:
    sink = sink_for(Table(Source))
    ids: list[int] = []
    for n in range(plan.sources):
        pk = first_id + n
        # A third of sources are roots; the rest hang below an earlier source (parent lines of 1-4).
        parent = rng.choice(ids) if ids and rng.random() > 0.33 else None
        grade = rng.choice(GRADES)
        sink.write({"id": pk, "key": f"s-{run}-{n}", "name": f"Synthetic source {n}", "kind": rng.choice(KINDS),
                    "country": rng.choice(["KR", "KP", "US", "GB", "UA", "RU", ""]), "parent_id": parent,
                    "reliability": grade})
        ids.append(pk)
    sink.close()
    counts["sources"] = plan.sources
    return ids


def _documents(rng, plan, first_id, run, source_ids, counts) -> list[tuple[int, dt.date]]:
    sink = sink_for(Table(Document))
    docs = []
    for n in range(plan.documents):
        pk = first_id + n
        day = START_DAY + dt.timedelta(days=rng.randrange(SPAN_DAYS))
        sink.write({"id": pk, "key": f"d-{run}-{n}", "title": f"Synthetic report {n}",
                    "url": f"https://news.example.org/{run}/{n}", "publisher_id": rng.choice(source_ids),
                    "published": day, "published_precision": "day", "language": "en"})
        docs.append((pk, day))
    sink.close()
    counts["documents"] = plan.documents
    return docs


@dataclass
class _MetricRow:
    pk: int
    cumulative: bool
    base: float
    growth: float
    weight: float


def _metrics(rng, plan, first_id, run, counts) -> list[_MetricRow]:
    sink = sink_for(Table(Metric))
    rows = []
    for n in range(plan.metrics):
        pk = first_id + n
        cumulative = rng.random() < 0.5
        sink.write({"id": pk, "key": f"m-{run}-{n}", "name": f"Synthetic metric {n}", "unit": "people",
                    "cumulative": cumulative, "tolerance": Decimal("0.1"), "window_days": 31})
        rows.append(_MetricRow(pk, cumulative, rng.uniform(100, 100_000), rng.uniform(0.0005, 0.003), 1.0))
    sink.close()
    counts["metrics"] = plan.metrics
    return rows


def _value(rng: random.Random, metric: _MetricRow, day_index: int) -> float:
    truth = metric.base * (1 + metric.growth * day_index) if metric.cumulative else metric.base
    if rng.random() < OUTLIER_SHARE:
        return truth * rng.choice([3.0, 1 / 3])
    return truth * rng.uniform(0.97, 1.03)


def _figure_values(rng: random.Random, raw: float) -> dict:
    pick = rng.random()
    value = Decimal(round(raw))
    if pick < 0.5:
        return {"qualifier": "approximate", "value": value}
    if pick < 0.7:
        return {"qualifier": "exact", "value": value}
    if pick < 0.8:
        return {"qualifier": "at_least", "value": Decimal(round(raw * 0.9))}
    if pick < 0.85:
        return {"qualifier": "more_than", "value": Decimal(round(raw * 0.9))}
    if pick < 0.9:
        return {"qualifier": "at_most", "value": Decimal(round(raw * 1.1))}
    return {"qualifier": "range", "lower": Decimal(round(raw * 0.9)), "upper": Decimal(round(raw * 1.1))}


def _claims(rng, plan, ids, run, source_ids, document_ids, metric_rows, tag_ids, counts, progress) -> None:
    claim_sink = sink_for(Table(Claim))
    figure_sink = sink_for(Table(Figure))
    attribution_sink = sink_for(Table(Attribution))
    link_sink = sink_for(Table(AttributionLink))
    tag_through = Claim.tags.through
    tag_sink = sink_for(Table(tag_through))
    next_figure, next_attr, next_link = ids[Figure], ids[Attribution], ids[AttributionLink]
    next_tag = (tag_through.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
    statuses = ["unreviewed"] * 7 + ["in_review", "accurate", "misleading"]
    hot = metric_rows[0] if plan.hot_metric_figures else None
    hot_left = plan.hot_metric_figures
    started = time.monotonic()
    for n in range(plan.claims):
        pk = ids[Claim] + n
        claim_sink.write({"id": pk, "key": f"c-{run}-{n}", "text": f"Synthetic claim {n} about a reported figure.",
                          "language": "en", "status": rng.choice(statuses)})
        for t in rng.sample(tag_ids, rng.randrange(3)):
            tag_sink.write({"id": next_tag, "claim_id": pk, "tag_id": t})
            next_tag += 1
            counts["claim_tags"] += 1
        for position in range(rng.randint(1, 3)):
            if hot is not None and hot_left > 0:
                metric, hot_left = hot, hot_left - 1
            else:
                metric = rng.choice(metric_rows)
            day_index = rng.randrange(SPAN_DAYS)
            row = {"id": next_figure, "claim_id": pk, "position": position, "metric_id": metric.pk,
                   **_figure_values(rng, _value(rng, metric, day_index))}
            if rng.random() < 0.8:
                as_of, precision = _partial(rng, START_DAY + dt.timedelta(days=day_index))
                row.update(as_of=as_of, as_of_precision=precision)
            figure_sink.write(row)
            next_figure += 1
            counts["figures"] += 1
        chains = 0 if rng.random() < NO_CHAIN_SHARE else rng.randint(1, 3)
        for position in range(chains):
            attribution_sink.write({"id": next_attr, "claim_id": pk, "position": position})
            for link_position in range(rng.randint(1, 4)):
                link = {"id": next_link, "attribution_id": next_attr, "position": link_position,
                        "source_id": rng.choice(source_ids), "verb": rng.choice(VERBS)}
                if link_position == 0 and rng.random() < 0.8:
                    doc_id, day = rng.choice(document_ids)
                    link.update(document_id=doc_id, date=day, date_precision="day")
                link_sink.write(link)
                next_link += 1
                counts["links"] += 1
            next_attr += 1
            counts["attributions"] += 1
        if progress and (n + 1) % 10_000 == 0:
            progress("claims", n + 1, plan.claims)
    counts["claims"] = plan.claims
    for sink in (claim_sink, figure_sink, attribution_sink, link_sink, tag_sink):
        sink.close()
    if progress:
        progress("claims", plan.claims, plan.claims)
    counts["seconds"] = round(time.monotonic() - started, 2)
