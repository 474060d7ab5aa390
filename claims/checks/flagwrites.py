"""Set-based writes of flags and their history rows on PostgreSQL.

A first sweep opens hundreds of thousands of flags; through the ORM each costs an INSERT row, a
model instance and a history instance. Here the rows go to a temporary table with COPY and one
statement per batch writes the flags and, in the same statement, their history rows, so the cost
per flag is a few microseconds of COPY. The unique constraints stay the guard against duplicates:
`ON CONFLICT DO NOTHING` keeps a row a concurrent run inserted first, and that run wrote its history.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction

from claims.copyload import temp_table_emptied
from claims.models import FigureCheck, Flag

_FLAG = Flag._meta.db_table
_HISTORY = Flag.history.model._meta.db_table
# The flag's own columns, in the order the history table repeats them.
_COLUMNS = (
    "id", "kind", "code", "status", "explanation", "dismissed_fingerprint", "dismissed_note", "dismissed_at",
    "created_at", "updated_at", "metric_id", "claim_a_id", "claim_b_id", "figure_a_id", "figure_b_id",
    "dismissed_by_id", "version",
)
_HISTORY_INSERT = (
    f"INSERT INTO {_HISTORY} ({', '.join(_COLUMNS)}, history_date, history_change_reason, history_type, "  # noqa: S608
    f"history_user_id) SELECT {', '.join(_COLUMNS)}, %s, NULL, %s, %s FROM written RETURNING code"
)


def supported() -> bool:
    return connection.vendor == "postgresql"


def flags_insert_set_based(flags: list[Flag], *, user, now: dt.datetime) -> Counter:
    """Insert the new flags and one '+' history row each; returns how many were written per code
    (fewer than given when a concurrent run recorded some findings first)."""
    if not flags:
        return Counter()
    new_columns = ("kind", "code", "metric_id", "claim_a_id", "claim_b_id", "figure_a_id", "figure_b_id",
                   "status", "explanation")
    with transaction.atomic(), connection.cursor() as cursor:
        temp_table_emptied(cursor, "flag_new_tmp", "kind text, code text, metric_id bigint, claim_a_id bigint, "
                           "claim_b_id bigint, figure_a_id bigint, figure_b_id bigint, status text, explanation text")
        with cursor.cursor.copy(f"COPY flag_new_tmp ({', '.join(new_columns)}) FROM STDIN") as copy:
            for flag in flags:
                copy.write_row(tuple(getattr(flag, column) for column in new_columns))
        cursor.execute(
            f"WITH written AS (INSERT INTO {_FLAG} ({', '.join(new_columns)}, dismissed_fingerprint, "  # noqa: S608
            f"dismissed_note, created_at, updated_at, version) SELECT {', '.join(new_columns)}, '', '', %s, %s, 1 "
            "FROM flag_new_tmp ON CONFLICT DO NOTHING RETURNING *) " + _HISTORY_INSERT,
            [now, now, now, "+", user.pk],
        )
        written = Counter(code for (code,) in cursor.fetchall())
    return written


def flags_update_set_based(flags: list[Flag], *, user, now: dt.datetime) -> None:
    """Store the new status, figures and explanation of each flag (a resolve or a re-open by the
    checks) and one '~' history row each, naming the checks user. An explanation of None keeps the
    stored one (flags.StoredFlag of a resolve)."""
    if not flags:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        temp_table_emptied(cursor, "flag_change_tmp",
                           "id bigint, status text, figure_a_id bigint, figure_b_id bigint, explanation text")
        with cursor.cursor.copy("COPY flag_change_tmp (id, status, figure_a_id, figure_b_id, explanation) "
                                "FROM STDIN") as copy:
            for flag in flags:
                copy.write_row((flag.pk, flag.status, flag.figure_a_id, flag.figure_b_id, flag.explanation))
        cursor.execute(
            f"WITH written AS (UPDATE {_FLAG} f SET status = t.status, figure_a_id = t.figure_a_id, "  # noqa: S608
            "figure_b_id = t.figure_b_id, explanation = COALESCE(t.explanation, f.explanation), updated_at = %s, "
            "version = f.version + 1 "
            "FROM flag_change_tmp t WHERE f.id = t.id RETURNING f.*) " + _HISTORY_INSERT,
            [now, now, "~", user.pk],
        )


def flags_statistics_refresh() -> None:
    """ANALYZE the flag table and the figures' check rows after a sweep. A first sweep adds hundreds
    of thousands of flags and a check row per figure at once; until autovacuum gets to the tables
    the planner guesses, and for "the flags of these claims" it guessed a scan of a whole unique
    index (35 ms at 1,000,000 claims instead of 0.1 ms), which every incremental check pays. Cheap:
    ANALYZE reads a fixed-size sample."""
    if supported():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_FLAG}")
            cursor.execute(f"ANALYZE {FigureCheck._meta.db_table}")
