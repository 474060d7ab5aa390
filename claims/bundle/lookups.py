"""Finding stored rows by key in bulk, cheaply, and holding on to the ones a write points at."""

from __future__ import annotations

from collections.abc import Collection

from django.db import connection, models


def stored_ids(
    model: type[models.Model], field: str, values: Collection[str], *, key_share: bool = False
) -> dict[str, int]:
    """value -> id of the stored rows whose `field` is one of `values`.

    On PostgreSQL the values travel as one array parameter (`= ANY(%s)`): a thousand-item IN list
    costs the ORM more than the query does. `key_share` locks the rows found against deletion
    until the transaction ends, which is what a foreign-key check does for each referencing row;
    the fast import takes these locks itself when it turns those per-row checks off."""
    if not values:
        return {}
    if connection.vendor != "postgresql":
        return dict(model.objects.filter(**{f"{field}__in": list(values)}).values_list(field, "pk"))
    column = model._meta.get_field(field).column
    pk = model._meta.pk.column
    lock = " FOR KEY SHARE" if key_share else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "{column}", "{pk}" FROM "{model._meta.db_table}" WHERE "{column}" = ANY(%s){lock}',  # noqa: S608 (names from model metadata)
            [list(values)],
        )
        return dict(cursor.fetchall())


def rows_key_share(model: type[models.Model], ids: Collection[int]) -> None:
    """Lock stored rows by id against deletion until the transaction ends (see stored_ids)."""
    if not ids or connection.vendor != "postgresql":
        return
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT 1 FROM "{model._meta.db_table}" WHERE "{pk}" = ANY(%s) FOR KEY SHARE',  # noqa: S608
            [list(ids)],
        )


def holds_fewer_rows(db_table: str, count: int) -> bool:
    """Whether a table holds fewer than `count` rows, reading at most `count` of them (exact,
    unlike pg_class.reltuples, which is -1 until the table is first analysed)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{db_table}" LIMIT %s) AS head', [count])  # noqa: S608 (a table name from model metadata)
        return cursor.fetchone()[0] < count
