"""Filters on long lists of ids.

A sweep group names tens of thousands of claims and figures. As IN lists, each id is a placeholder
that Django resolves and psycopg splits out of the SQL one by one: at 50,000 figures per group that
was close to a second of Python per group. On PostgreSQL the ids travel as one array parameter
(`= ANY(%s)`); other backends keep chunked IN lists, which also respect SQLite's parameter limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import Field, ForeignObject, Lookup, Q

CHUNK = 5000


class AnyOf(Lookup):
    """`field__any=[...]`: the column equals one element of an array (PostgreSQL)."""

    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def process_rhs(self, compiler, connection):
        rhs, params = super().process_rhs(compiler, connection)
        if connection.vendor == "postgresql" and all(type(v) is int for v in params[0]):
            return "%s::bigint[]", [id_array(params[0])]
        return rhs, params

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor != "postgresql":
            # Elsewhere the same rows through an IN list (ids_filters never gets here, but a caller
            # who writes __any directly should still get the right rows).
            values = list(rhs_params[0])
            if not values:
                return "1 = 0", []
            return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


# Foreign keys keep a lookup registry of their own.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


def id_array(ids: Iterable[int]) -> str:
    """Integer ids as one PostgreSQL array literal ('{3,17}'), for `= ANY(%s::bigint[])`. psycopg
    adapts a Python list element by element in Python (3% of a sweep group's Python time for its
    50,000 claim ids); the literal is built in C."""
    return "{" + ",".join(map(str, ids)) + "}"


def chunked(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def ids_filters(lookup: str, ids: Sequence[int]) -> Iterator[Q]:
    """Filters that together select the rows whose `lookup` is one of `ids`: one on PostgreSQL,
    a chunk each elsewhere; none for no ids."""
    ids = list(ids)
    if not ids:
        return
    if connection.vendor == "postgresql":
        yield Q(**{f"{lookup}__any": ids})
        return
    for chunk in chunked(ids):
        yield Q(**{f"{lookup}__in": chunk})
