"""Bundle import: validate everything, then write everything in one transaction, or nothing.

Records are upserted by key in batches with bulk queries (history rows included, naming the
user), so the work per claim is a fixed handful of rows whatever the bundle's size, and memory
holds one batch plus the key -> id maps that references need.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import IO, Any

from django.db import models, transaction
from django.utils import timezone

from claims.bundle.errors import BundleError, BundleInvalid
from claims.bundle.history import acting_user
from claims.bundle.reader import BundleReader, DictReader, FileReader
from claims.bundle.records import (
    FIGURE_COLUMNS,
    LINK_COLUMNS,
    claim_fields,
    document_fields,
    figure_values,
    link_values,
    metric_fields,
    source_fields,
)
from claims.bundle.schema import SECTIONS
from claims.bundle.validation import BundleChecker
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from claims.queueing import checks_enqueue
from sources.models import Document, Source

Progress = Callable[[str, int, int], None]
BATCH = 1000
MODELS: dict[str, type[models.Model]] = {"source": Source, "document": Document, "metric": Metric, "claim": Claim}
ClaimTags = Claim.tags.through
HistoricalClaimTags = Claim.history.model._meta.get_field("historicalclaim_tags").related_model


@dataclass
class ImportResult:
    """Counts per record type (source, document, metric, claim)."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODELS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODELS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODELS, 0))

    def summary(self) -> str:
        return "; ".join(
            f"{kind}s: {self.created[kind]} created, {self.updated[kind]} updated, {self.unchanged[kind]} unchanged"
            for kind in MODELS
        )


def reader_validate(reader: BundleReader, progress: Progress | None = None) -> list[BundleError]:
    """Every error of a bundle, reading it section by section."""
    top, errors = reader.top()
    if errors:
        return errors
    checker = BundleChecker()
    if checker.check_top(top):
        for section in SECTIONS:
            if not isinstance(top.get(section), list):
                continue
            total = reader.count(section)
            for index, record in enumerate(reader.records(section)):
                checker.check_record(section, index, record)
                if progress and (index + 1) % BATCH == 0:
                    progress(f"checking {section}", index + 1, total)
    return checker.finish()


def bundle_import(*, data: dict, user: Any = None, progress: Progress | None = None) -> ImportResult:
    """Import a bundle held in memory. Raises BundleInvalid with every error and writes nothing
    when anything is wrong; the `flags` section is ignored (the checks recompute flags)."""
    return reader_import(DictReader(data), user=user, progress=progress)


def bundle_import_stream(*, stream: IO[bytes], user: Any = None, progress: Progress | None = None) -> ImportResult:
    """Import a bundle from a seekable binary file, in bounded memory."""
    return reader_import(FileReader(stream), user=user, progress=progress)


def reader_import(reader: BundleReader, *, user: Any = None, progress: Progress | None = None) -> ImportResult:
    with transaction.atomic(), acting_user(user):
        # Validating inside the transaction keeps the stored keys it relied on in view.
        errors = reader_validate(reader, progress)
        if errors:
            raise BundleInvalid(errors)
        writer = BundleWriter(user=user, progress=progress)
        for section in SECTIONS:
            writer.write_section(section, reader.records(section), total=reader.count(section))
        writer.finish()
    return writer.result


