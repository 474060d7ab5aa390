"""Bundle import: validate everything, then write everything in one transaction, or nothing.

Records are upserted by key in batches with bulk queries (history rows included, naming the
user), so the work per claim is a fixed handful of rows whatever the bundle's size, and memory
holds one batch plus the key -> id maps that references need.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from claims.bundle.checking import CLAIM_BATCH, CLAIMS, REFERENCED, batches, bundle_checks, check_section
from claims.bundle.errors import BundleError, BundleInvalid
from claims.bundle.history import acting_user
from claims.bundle.inserts import (
    CLAIM_HISTORY_TABLES,
    CLAIM_TABLES,
    WRITTEN_TABLES,
    ClaimTags,
    CopyInserts,
    inserts_for,
)
from claims.bundle.lookups import holds_fewer_rows, rows_key_share, stored_ids
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
from claims.collector import fewer_collections
from claims.copyload import BackgroundCopy, foreign_key_triggers_off, secondary_indexes_dropped
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from claims.queueing import checks_enqueue
from sources.models import Document, Source

Progress = Callable[[str, int, int], None]
BATCH = 1000
# From this many claims up, an import into claim tables that hold fewer rows than it brings drops
# their secondary indexes and builds them again before commit (see BundleWriter.indexes_dropped).
BULK_CLAIMS = 10_000
MODELS: dict[str, type[models.Model]] = {"source": Source, "document": Document, "metric": Metric, "claim": Claim}


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
    top, errors = reader.top(progress)
    if errors:
        return errors
    checker = BundleChecker()
    if checker.check_top(top):
        for section in SECTIONS:
            check_section(reader, checker, top, section, progress)
    return checker.finish()


def bundle_import(
    *, data: dict, user: Any = None, progress: Progress | None = None, fast: bool = True,
    check_apart: bool | None = None,
) -> ImportResult:
    """Import a bundle held in memory. Raises BundleInvalid with every error and writes nothing
    when anything is wrong; the `flags` section is ignored (the checks recompute flags).
    `fast=False` keeps to the portable ORM path on PostgreSQL too (for comparing the two)."""
    return reader_import(DictReader(data), user=user, progress=progress, fast=fast, check_apart=check_apart)


def bundle_import_stream(
    *, stream: IO[bytes], user: Any = None, progress: Progress | None = None, check_apart: bool | None = None
) -> ImportResult:
    """Import a bundle from a seekable binary file, in bounded memory."""
    return reader_import(FileReader(stream), user=user, progress=progress, check_apart=check_apart)


def reader_import(
    reader: BundleReader, *, user: Any = None, progress: Progress | None = None, fast: bool = True,
    check_apart: bool | None = None,
) -> ImportResult:
    """Check and write in one transaction. Sources, documents and metrics (what records point at,
    usually few) are checked whole before any is written, since a source's parent line needs them
    all. Claims (usually most of the file) go in batches: each is written once it is known clean,
    so that on PostgreSQL the checks of one batch run while the database stores the one before.
    Any error stops the writing; the rest is still checked, so that every error is named, and the
    transaction is rolled back. A large bundle is checked in a second process beside the writing
    one (checking.bundle_checks; `check_apart` forces the choice either way)."""
    top, errors = reader.top(progress)
    if errors:
        raise BundleInvalid(errors)
    checker = BundleChecker()
    if not checker.check_top(top):
        raise BundleInvalid(checker.finish())
    # The collector's setting comes first so that a checking process inherits it with the fork,
    # and the checks start before the writer's copy thread (a fork copies only this thread).
    with (
        fewer_collections(),
        bundle_checks(reader, top, checker, progress, apart=check_apart) as checks,
        transaction.atomic(),
        acting_user(user),
    ):
        writer = BundleWriter(user=user, progress=progress, fast=fast)
        with writer.bulk(), ExitStack() as bulk:
            clean = checks.referenced()
            if clean:
                for section in REFERENCED:
                    writer.write_section(section, reader.records(section), total=reader.count(section))
            if isinstance(top.get(CLAIMS), list):
                total, done = reader.count(CLAIMS), 0
                if clean:
                    bulk.enter_context(writer.indexes_dropped(total))
                for batch in batches(reader.records(CLAIMS), CLAIM_BATCH):
                    if checks.claims(done, batch):
                        writer.write_batch(CLAIMS, batch)
                    elif not checks.reads_claims:
                        break  # the other process checks the rest and names what is wrong
                    done += len(batch)
                    if progress:
                        progress(f"importing {CLAIMS}", done, total)
            errors = checks.finish()
            if errors:
                raise BundleInvalid(errors)
            writer.finish()
    return writer.result


class BundleWriter:
    """Writes validated records. Use inside a transaction; call finish() at the end."""

    def __init__(self, *, user: Any = None, progress: Progress | None = None, fast: bool = True) -> None:
        self.user = user if getattr(user, "pk", None) else None
        # New rows go through COPY on PostgreSQL (unless fast=False); updates always use the ORM.
        self.inserts = inserts_for(self.user, fast=fast)
        self.progress = progress
        self.result = ImportResult()
        self.ids: dict[str, dict[str, int]] = {kind: {} for kind in MODELS}
        self._pending_parents: list[tuple[str, str]] = []
        self.touched_claims: set[int] = set()
        self.touched_metrics: set[int] = set()
        self.changed_sources: set[int] = set()
        # claim id -> id of the history row this batch wrote for it (its tags are noted there).
        self._claim_history: dict[int, int] = {}
        self._tags: dict[str, int] = {}
        # Set while foreign-key triggers are off: stored rows the import points at are then locked
        # when looked up, as the triggers would have locked them.
        self._lock_references = False

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """For a whole import on the fast path: COPYs on a second thread while this one reads and
        shapes the next rows (copyload.BackgroundCopy), and per-row foreign-key checks off where
        allowed (copyload.foreign_key_triggers_off), the rows referred to locked instead."""
        if not isinstance(self.inserts, CopyInserts):
            yield
            return
        with (
            foreign_key_triggers_off(WRITTEN_TABLES) as off,
            BackgroundCopy() as background,
            self.inserts.copy_with(background),
        ):
            self._lock_references = off
            if off and self.user is not None:
                rows_key_share(get_user_model(), [self.user.pk])
            try:
                yield
            finally:
                self._lock_references = False

    def indexes_dropped(self, claims: int) -> AbstractContextManager[Any]:
        """For a fast-path import of `claims` claims: when that is many (BULK_CLAIMS) and more than
        the claim tables hold, drop their secondary indexes until the block ends (copyload.
        secondary_indexes_dropped), current and history tables each decided on their own. Building
        an index once is cheaper than growing it row by row when the import is most of the table;
        when the table is much bigger than the import, rebuilding it would cost more than it saves.
        The lookups the import makes meanwhile (by key, by claim) use unique indexes, which stay."""
        if not isinstance(self.inserts, CopyInserts) or claims < BULK_CLAIMS:
            return nullcontext()
        tables = [
            *(CLAIM_TABLES if holds_fewer_rows(Claim._meta.db_table, claims) else []),
            *(CLAIM_HISTORY_TABLES if holds_fewer_rows(Claim.history.model._meta.db_table, claims) else []),
        ]
        return secondary_indexes_dropped(tables) if tables else nullcontext()

    # -- driving ------------------------------------------------------------------------------
    def write_section(self, section: str, records: Iterable[dict], *, total: int = 0) -> None:
        done = 0
        for batch in batches(records, BATCH):
            self.write_batch(section, batch)
            done += len(batch)
            if self.progress:
                self.progress(f"writing {section}", done, total)

    def write_batch(self, section: str, batch: list[dict]) -> None:
        getattr(self, f"_write_{section}")(batch)

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
            known.update(stored_ids(MODELS[kind], "key", missing, key_share=self._lock_references))
        return known

    def _upsert(self, kind: str, rows: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, int], dict[str, int]]:
        """Create or update by key, locking the stored rows until the transaction ends."""
        return self._apply(kind, rows, self._stored_for_update(MODELS[kind], [key for key, _ in rows]))

    @staticmethod
    def _stored_for_update(model: type[models.Model], keys: list[str]) -> dict[str, models.Model]:
        """The stored rows among these keys, locked until the transaction ends. A cheap look first:
        in a large import most keys are new, and instances are built only for the ones that are not."""
        found = stored_ids(model, "key", keys)
        if not found:
            return {}
        return {obj.key: obj for obj in model.objects.select_for_update().filter(key__in=list(found))}

    def _apply(
        self, kind: str, rows: list[tuple[str, dict[str, Any]]], existing: dict[str, models.Model],
        *, force: frozenset[str] | set[str] = frozenset(),
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Rows whose values are already stored are left alone (no new version, no history row)
        unless named in `force`: a claim whose figures changed is a changed claim. Returns the
        keys and ids of the new rows and of the changed rows."""
        model = MODELS[kind]
        new: list[dict[str, Any]] = []
        changed: list[models.Model] = []
        fields_changed: set[str] = set()
        now = timezone.now()
        for key, values in rows:
            obj = existing.get(key)
            if obj is None:
                new.append({"key": key, **values})
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
        new_ids: dict[str, int] = {}
        if new:
            ids, history_ids = self.inserts.records(model, new)
            new_ids = {values["key"]: pk for values, pk in zip(new, ids, strict=True)}
            if kind == "claim":
                self._claim_history.update(zip(ids, history_ids, strict=True))
        if changed:
            model.objects.bulk_update(changed, [*sorted(fields_changed), "version", "updated_at"], batch_size=BATCH)
            history = model.history.bulk_history_create(changed, batch_size=BATCH, update=True, default_user=self.user)
            if kind == "claim":
                self._claim_history.update({row.id: row.history_id for row in history})
        changed_ids = {obj.key: obj.pk for obj in changed}
        self.result.created[kind] += len(new)
        self.result.updated[kind] += len(changed)
        if kind != "claim":
            # Nothing points at a claim by key: keeping claims' ids would only grow with the file.
            self.ids[kind].update(new_ids)
            self.ids[kind].update((key, obj.pk) for key, obj in existing.items())
        return new_ids, changed_ids

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
        self.changed_sources.update(changed.values())

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
        self.touched_metrics.update(new.values())
        self.touched_metrics.update(changed.values())

    def _write_claims(self, batch: list[dict]) -> None:
        self._claim_history.clear()  # only this batch's claims get tags written below
        # Everything up to the writes reads only what was stored before this import or is named by
        # this batch alone (keys are unique in a bundle), never the rows of earlier batches that
        # may still be on their way: so these reads need not wait for them.
        with self.inserts.alongside():
            wanted, rows, model_rows, stored, replace = self._claims_plan(batch)
        new, changed = self._apply("claim", rows, model_rows, force=replace)

        replaced_ids = [model_rows[key].pk for key in replace]
        if replaced_ids:
            self.touched_metrics.update(m for figs, _, _ in (stored[i] for i in replaced_ids if i in stored)
                                        for m in (f[0] for f in figs))
            Figure.objects.filter(claim_id__in=replaced_ids).delete()
            Attribution.objects.filter(claim_id__in=replaced_ids).delete()
            ClaimTags.objects.filter(claim_id__in=replaced_ids).delete()
        fill = [*new.items(), *((key, model_rows[key].pk) for key in replace)]
        self._write_children([(pk, wanted[key]) for key, pk in fill])
        self.touched_claims.update(new.values())
        self.touched_claims.update(changed.values())
        self.touched_metrics.update(f[0] for key, _ in fill for f in wanted[key][0])

    def _claims_plan(self, batch: list[dict]) -> tuple[dict[str, tuple], list, dict, dict, set[str]]:
        """What the batch wants (figures, chains, tags per key, as stored tuples), what is stored
        under its keys (locked), which stored claims it changes; reserves the ids it will need."""
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
        model_rows = self._stored_for_update(Claim, list(wanted))
        stored = self._stored_children([obj.pk for obj in model_rows.values()])
        empty = ((), (), frozenset())
        replace = {key for key, obj in model_rows.items() if stored.get(obj.pk, empty) != wanted[key]}
        filled = [wanted[key] for key in wanted if key not in model_rows or key in replace]
        self.inserts.reserve({
            Claim: len(wanted) - len(model_rows),
            Figure: sum(len(figures) for figures, _, _ in filled),
            Attribution: sum(len(chains) for _, chains, _ in filled),
            AttributionLink: sum(len(chain) for _, chains, _ in filled for chain in chains),
            ClaimTags: sum(len(tags) for _, _, tags in filled),
        })
        return wanted, rows, model_rows, stored, replace

    def _tag_ids(self, names: set[str]) -> dict[str, int]:
        known = self._tags
        unknown = names - set(known)
        if unknown:
            known.update(stored_ids(Tag, "name", unknown, key_share=self._lock_references))
            missing = unknown - set(known)
            if missing:
                Tag.objects.bulk_create([Tag(name=name) for name in sorted(missing)], ignore_conflicts=True)
                known.update(stored_ids(Tag, "name", missing))
        return known

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
            (claim_id, position, *values)
            for claim_id, (figs, _, _) in claims
            for position, values in enumerate(figs)
        ]
        attributions = [
            (claim_id, position) for claim_id, (_, chains, _) in claims for position in range(len(chains))
        ]
        self.inserts.children(Figure, ("claim_id", "position", *FIGURE_COLUMNS), figures)
        attribution_ids = self.inserts.children(Attribution, ("claim_id", "position"), attributions)
        chains = [chain for _, (_, claim_chains, _) in claims for chain in claim_chains]
        links = [
            (attribution_id, position, *values)
            for attribution_id, chain in zip(attribution_ids, chains, strict=True)
            for position, values in enumerate(chain)
        ]
        self.inserts.children(AttributionLink, ("attribution_id", "position", *LINK_COLUMNS), links)
        self.inserts.claim_tags(
            [(claim_id, tag_id) for claim_id, (_, _, tags) in claims for tag_id in tags], self._claim_history
        )
