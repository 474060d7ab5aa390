"""The check columns move from claims_figure to a table of their own (claims.models.FigureCheck),
with their values: a database upgraded in place keeps what the checks stored."""

import django.db.models.deletion
from django.db import migrations, models

_COLUMNS = ("check_first", "check_last", "check_span", "check_lo", "check_lo_open", "check_hi", "check_hi_open",
            "check_matched", "check_roots")


def copy_check_columns(apps, schema_editor):
    columns = ", ".join(_COLUMNS)
    schema_editor.execute(
        f"INSERT INTO claims_figurecheck (figure_id, metric_id, claim_id, {columns}) "  # noqa: S608
        f"SELECT id, metric_id, claim_id, {columns} FROM claims_figure "
        "WHERE check_first IS NOT NULL OR check_lo IS NOT NULL OR check_matched IS NOT NULL OR check_roots IS NOT NULL"
    )


def cascade_in_database(apps, schema_editor):
    # Django cascades deletes in Python; the database does it too, for raw deletes (bulk tools, psql),
    # so that a deleted figure never lingers in the neighbour queries.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE claims_figurecheck ADD CONSTRAINT figurecheck_figure_fk FOREIGN KEY (figure_id) "
            "REFERENCES claims_figure (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
        )


def drop_cascade(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE claims_figurecheck DROP CONSTRAINT IF EXISTS figurecheck_figure_fk")


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0009_fewer_duplicate_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='figure', name='figure_check_window_idx'),
        migrations.RemoveIndex(model_name='figure', name='figure_check_lo_last_idx'),
        migrations.RemoveIndex(model_name='figure', name='figure_check_hi_first_idx'),
        migrations.CreateModel(
            name='FigureCheck',
            fields=[
                ('figure', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='checked', serialize=False, to='claims.figure')),
                ('metric', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='claims.metric')),
                ('claim', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='claims.claim')),
                ('check_first', models.DateField(blank=True, null=True)),
                ('check_last', models.DateField(blank=True, null=True)),
                ('check_span', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('check_lo', models.DecimalField(blank=True, decimal_places=12, max_digits=40, null=True)),
                ('check_lo_open', models.BooleanField(default=False)),
                ('check_hi', models.DecimalField(blank=True, decimal_places=12, max_digits=40, null=True)),
                ('check_hi_open', models.BooleanField(default=False)),
                ('check_matched', models.BooleanField(blank=True, null=True)),
                ('check_roots', models.TextField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(copy_check_columns, migrations.RunPython.noop),
        *[migrations.RemoveField(model_name='figure', name=name) for name in _COLUMNS],
        migrations.AddIndex(
            model_name='figurecheck',
            index=models.Index(fields=['metric', 'check_span', 'check_first'], name='figure_check_window_idx'),
        ),
        migrations.AddIndex(
            model_name='figurecheck',
            index=models.Index(fields=['metric', 'check_lo', 'check_last'], name='figure_check_lo_last_idx'),
        ),
        migrations.AddIndex(
            model_name='figurecheck',
            index=models.Index(fields=['metric', 'check_hi', 'check_first'], name='figure_check_hi_first_idx'),
        ),
        migrations.RunPython(cascade_in_database, drop_cascade),
    ]
