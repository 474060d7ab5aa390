"""Rows built straight from model metadata, and PostgreSQL COPY to write them.

Shared by the synthetic generator and the bundle import's fast path. A row is a tuple in the order
of a model's concrete fields; every column a writer does not give takes the field's default, so a
column added later with a default needs no change in the writers. Building tuples instead of model
instances, and streaming them with COPY instead of INSERT, is what makes a large load fast: the
ORM spends most of its time constructing and adapting instances.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from django.db import connection, models
from django.utils import timezone

Row = tuple[Any, ...]
# The columns simple_history adds to every historical table, after the tracked fields.
HISTORY_EXTRA = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _default(field: models.Field, now: dt.datetime) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        return field.get_default()
    text = isinstance(field, models.CharField | models.TextField)
    return "" if (text and not field.null) else None


class Table:
    """One model's table: its columns, and rows for it with defaults filled in.

    `now` stands for every auto_now/auto_now_add column, so one load carries one timestamp, as
    PostgreSQL's now() would within one transaction."""

    def __init__(
        self, model: type[models.Model], *, now: dt.datetime | None = None, skip: Iterable[str] = ()
    ) -> None:
        now = now or timezone.now()
        skipped = set(skip)
        self.model = model
        self.db_table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if f.attname not in skipped]
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.defaults = {f.attname: _default(f, now) for f in self.fields}

    def row(self, values: dict[str, Any]) -> Row:
        merged = {**self.defaults, **values}
        return tuple([merged[name] for name in self.attnames])

    def shaper(self, attnames: Sequence[str]) -> Callable[[Row], Row]:
        """A function from a tuple of values for `attnames` to a full row. It works on tuples at C
        speed (one concatenation, one itemgetter), for the tables a load writes a million rows to."""
        given = {name: i for i, name in enumerate(attnames)}
        unknown = set(given) - set(self.attnames)
        if unknown:
            raise ValueError(f"{self.db_table} has no columns {sorted(unknown)}")
        tail = tuple(self.defaults[name] for name in self.attnames)
        picks = [given.get(name, len(attnames) + i) for i, name in enumerate(self.attnames)]
        pick = itemgetter(*picks)
        if len(picks) == 1:
            return lambda values: (pick(values + tail),)
        return lambda values: pick(values + tail)


class HistoryTable:
    """The simple_history table of a model, with rows made from the model's own rows: the tracked
    fields as stored plus who, when and what kind of change ('+' for a creation)."""

    def __init__(self, table: Table, *, with_history_id: bool = False) -> None:
        history_model = table.model.history.model
        # history_id is left to its sequence unless the caller needs to know it (claims: their
        # tags' history rows point at it).
        skip = () if with_history_id else ("history_id",)
        self.table = Table(history_model, skip=skip)
        self.with_history_id = with_history_id
        own = [*table.attnames, *HISTORY_EXTRA, *(("history_id",) if with_history_id else ())]
        index = {name: i for i, name in enumerate(own)}
        missing = [name for name in self.table.attnames if name not in index]
        if missing:
            raise ValueError(f"{self.table.db_table}: no value for {missing}")
        self._pick = itemgetter(*[index[name] for name in self.table.attnames])

    def rows(
        self, rows: Iterable[Row], *, user_id: int | None, date: dt.datetime, history_ids: Sequence[int] = ()
    ) -> list[Row]:
        extra = (date, "", "+", user_id)
        pick = self._pick
        if self.with_history_id:
            return [pick((*row, *extra, history_id)) for row, history_id in zip(rows, history_ids, strict=True)]
        return [pick(row + extra) for row in rows]


def history_user_id(model: type[models.Model], user: Any) -> int | None:
    """The user simple_history would name for a bulk write: the given one, else the acting user
    of the current request (claims.bundle.history.acting_user sets one outside requests)."""
    if user is None:
        # An object without _history_user makes simple_history fall back to the request.
        user = model.history.model.get_default_history_user(SimpleNamespace())
    return getattr(user, "pk", None)


def copy_rows(table: Table, rows: Sequence[Row]) -> None:
    """Write rows to the table with one binary COPY: the server reads binary values without
    parsing text, which matters when it, not Python, is what a large load waits on."""
    if rows:
        sql, types = _copy_statement(table)
        with connection.cursor() as wrapper:
            _copy(wrapper.cursor, sql, types, rows)


