"""Rows built straight from model metadata, and PostgreSQL COPY to write them.

Shared by the synthetic generator, the bundle import's fast path and the checks' set-based writes.
A row is a tuple in the order of a model's concrete fields; every column a writer does not give
takes the field's default, so a column added later with a default needs no change in the writers.
Building tuples instead of model instances, and streaming them with COPY instead of INSERT, is what
makes a large load fast: the ORM spends most of its time constructing and adapting instances.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from django.db import connection, models
from django.utils import timezone

try:  # psycopg's C formatter of a binary COPY row; without it, Copy.write_row row by row
    from psycopg._copy_base import format_row_binary as _format_row_binary
except ImportError:  # pragma: no cover (another psycopg than the pinned one)
    _format_row_binary = None

Row = tuple[Any, ...]
# A binary COPY stream: the signature, 32 bits of flags and 32 of header extension length, then the
# rows, then a field count of -1 (PostgreSQL's "COPY" page, binary format).
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"
_ROWS_PER_WRITE = 1_000
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
    PostgreSQL's now() would within one transaction. The columns are in the model's order, except
    those named in `first`, which come first in that order: a writer that gives those columns can
    then append the defaults of the others to its values, without reordering each row."""

    def __init__(
        self,
        model: type[models.Model],
        *,
        now: dt.datetime | None = None,
        skip: Iterable[str] = (),
        first: Sequence[str] = (),
    ) -> None:
        now = now or timezone.now()
        skipped = set(skip)
        self.model = model
        self.db_table = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if f.attname not in skipped]
        by_name = {f.attname: f for f in fields}
        unknown = [name for name in first if name not in by_name]
        if unknown:
            raise ValueError(f"{self.db_table} has no columns {unknown}")
        self.fields = [by_name[name] for name in first] + [f for f in fields if f.attname not in set(first)]
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


def _copy(cursor: Any, sql: str, types: list[int], rows: Sequence[Row]) -> None:
    with cursor.copy(sql) as copy:
        copy.set_types(types)
        if _format_row_binary is None:
            write = copy.write_row
            for row in rows:
                write(row)
            return
        # The rows go through psycopg's own binary formatter (the one write_row calls), a block at
        # a time, driven from C by map: write_row's two Python calls around it per row are a
        # fifth of a large load's client CPU. The block is then written as raw COPY data, so the
        # binary header and trailer are ours to send.
        transformer = copy.formatter.transformer
        out = bytearray(_BINARY_HEADER)
        for start in range(0, len(rows), _ROWS_PER_WRITE):
            block = rows[start : start + _ROWS_PER_WRITE]
            deque(map(_format_row_binary, block, repeat(transformer), repeat(out)), maxlen=0)
            copy.write(bytes(out))
            out.clear()
        copy.write(_BINARY_TRAILER)


class BackgroundCopy:
    """Runs COPYs on the current connection from a second thread, in the order submitted, so that
    Python reads and shapes the next rows while PostgreSQL stores the last ones (the socket wait
    releases the GIL). Same transaction, same connection: the two threads never use it at once,
    since every query Django runs first waits for the submitted COPYs to finish, and so sees
    their rows, as it would have without the thread. Use as a context manager.

    With `raw`, a psycopg connection of the caller's own (a worker process's), the COPYs run on
    that one instead, and Django's queries are left alone. The column types of every table
    submitted must then be known already (_column_types asks Django's connection)."""

    def __init__(self, max_pending: int = 32, *, raw: Any = None) -> None:
        self._jobs: queue.Queue[tuple[str, list[int], Sequence[Row]] | None] = queue.Queue(max_pending)
        self._error: BaseException | None = None
        self._cancelled = False
        self._alongside = False
        self._thread: threading.Thread | None = None
        self._wrapper: Any = None
        self._raw = raw

    def __enter__(self) -> BackgroundCopy:
        raw = self._raw
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
            self._wrapper = connection.execute_wrapper(self._before_query)
            self._wrapper.__enter__()
        self._thread = threading.Thread(target=self._run, args=(raw,), name="copy-rows", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if self._wrapper is not None:
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


_types: dict[tuple[str, str], dict[str, int]] = {}


def _column_types(table: Table) -> list[int]:
    """Type oids of the table's columns as the database has them (binary COPY applies no casts,
    so a value must be sent as exactly its column's type). Kept per column name: two Tables of one
    model may list different columns, or list them in another order."""
    key = (connection.settings_dict["NAME"], table.db_table)
    if key not in _types:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                [f'"{table.db_table}"'],
            )
            _types[key] = dict(cursor.fetchall())
    oids = _types[key]
    return [oids[column] for column in table.columns]


