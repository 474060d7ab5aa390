"""How the bundle writer creates new rows and their history: two ways with one result.

`OrmInserts` goes through bulk_create and simple_history's bulk_history_create and works on every
database. `CopyInserts` is PostgreSQL's fast path: ids come from the sequences in blocks and rows
are streamed with COPY as plain tuples, history rows included, since building ~12 model instances
per claim was most of an import's time. Both write the same columns, the same '+' history rows
naming the same user and the same history of a claim's tags; tests/bundle/test_fast_path.py holds
them to that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol

from django.db import connection, models
from django.utils import timezone

from claims.copyload import (
    BackgroundCopy,
    HistoryTable,
    Row,
    Table,
    allocate_ids,
    allocate_many,
    copy_rows,
    history_user_id,
)
from claims.models import Attribution, AttributionLink, Claim, Figure, Metric, Tag
from sources.models import Document, Source

ClaimTags = Claim.tags.through
HistoricalClaimTags = Claim.history.model._meta.get_field("historicalclaim_tags").related_model
BATCH = 1000
# Every table an import may write to: foreign-key triggers are turned off for them only when none
# has a trigger of its own.
WRITTEN_TABLES = [
    table
    for model in (Source, Document, Metric, Claim, Figure, Attribution, AttributionLink)
    for table in (model._meta.db_table, model.history.model._meta.db_table)
] + [ClaimTags._meta.db_table, HistoricalClaimTags._meta.db_table, Tag._meta.db_table]
# The tables that grow with the claims (a claim's own rows and its parts'), current and history.
CLAIM_TABLES = [model._meta.db_table for model in (Claim, Figure, Attribution, AttributionLink, ClaimTags)]
CLAIM_HISTORY_TABLES = [
    model._meta.db_table
    for model in (Claim.history.model, Figure.history.model, Attribution.history.model,
                  AttributionLink.history.model, HistoricalClaimTags)
]


class Inserts(Protocol):
    def records(self, model: type[models.Model], rows: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
        """Create keyed records (sources, documents, metrics, claims) from column values; returns
        their ids and the ids of their history rows, in order."""
        ...

    def children(self, model: type[models.Model], attnames: Sequence[str], rows: list[Row]) -> list[int]:
        """Create rows of a claim's parts (figures, chains, links) given as tuples for `attnames`;
        returns their ids in order."""
        ...

    def reserve(self, counts: dict[type[models.Model], int]) -> None:
        """Say how many rows of each model the next writes will create (a hint)."""
        ...

    def alongside(self) -> AbstractContextManager[None]:
        """A block whose queries need not see the rows written so far (see BackgroundCopy)."""
        ...

    def claim_tags(self, pairs: list[tuple[int, int]], claim_history: dict[int, int]) -> None:
        """Tag claims ((claim id, tag id) pairs) and note the tags in each claim's history row of
        this import, as a save in the admin would."""
        ...


def inserts_for(user: Any, *, fast: bool = True) -> Inserts:
    return CopyInserts(user) if fast and connection.vendor == "postgresql" else OrmInserts(user)


class OrmInserts:
    def __init__(self, user: Any) -> None:
        self.user = user

    def reserve(self, counts: dict[type[models.Model], int]) -> None:
        """Nothing to do: bulk_create learns the ids from the database."""

    def alongside(self) -> AbstractContextManager[None]:
        return nullcontext()

    def records(self, model: type[models.Model], rows: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
        objs = [model(**values) for values in rows]
        return self._create(model, objs)

    def children(self, model: type[models.Model], attnames: Sequence[str], rows: list[Row]) -> list[int]:
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        return self._create(model, objs)[0]

    def _create(self, model: type[models.Model], objs: list[models.Model]) -> tuple[list[int], list[int]]:
        if not objs:
            return [], []
        model.objects.bulk_create(objs, batch_size=BATCH)
        history = model.history.bulk_history_create(objs, batch_size=BATCH, default_user=self.user)
        return [obj.pk for obj in objs], [row.history_id for row in history]

    def claim_tags(self, pairs: list[tuple[int, int]], claim_history: dict[int, int]) -> None:
        rows = [ClaimTags(claim_id=claim_id, tag_id=tag_id) for claim_id, tag_id in pairs]
        if not rows:
            return
        ClaimTags.objects.bulk_create(rows, batch_size=BATCH)
        HistoricalClaimTags.objects.bulk_create(
            [
                HistoricalClaimTags(id=row.pk, claim_id=row.claim_id, tag_id=row.tag_id,
                                    history_id=claim_history[row.claim_id])
                for row in rows
                if row.claim_id in claim_history
            ],
            batch_size=BATCH,
        )


class CopyInserts:
    """PostgreSQL only. Tables and shapers are made once per import, so the per-row work is one
    tuple built at C speed per table written. COPYs run at once, or on a BackgroundCopy's thread
    while one is attached (`copy_with`)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.now = timezone.now()
        self.copy: Callable[[Table, Sequence[Row]], None] = copy_rows
        self._background: BackgroundCopy | None = None
        self._reserved: dict[tuple[str, str], list[int]] = {}
        self._tables: dict[type[models.Model], tuple[Table, HistoryTable, int | None]] = {}
        self._shapers: dict[tuple[type[models.Model], tuple[str, ...]], Callable[[Row], Row]] = {}
        self._tags = Table(ClaimTags, now=self.now)
        self._tags_history = Table(HistoricalClaimTags, now=self.now, skip=("m2m_history_id",))
        self._tags_shape = self._tags.shaper(("id", "claim_id", "tag_id"))
        self._tags_history_shape = self._tags_history.shaper(("id", "claim_id", "tag_id", "history_id"))

    @contextmanager
    def copy_with(self, background: BackgroundCopy) -> Iterator[None]:
        self.copy = background.submit
        self._background = background
        try:
            yield
        finally:
            self.copy = copy_rows
            self._background = None

    def alongside(self) -> AbstractContextManager[None]:
        return self._background.alongside() if self._background else nullcontext()

    def reserve(self, counts: dict[type[models.Model], int]) -> None:
        """Take the ids the next writes of these models will need (claims also their history ids)
        in one query, rather than one query per table; with a BackgroundCopy attached, each query
        waits for the COPYs before it, so fewer queries keep the two threads busier."""
        wanted: dict[tuple[str, str], int] = {}
        for model, count in counts.items():
            wanted[(model._meta.db_table, "id")] = count
            if model is Claim:
                wanted[(Claim.history.model._meta.db_table, "history_id")] = count
        for key, ids in allocate_many(wanted).items():
            self._reserved.setdefault(key, []).extend(ids)

    def _ids(self, db_table: str, count: int, column: str = "id") -> list[int]:
        reserved = self._reserved.get((db_table, column), [])
        if len(reserved) >= count:
            taken, self._reserved[(db_table, column)] = reserved[:count], reserved[count:]
            return taken
        return allocate_ids(db_table, count, column)

    def _table(self, model: type[models.Model]) -> tuple[Table, HistoryTable, int | None]:
        if model not in self._tables:
            table = Table(model, now=self.now)
            history = HistoryTable(table, with_history_id=model is Claim)
            self._tables[model] = (table, history, history_user_id(model, self.user))
        return self._tables[model]

    def _write(self, model: type[models.Model], rows: list[Row]) -> list[int]:
        """Both tables of already shaped rows; returns the history ids when they were assigned here."""
        table, history, user_id = self._table(model)
        history_ids = self._ids(history.table.db_table, len(rows), "history_id") if history.with_history_id else []
        self.copy(table, rows)
        self.copy(history.table, history.rows(rows, user_id=user_id, date=timezone.now(), history_ids=history_ids))
        return history_ids

    def records(self, model: type[models.Model], rows: list[dict[str, Any]]) -> tuple[list[int], list[int]]:
        table = self._table(model)[0]
        ids = self._ids(table.db_table, len(rows))
        shaped = [table.row({**values, "id": pk}) for pk, values in zip(ids, rows, strict=True)]
        return ids, self._write(model, shaped)

    def children(self, model: type[models.Model], attnames: Sequence[str], rows: list[Row]) -> list[int]:
        if not rows:
            return []
        table = self._table(model)[0]
        key = (model, tuple(attnames))
        if key not in self._shapers:
            self._shapers[key] = table.shaper(("id", *attnames))
        shape = self._shapers[key]
        ids = self._ids(table.db_table, len(rows))
        self._write(model, [shape((pk, *row)) for pk, row in zip(ids, rows, strict=True)])
        return ids

    def claim_tags(self, pairs: list[tuple[int, int]], claim_history: dict[int, int]) -> None:
        if not pairs:
            return
        ids = self._ids(self._tags.db_table, len(pairs))
        shape, history_shape = self._tags_shape, self._tags_history_shape
        self.copy(self._tags, [shape((pk, *pair)) for pk, pair in zip(ids, pairs, strict=True)])
        self.copy(self._tags_history, [
            history_shape((pk, claim_id, tag_id, claim_history[claim_id]))
            for pk, (claim_id, tag_id) in zip(ids, pairs, strict=True)
            if claim_id in claim_history
        ])