def _copy_statement(table: Table) -> tuple[str, list[int]]:
    columns = ", ".join(f'"{column}"' for column in table.columns)
    return f'COPY "{table.db_table}" ({columns}) FROM STDIN (FORMAT BINARY)', _column_types(table)


def _copy(cursor: Any, sql: str, types: list[int], rows: Iterable[Row]) -> None:
    with cursor.copy(sql) as copy:
        copy.set_types(types)
        write = copy.write_row
        for row in rows:
            write(row)


class BackgroundCopy:
    """Runs COPYs on the current connection from a second thread, in the order submitted, so that
    Python reads and shapes the next rows while PostgreSQL stores the last ones (the socket wait
    releases the GIL). Same transaction, same connection: the two threads never use it at once,
    since every query Django runs first waits for the submitted COPYs to finish, and so sees
    their rows, as it would have without the thread. Use as a context manager."""

    def __init__(self, max_pending: int = 32) -> None:
        self._jobs: queue.Queue[tuple[str, list[int], Sequence[Row]] | None] = queue.Queue(max_pending)
        self._error: BaseException | None = None
        self._cancelled = False
        self._alongside = False
        self._thread: threading.Thread | None = None
        self._wrapper: Any = None

    def __enter__(self) -> BackgroundCopy:
        connection.ensure_connection()
        raw = connection.connection
        self._thread = threading.Thread(target=self._run, args=(raw,), name="copy-rows", daemon=True)
        self._thread.start()
        self._wrapper = connection.execute_wrapper(self._before_query)
        self._wrapper.__enter__()
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self._wrapper.__exit__(kind, error, trace)
        # After a failure the transaction is rolled back: the COPYs still queued are pointless.
        self._cancelled = kind is not None
        self._jobs.put(None)
        assert self._thread is not None
        self._thread.join()
        if kind is None:
            self._raise()

    def submit(self, table: Table, rows: Sequence[Row]) -> None:
        self._raise()
        if rows:
            sql, types = _copy_statement(table)
            self._jobs.put((sql, types, rows))

    @contextmanager
    def alongside(self) -> Iterator[None]:
        """Queries in this block do not wait for the COPYs still queued (each still waits for the
        one running, since the connection runs one statement at a time). Only for queries whose
        answer cannot depend on the queued rows: then two batches are in flight instead of one."""
        self._alongside = True
        try:
            yield
        finally:
            self._alongside = False

    def drain(self) -> None:
        """Wait until every submitted COPY has run; raise the first one's error, if any."""
        self._jobs.join()
        self._raise()

    def _before_query(self, execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        if self._alongside:
            self._raise()
        else:
            self.drain()
        return execute(sql, params, many, context)

    def _raise(self) -> None:
        if self._error is not None:
            # As Django's own cursor would, so that callers see django.db errors (IntegrityError).
            with connection.wrap_database_errors:
                raise self._error

    def _run(self, raw: Any) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self._error is None and not self._cancelled:
                    with raw.cursor() as cursor:
                        _copy(cursor, *job)
            except BaseException as exc:  # handed to the submitting thread
                self._error = exc
            finally:
                self._jobs.task_done()


_types: dict[tuple[str, str], list[int]] = {}


def _column_types(table: Table) -> list[int]:
    """Type oids of the table's columns as the database has them (binary COPY applies no casts,
    so a value must be sent as exactly its column's type)."""
    key = (connection.settings_dict["NAME"], table.db_table)
    if key not in _types:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [f'"{table.db_table}"'],
            )
            oids = dict(cursor.fetchall())
        _types[key] = [oids[column] for column in table.columns]
    return _types[key]


_sequences: dict[tuple[str, str, str], str] = {}


def _sequence(db_table: str, column: str) -> str:
    key = (connection.settings_dict["NAME"], db_table, column)
    if key not in _sequences:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [f'"{db_table}"', column])
            _sequences[key] = cursor.fetchone()[0]
    return _sequences[key]


def allocate_ids(db_table: str, count: int, column: str = "id") -> list[int]:
    """`count` fresh values of the column's sequence (see allocate_many)."""
    return allocate_many({(db_table, column): count}).get((db_table, column), [])


