"""Unique constraints and primary keys set aside for a bulk load, and brought back after it.

Keeping a unique index up to date costs PostgreSQL more per row than storing the row itself; built
once at the end, from sorted keys, the same index checks every key, only later: a duplicate fails
the load there instead of in the COPY. Used by the synthetic generator (claims.synthetic).

PostgreSQL refuses ALTER TABLE on a table with trigger events pending, which every row COPY'd with
the foreign-key triggers on leaves until commit: so constraints are set aside only while the
transaction loads with the row triggers off (session_replication_role = replica, see
copyload.foreign_key_triggers_off), and otherwise stay where they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, connection, transaction

from claims.copyload import build_indexes


@dataclass
class AsideKey:
    """A unique constraint or primary key set aside for a load, and the two steps that bring it
    back: its index, built like any other (and beside others), then the constraint attached to it."""

    table: str
    name: str
    index_statement: str
    attach_statement: str


@dataclass
class AsideForeignKey:
    """A foreign key dropped with the primary key it points at, and the two steps that bring it
    back: added NOT VALID (at once, under a short lock), then checked over every row by VALIDATE
    CONSTRAINT, which can run beside the checks of other tables."""

    table: str
    add_statement: str
    validate_statement: str


def _may_drop_constraints(cursor: Any) -> bool:
    """Whether this transaction loads with the row triggers off, the one state in which a load may
    set constraints aside (see the module's docstring)."""
    cursor.execute("SELECT current_setting('session_replication_role') = 'replica'")
    return cursor.fetchone()[0]


def _dropped(cursor: Any, statements: Sequence[str]) -> bool:
    """Run the DROP statements all or none (in a savepoint); False when earlier writes of the
    transaction left trigger events pending, and the constraints stay."""
    try:
        with transaction.atomic():
            for statement in statements:
                cursor.execute(statement)
    except OperationalError:
        return False
    return True


def drop_unique_constraints(db_tables: Iterable[str]) -> list[AsideKey]:
    """On PostgreSQL, drop the tables' unique constraints (not the primary keys, nor any a foreign
    key points at); returns what brings them back (add_keys). Only while the row triggers are off
    (_may_drop_constraints); the constraints stay when earlier writes of the transaction left
    trigger events pending."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        if not _may_drop_constraints(cursor):
            return []
        cursor.execute(
            "SELECT c.conrelid::regclass::text, t.relname, c.conname, i.relname, pg_get_indexdef(c.conindid), "
            "c.condeferrable, c.condeferred FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class i ON i.oid = c.conindid "
            "WHERE c.contype = 'u' AND c.conrelid = ANY(%s::regclass[]) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
            [[f'"{name}"' for name in db_tables]],
        )
        constraints = []
        for table, relname, name, index, index_statement, deferrable, deferred in cursor.fetchall():
            timing = (" DEFERRABLE INITIALLY " + ("DEFERRED" if deferred else "IMMEDIATE")) if deferrable else ""
            attach = f'ALTER TABLE {table} ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{index}"{timing}'
            constraints.append(AsideKey(relname, name, index_statement, attach))
        if not _dropped(cursor, [f'ALTER TABLE "{c.table}" DROP CONSTRAINT "{c.name}"' for c in constraints]):
            return []  # load with the constraints in place
    return constraints


def drop_primary_keys(db_tables: Iterable[str]) -> tuple[list[AsideKey], list[AsideForeignKey]]:
    """On PostgreSQL, while the row triggers are off (_may_drop_constraints), drop the tables'
    primary keys and the foreign keys that point at them, from whichever table; returns what
    brings both back. Measured on a million synthetic claims: the primary keys' per-row upkeep
    cost PostgreSQL 35 s of COPY instead of 12 s without them, while building the five indexes at
    the end takes 7 s (one after another) and checking the foreign keys 3 s (on two connections).

    The foreign keys have to go because PostgreSQL drops no key that one points at. They come back
    checked: a row that points nowhere fails the load at the end, as a duplicate id does when the
    key's index is built, and its foreign key is left NOT VALID (enforced on new rows) until the row
    is mended and the key validated. With the triggers on, the keys stay: the triggers look the
    rows up."""
    if connection.vendor != "postgresql":
        return [], []
    tables = [f'"{name}"' for name in db_tables]
    with connection.cursor() as cursor:
        if not _may_drop_constraints(cursor):
            return [], []
        cursor.execute(
            "SELECT c.conrelid::regclass::text, t.relname, c.conname, i.relname, pg_get_indexdef(c.conindid) "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class i ON i.oid = c.conindid "
            "WHERE c.contype = 'p' AND c.conrelid = ANY(%s::regclass[]) ORDER BY t.relname",
            [tables],
        )
        keys = [
            AsideKey(
                relname,
                name,
                index_statement,
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" PRIMARY KEY USING INDEX "{index}"',
            )
            for table, relname, name, index, index_statement in cursor.fetchall()
        ]
        cursor.execute(
            "SELECT c.conrelid::regclass::text, t.relname, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE c.contype = 'f' AND c.confrelid = ANY(%s::regclass[]) ORDER BY t.relname, c.conname",
            [tables],
        )
        found = cursor.fetchall()
        pointing = [
            AsideForeignKey(
                relname,
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID',
                f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"',
            )
            for table, relname, name, definition in found
        ]
        drops = [f'ALTER TABLE {table} DROP CONSTRAINT "{name}"' for table, _, name, _ in found]
        drops += [f'ALTER TABLE "{key.table}" DROP CONSTRAINT "{key.name}"' for key in keys]
        if not _dropped(cursor, drops):
            return [], []
    return keys, pointing


def add_keys(keys: Sequence[AsideKey], foreign_keys: Sequence[AsideForeignKey] = ()) -> None:
    """Bring back, on the current connection and in its transaction, keys and the foreign keys
    pointing at them that drop_unique_constraints or drop_primary_keys set aside."""
    build_indexes([(key.table, key.index_statement) for key in keys])
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute(key.attach_statement)
        for foreign in foreign_keys:
            cursor.execute(foreign.add_statement)
            cursor.execute(foreign.validate_statement)


@contextmanager
def unique_constraints_dropped(db_tables: Iterable[str]) -> Iterator[None]:
    """The tables' unique constraints dropped for the block (drop_unique_constraints) and added
    back after it, in the same transaction."""
    keys = drop_unique_constraints(db_tables)
    yield
    add_keys(keys)
