"""The decrease search on a cumulative metric asks for figures later and lower (or earlier and
higher) than an edited one: a question in two dimensions, days and values. Each of the two B-tree
indexes it had could narrow one dimension only, so a figure in the middle of a metric made
PostgreSQL read about half of the metric's entries in each (the whole metric in all). One GiST
index over the metric and a box per figure (x: its period in days, y: its interval; an open upper
bound at 1e30, above any value the columns hold) answers both directions, and costs a first sweep
about what the two B-trees cost it. btree_gist lets the GiST index take the metric as an equality
column; it ships with PostgreSQL (contrib) and is a trusted extension, so the database owner may
create it.

The expression must stay the one `claims.checks.facts.FIGURE_BOX` writes, or the planner will not
use the index (tests/checks/test_decrease_index.py reads the plan)."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS figure_check_box_idx ON claims_figurecheck USING gist (metric_id, "
    "box(point((check_first - DATE '2000-01-01')::float8, check_lo::float8), "
    "point((check_last - DATE '2000-01-01')::float8, COALESCE(check_hi::float8, 1e30::float8))))"
)


def create_box_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(CREATE)


def drop_box_index(apps, schema_editor):
    # The extension stays: other indexes of the database may use it.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS figure_check_box_idx")


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0011_flag_indexes_where_set'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='figurecheck', name='figure_check_lo_last_idx'),
        migrations.RemoveIndex(model_name='figurecheck', name='figure_check_hi_first_idx'),
        migrations.RunPython(create_box_index, drop_box_index),
    ]