def known_column_types(*tables: Table) -> None:
    """Look up the column types of the tables now, for a process that will COPY to them on a
    connection of its own (BackgroundCopy with `raw`), without asking Django's."""
    for table in tables:
        _column_types(table)


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


def temp_table_emptied(cursor, name: str, columns: str) -> None:
    """Create the session's temporary table `name` if it is not there yet, and empty it. DELETE,
    not TRUNCATE: TRUNCATE gives the table a new file every time (in one first sweep at 1,000,000
    claims its 180 calls took 3.3 s, in another 0.2 s), while the few rows a DELETE leaves dead go
    with the transaction (ON COMMIT DELETE ROWS)."""
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns}) ON COMMIT DELETE ROWS")
    cursor.execute(f"DELETE FROM {name}")  # noqa: S608


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
    indexes = drop_secondary_indexes(db_tables)
    yield [name for name, _, _ in indexes]
    build_indexes([(table, definition) for _, table, definition in indexes])


def drop_secondary_indexes(db_tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """Drop the tables' indexes that back no constraint (PostgreSQL); returns (name, table, CREATE
    INDEX statement) of each, for build_indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, tab.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class index ON index.oid = i.indexrelid JOIN pg_class tab ON tab.oid = i.indrelid "
            "WHERE tab.relnamespace = current_schema()::regnamespace AND tab.relname = ANY(%s) "
            "AND NOT i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY tab.relname, index.relname",
            [list(db_tables)],
        )
        indexes = cursor.fetchall()
        for name, _, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return indexes


def build_indexes(statements: Sequence[tuple[str, str]], *, connections: int = 1) -> None:
    """Run CREATE INDEX statements, or others that scan a whole table (a load's VALIDATE
    CONSTRAINT), given as (table, statement). With one connection, on the
    current one, in its transaction if it has one. With more, outside any transaction: each on a
    connection of its own, autocommit, the slowest first (a GIN index costs several times a
    B-tree over the same rows), taken in turn by whichever connection is free, so that builds on
    different tables, or on one table (CREATE INDEX shares its lock), run side by side: PostgreSQL
    builds a GIN index in one process, and a B-tree with at most a few. Every statement is tried;
    then the first error, if any, is raised."""
    if not statements:
        return
    if connections <= 1 or len(statements) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, statement in statements:
                cursor.execute(statement)
        return
    if connection.in_atomic_block:
        raise RuntimeError("build_indexes on several connections needs to run outside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_relation_size(oid) FROM pg_class WHERE relname = ANY(%s) "
            "AND relnamespace = current_schema()::regnamespace",
            [sorted({table for table, _ in statements})],
        )
        sizes = dict(cursor.fetchall())

    def cost(item: tuple[str, str]) -> int:
        table, statement = item
        return sizes.get(table, 0) * (10 if " using gin " in statement.lower() else 1)

    jobs: queue.SimpleQueue[str] = queue.SimpleQueue()
    for _, statement in sorted(statements, key=cost, reverse=True):
        jobs.put(statement)
    errors: list[BaseException] = []

    def build() -> None:
        own = connection.copy()
        try:
            with own.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                while True:
                    try:
                        statement = jobs.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        cursor.execute(statement)
                    except Exception as exc:  # the others still get built; raised below
                        errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=build, name=f"build-index-{n}") for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
