"""Database connections in a process forked from one that already had one.

A forked child holds a copy of the parent's connection object, over the same socket. Using it
would interleave two processes' messages in one session; closing it, or letting it be finalized,
would send PostgreSQL the goodbye that ends the parent's session. So the child keeps the copy
alive and untouched until it exits (by os._exit, as multiprocessing's fork children do) and works
on a connection of its own.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

_inherited: list[Any] = []


def own_connection_after_fork(alias: str = DEFAULT_DB_ALIAS) -> Any:
    """In a forked child: put a fresh connection wrapper for `alias` in place of the inherited one
    (which is kept, never used nor closed) and return it. It connects when first used, with the
    same settings and outside any transaction the parent had open."""
    _inherited.append(connections[alias])
    own = _inherited[-1].copy()
    connections[alias] = own
    return own
