"""Flag indexes on the nullable references (and on the metric) hold the flags that set them, not
every flag: half the flags a first sweep writes are unverified findings with no second claim, no
figure and no metric, and none names a dismisser. Fewer index entries per flag written."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0010_figure_checks_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='flag',
            name='flag_metric_idx',
        ),
        migrations.AlterField(
            model_name='flag',
            name='claim_b',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='flags_as_b', to='claims.claim'),
        ),
        migrations.AlterField(
            model_name='flag',
            name='dismissed_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='flag',
            name='figure_a',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='claims.figure'),
        ),
        migrations.AlterField(
            model_name='flag',
            name='figure_b',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='claims.figure'),
        ),
        migrations.AddIndex(
            model_name='flag',
            index=models.Index(condition=models.Q(('metric__isnull', False)), fields=['metric', 'status'], name='flag_metric_idx'),
        ),
        migrations.AddIndex(
            model_name='flag',
            index=models.Index(condition=models.Q(('claim_b__isnull', False)), fields=['claim_b'], name='flag_claim_b_idx'),
        ),
        migrations.AddIndex(
            model_name='flag',
            index=models.Index(condition=models.Q(('figure_a__isnull', False)), fields=['figure_a'], name='flag_figure_a_idx'),
        ),
        migrations.AddIndex(
            model_name='flag',
            index=models.Index(condition=models.Q(('figure_b__isnull', False)), fields=['figure_b'], name='flag_figure_b_idx'),
        ),
        migrations.AddIndex(
            model_name='flag',
            index=models.Index(condition=models.Q(('dismissed_by__isnull', False)), fields=['dismissed_by'], name='flag_dismissed_by_idx'),
        ),
    ]
