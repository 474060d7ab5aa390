"""Indexes for the flags change list (the editors' review queue) at millions of flags.

- flag_review_order_idx: the list's default order, open flags first and then newest first, as
  claims.admin.flags.open_rank compiles it (the expression must stay the same for PostgreSQL to
  use the index); page 1 is then the first rows of the index instead of a sort of every flag.
- flag_status_created_idx: the same list filtered on one status, newest first.

PostgreSQL only, as raw SQL: the first is an expression index Django's model state need not know
about, and SQLite lists stay small. Both are built without CONCURRENTLY (a migration runs in a
transaction); on a live database with millions of flags, build them by hand with CONCURRENTLY
first, and this migration then finds them (IF NOT EXISTS).
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS flag_review_order_idx ON claims_flag "
    "((CASE WHEN status = 'open' THEN 0 ELSE 1 END), created_at DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS flag_status_created_idx ON claims_flag (status, created_at DESC, id DESC)",
]
DROP = ["DROP INDEX IF EXISTS flag_review_order_idx", "DROP INDEX IF EXISTS flag_status_created_idx"]


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0006_flag_version")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
