"""Full-text search index for the API's `q=` on PostgreSQL; SQLite has no text search and skips it.

The expression matches what `claims.api.filters.claim_text_search` compiles to
(SearchVector("text", config="english")), so the planner can use the index.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS claim_text_search ON claims_claim "
    "USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
)
DROP = "DROP INDEX IF EXISTS claim_text_search"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_figure_check_value_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
