from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0003_figure_check_roots'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='figure',
            name='figure_check_lo_idx',
        ),
        migrations.RemoveIndex(
            model_name='figure',
            name='figure_check_hi_idx',
        ),
        migrations.AddIndex(
            model_name='figure',
            index=models.Index(fields=['metric', 'check_lo', 'check_last'], name='figure_check_lo_last_idx'),
        ),
        migrations.AddIndex(
            model_name='figure',
            index=models.Index(fields=['metric', 'check_hi', 'check_first'], name='figure_check_hi_first_idx'),
        ),
    ]