def _batches(records: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


class BundleWriter:
    """Writes validated records. Use inside a transaction; call finish() at the end."""

    def __init__(self, *, user: Any = None, progress: Progress | None = None) -> None:
        self.user = user if getattr(user, "pk", None) else None
        self.progress = progress
        self.result = ImportResult()
        self.ids: dict[str, dict[str, int]] = {kind: {} for kind in MODELS}
        self._pending_parents: list[tuple[str, str]] = []
        self.touched_claims: set[int] = set()
        self.touched_metrics: set[int] = set()
        self.changed_sources: set[int] = set()
        # claim id -> id of the history row this import wrote for it (its tags are noted there).
        self._claim_history: dict[int, int] = {}

    # -- driving ------------------------------------------------------------------------------
    def write_section(self, section: str, records: Iterable[dict], *, total: int = 0) -> None:
        write = getattr(self, f"_write_{section}")
        done = 0
        for batch in _batches(records):
            write(batch)
            done += len(batch)
            if self.progress:
                self.progress(f"writing {section}", done, total)

    def finish(self) -> None:
        self._fix_parents()
        claims, metrics, sources = self.touched_claims, self.touched_metrics, self.changed_sources
        if sources:
            # A new grade or parent changes the verdict on every claim whose chain names it.
            claims |= set(
                AttributionLink.objects.filter(source_id__in=sources).values_list("attribution__claim_id", flat=True)
            )
        if claims or metrics:
            transaction.on_commit(partial(checks_enqueue, claim_ids=sorted(claims), metric_ids=sorted(metrics)))

    # -- helpers ------------------------------------------------------------------------------
    def resolve(self, kind: str, keys: Iterable[str | None]) -> dict[str, int]:
        """Ids for keys, from this import or the database (one query for the ones not seen)."""
        known = self.ids[kind]
        missing = {key for key in keys if key and key not in known}
        if missing:
            known.update(MODELS[kind].objects.filter(key__in=missing).values_list("key", "id"))
        return known

    def _upsert(
        self, kind: str, rows: list[tuple[str, dict[str, Any]]]
    ) -> tuple[list[models.Model], list[models.Model]]:
        """Create or update by key, locking the stored rows until the transaction ends."""
        model = MODELS[kind]
        existing = {obj.key: obj for obj in model.objects.select_for_update().filter(key__in=[k for k, _ in rows])}
        return self._apply(kind, rows, existing)

    def _apply(
        self, kind: str, rows: list[tuple[str, dict[str, Any]]], existing: dict[str, models.Model],
        *, force: frozenset[str] | set[str] = frozenset(),
    ) -> tuple[list[models.Model], list[models.Model]]:
        """Rows whose values are already stored are left alone (no new version, no history row)
        unless named in `force`: a claim whose figures changed is a changed claim. Returns the
        new rows and the changed rows."""
        model = MODELS[kind]
        new: list[models.Model] = []
        changed: list[models.Model] = []
        fields_changed: set[str] = set()
        now = timezone.now()
        for key, values in rows:
            obj = existing.get(key)
            if obj is None:
                new.append(model(key=key, **values))
                continue
            diff = [name for name, value in values.items() if getattr(obj, name) != value]
            if not diff and key not in force:
                self.result.unchanged[kind] += 1
                continue
            for name in diff:
                setattr(obj, name, values[name])
            fields_changed.update(diff)
            obj.version += 1
            obj.updated_at = now
            changed.append(obj)
        if new:
            model.objects.bulk_create(new, batch_size=BATCH)
            history = model.history.bulk_history_create(new, batch_size=BATCH, default_user=self.user)
            if kind == "claim":
                self._claim_history.update({row.id: row.history_id for row in history})
        if changed:
            model.objects.bulk_update(changed, [*sorted(fields_changed), "version", "updated_at"], batch_size=BATCH)
            history = model.history.bulk_history_create(changed, batch_size=BATCH, update=True, default_user=self.user)
            if kind == "claim":
                self._claim_history.update({row.id: row.history_id for row in history})
        self.result.created[kind] += len(new)
        self.result.updated[kind] += len(changed)
        self.ids[kind].update((obj.key, obj.pk) for obj in (*new, *changed))
        self.ids[kind].update((key, obj.pk) for key, obj in existing.items())
        return new, changed

    # -- sections -----------------------------------------------------------------------------
    def _write_sources(self, batch: list[dict]) -> None:
        ids = self.resolve("source", [record.get("parent") for record in batch])
        rows = []
        for record in batch:
            values = source_fields(record)
            parent = record.get("parent")
            if parent and parent not in ids:
                # Its parent comes later in the bundle: linked once every source exists.
                self._pending_parents.append((record["key"], parent))
            else:
                values["parent_id"] = ids.get(parent) if parent else None
            rows.append((record["key"], values))
        _, changed = self._upsert("source", rows)
        self.changed_sources.update(obj.pk for obj in changed)

    def _fix_parents(self) -> None:
        if not self._pending_parents:
            return
        ids = self.resolve("source", [parent for _, parent in self._pending_parents])
        wanted = {ids[child]: ids[parent] for child, parent in self._pending_parents}
        sources = list(Source.objects.filter(pk__in=wanted))
        changed = [source for source in sources if source.parent_id != wanted[source.pk]]
        for source in changed:
            source.parent_id = wanted[source.pk]
        if changed:
            Source.objects.bulk_update(changed, ["parent"], batch_size=BATCH)
            Source.history.bulk_history_create(changed, batch_size=BATCH, update=True, default_user=self.user)
            self.changed_sources.update(source.pk for source in changed)

    def _write_documents(self, batch: list[dict]) -> None:
        ids = self.resolve("source", [record.get("publisher") for record in batch])
        rows = []
        for record in batch:
            values = document_fields(record)
            values["publisher_id"] = ids[record["publisher"]] if record.get("publisher") else None
            rows.append((record["key"], values))
        self._upsert("document", rows)

    def _write_metrics(self, batch: list[dict]) -> None:
        new, changed = self._upsert("metric", [(record["key"], metric_fields(record)) for record in batch])
        self.touched_metrics.update(obj.pk for obj in (*new, *changed))

    def _write_claims(self, batch: list[dict]) -> None:
        metric_ids = self.resolve("metric", [f["metric"] for r in batch for f in r.get("figures", [])])
        links = [link for r in batch for a in r.get("attributions", []) for link in a["chain"]]
        source_ids = self.resolve("source", [link["source"] for link in links])
        document_ids = self.resolve("document", [link.get("document") for link in links])
        tag_ids = self._tag_ids({tag for r in batch for tag in r.get("tags", [])})

        wanted: dict[str, tuple] = {}
        for record in batch:
            figures = tuple(figure_values(f, metric_ids[f["metric"]]) for f in record.get("figures", []))
            chains = tuple(
                tuple(
                    link_values(link, source_ids[link["source"]], document_ids.get(link.get("document")))
                    for link in attribution["chain"]
                )
                for attribution in record.get("attributions", [])
            )
            wanted[record["key"]] = (figures, chains, frozenset(tag_ids[t] for t in record.get("tags", [])))

        rows = [(record["key"], claim_fields(record)) for record in batch]
        model_rows = {obj.key: obj for obj in Claim.objects.select_for_update().filter(key__in=list(wanted))}
        stored = self._stored_children([obj.pk for obj in model_rows.values()])
        empty = ((), (), frozenset())
        replace = {key for key, obj in model_rows.items() if stored.get(obj.pk, empty) != wanted[key]}
        new, changed = self._apply("claim", rows, model_rows, force=replace)

        replaced_ids = [model_rows[key].pk for key in replace]
        if replaced_ids:
            self.touched_metrics.update(m for figs, _, _ in (stored[i] for i in replaced_ids if i in stored)
                                        for m in (f[0] for f in figs))
            Figure.objects.filter(claim_id__in=replaced_ids).delete()
            Attribution.objects.filter(claim_id__in=replaced_ids).delete()
            ClaimTags.objects.filter(claim_id__in=replaced_ids).delete()
        fill = [*new, *(model_rows[key] for key in replace)]
        self._write_children([(obj.pk, wanted[obj.key]) for obj in fill])
        self.touched_claims.update(obj.pk for obj in (*new, *changed))
        self.touched_metrics.update(f[0] for obj in fill for f in wanted[obj.key][0])

    def _tag_ids(self, names: set[str]) -> dict[str, int]:
        if not names:
            return {}
        found = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
        missing = names - set(found)
        if missing:
            Tag.objects.bulk_create([Tag(name=name) for name in sorted(missing)], ignore_conflicts=True)
            found.update(Tag.objects.filter(name__in=missing).values_list("name", "id"))
        return found

    def _stored_children(self, claim_ids: list[int]) -> dict[int, tuple]:
        """What the table holds for these claims, in the shape records.figure_values and
        link_values give, so that a claim re-imported as it was is recognised as unchanged."""
        if not claim_ids:
            return {}
        figures: dict[int, list[tuple]] = defaultdict(list)
        for row in Figure.objects.filter(claim_id__in=claim_ids).order_by("claim_id", "position").values_list(
            "claim_id", *FIGURE_COLUMNS
        ):
            figures[row[0]].append(row[1:])
        chains: dict[int, dict[int, list[tuple]]] = defaultdict(lambda: defaultdict(list))
        for row in AttributionLink.objects.filter(attribution__claim_id__in=claim_ids).order_by(
            "attribution__claim_id", "attribution__position", "position"
        ).values_list("attribution__claim_id", "attribution_id", *LINK_COLUMNS):
            chains[row[0]][row[1]].append(row[2:])
        tags: dict[int, set[int]] = defaultdict(set)
        for claim_id, tag_id in ClaimTags.objects.filter(claim_id__in=claim_ids).values_list("claim_id", "tag_id"):
            tags[claim_id].add(tag_id)
        return {
            claim_id: (
                tuple(figures.get(claim_id, ())),
                tuple(tuple(links) for links in chains[claim_id].values()) if claim_id in chains else (),
                frozenset(tags.get(claim_id, ())),
            )
            for claim_id in claim_ids
        }

    def _write_children(self, claims: list[tuple[int, tuple]]) -> None:
        figures = [
            Figure(claim_id=claim_id, position=position, **dict(zip(FIGURE_COLUMNS, values, strict=True)))
            for claim_id, (figs, _, _) in claims
            for position, values in enumerate(figs)
        ]
        attributions = [
            Attribution(claim_id=claim_id, position=position)
            for claim_id, (_, chains, _) in claims
            for position in range(len(chains))
        ]
        self._create(Figure, figures)
        self._create(Attribution, attributions)
        chains = [chain for _, (_, claim_chains, _) in claims for chain in claim_chains]
        links = [
            AttributionLink(attribution_id=attribution.pk, position=position,
                            **dict(zip(LINK_COLUMNS, values, strict=True)))
            for attribution, chain in zip(attributions, chains, strict=True)
            for position, values in enumerate(chain)
        ]
        self._create(AttributionLink, links)
        tag_rows = [ClaimTags(claim_id=claim_id, tag_id=tag_id) for claim_id, (_, _, tags) in claims for tag_id in tags]
        if tag_rows:
            ClaimTags.objects.bulk_create(tag_rows, batch_size=BATCH)
            # The claim's history row of this import lists its tags, as a save in the admin would.
            HistoricalClaimTags.objects.bulk_create(
                [
                    HistoricalClaimTags(
                        id=row.pk, claim_id=row.claim_id, tag_id=row.tag_id,
                        history_id=self._claim_history[row.claim_id],
                    )
                    for row in tag_rows
                    if row.claim_id in self._claim_history
                ],
                batch_size=BATCH,
            )

    def _create(self, model: type[models.Model], objs: list[models.Model]) -> None:
        if objs:
            model.objects.bulk_create(objs, batch_size=BATCH)
            model.history.bulk_history_create(objs, batch_size=BATCH, default_user=self.user)

