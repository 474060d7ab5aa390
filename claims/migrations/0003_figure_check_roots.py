from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0002_checks_columns'),
    ]

    operations = [
        migrations.AddField(
            model_name='figure',
            name='check_roots',
            field=models.TextField(blank=True, editable=False, null=True),
        ),
    ]