def allocate_many(counts: dict[tuple[str, str], int]) -> dict[tuple[str, str], list[int]]:
    """Fresh values of several sequences ({(table, column): how many}) in one query, so that rows
    and the rows that point at them can be written without asking the database for each id.
    Other writers may take values in between: the ids are unique, not necessarily consecutive."""
    wanted = [(key, count) for key, count in counts.items() if count > 0]
    if not wanted:
        return {}
    sequences = [_sequence(table, column) for (table, column), _ in wanted]
    parts, params = [], []
    for index, (sequence, (_, count)) in enumerate(zip(sequences, wanted, strict=True)):
        parts.append("SELECT %s::int AS seq, nextval(%s::regclass) AS value FROM generate_series(1, %s)")
        params += [index, sequence, count]
    # Unless another writer took values meanwhile, each block is one unbroken run: then only its
    # ends travel, not a row per id (a large import asks for about ten ids per claim).
    runs = "CASE WHEN max(value) - min(value) + 1 = count(*) THEN NULL ELSE array_agg(value) END"
    taken = " UNION ALL ".join(parts)
    sql = f"SELECT seq, min(value), max(value), count(*), {runs} FROM ({taken}) AS taken GROUP BY seq"  # noqa: S608 (fixed text)
    out: dict[tuple[str, str], list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for index, low, high, _, values in cursor.fetchall():
            # Ascending, so that rows keep the order they were given in.
            out[wanted[index][0]] = list(range(low, high + 1)) if values is None else sorted(values)
    return out


class CopySink:
    """Buffers rows and streams each full buffer with one COPY. A connection runs one COPY at a
    time, so writers that fill several tables side by side keep one sink per table."""

    def __init__(self, table: Table, batch: int = 50_000) -> None:
        self.table = table
        self.batch = batch
        self.rows: list[Row] = []

    def write(self, values: dict[str, Any]) -> None:
        self.rows.append(self.table.row(values))
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        copy_rows(self.table, self.rows)
        self.rows = []

    def close(self) -> None:
        self.flush()


class BulkSink:
    """The portable counterpart of CopySink: model instances through bulk_create."""

    def __init__(self, table: Table, batch: int = 20_000) -> None:
        self.table = table
        self.batch = batch
        self.pending: list[models.Model] = []

    def write(self, values: dict[str, Any]) -> None:
        self.pending.append(self.table.model(**{**self.table.defaults, **values}))
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.table.model.objects.bulk_create(self.pending)
        self.pending = []

    def close(self) -> None:
        self.flush()


def sink_for(table: Table) -> CopySink | BulkSink:
    return CopySink(table) if connection.vendor == "postgresql" else BulkSink(table)


@contextmanager
def foreign_key_triggers_off(db_tables: Iterable[str]) -> Iterator[bool]:
    """Turn off PostgreSQL's per-row foreign-key triggers until the block ends, where that is safe
    and allowed; yields whether it did. A bulk load that assigns every id itself makes its own
    references by construction, so the deferred check of each of them at commit (a large share of
    a big import's time) proves nothing; the caller must instead lock the stored rows it points
    at (lookups.stored_ids key_share), which is the part of the check that does matter.

    Allowed only for a superuser role (session_replication_role), and safe only when the tables
    have no triggers but the internal ones, since replica mode would silence any others too. The
    setting is transaction-local: if the block fails, rolling back the transaction or savepoint
    restores it."""
    if connection.vendor != "postgresql":
        yield False
        return
    tables = [f'"{name}"' for name in db_tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
            "current_setting('session_replication_role'), "
            "EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal)",
            [tables],
        )
        superuser, role, other_triggers = cursor.fetchone()
        switch = bool(superuser) and role == "origin" and not other_triggers
        if switch:
            cursor.execute("SET LOCAL session_replication_role = replica")
    yield switch
    if switch:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


@contextmanager
def secondary_indexes_dropped(db_tables: Iterable[str]) -> Iterator[list[str]]:
    """On PostgreSQL, drop the tables' indexes that back no constraint for the block and build them
    again after it; yields the names dropped. Building an index once over many rows is several
    times cheaper than updating it row by row (the GIN text-search index above all).

    Call inside the load's transaction: the indexes come back at its end, or with the rollback if
    the block fails. The price is DROP INDEX's ACCESS EXCLUSIVE lock, held on each table until the
    transaction ends: nobody else reads or writes these tables meanwhile. Unique indexes, and any
    that back a constraint, stay: they check the rows and serve the lookups by key."""
    if connection.vendor != "postgresql":
        yield []
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class index ON index.oid = i.indexrelid JOIN pg_class tab ON tab.oid = i.indrelid "
            "WHERE tab.relnamespace = current_schema()::regnamespace AND tab.relname = ANY(%s) "
            "AND NOT i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY tab.relname, index.relname",
            [list(db_tables)],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield [name for name, _ in indexes]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
