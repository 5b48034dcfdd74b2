"""Names refuse hidden characters; every guarded table refuses TRUNCATE, the revenue-cycle tables included.

The validators change no SQL. The TRUNCATE guard of 0012_datasafety_roles_no_truncate was attached to the
tables guarded at the time; the revenue-cycle tables (0013) came after, so the same frozen statement runs
again (it attaches the guard to every table with a no-delete guard that lacks it; idempotent). A later
migration that guards new tables runs it again too (tests/datasafety/test_roles.py says so).
PostgreSQL only for the triggers. Numbered 0012 like the roles migration (the numbers assigned to this work).
"""

import clinic.models
from django.db import migrations, models

from sessions.migrations._frozen.datasafety_0012 import ATTACH_NO_TRUNCATE


def attach_no_truncate(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ATTACH_NO_TRUNCATE, None)


class Migration(migrations.Migration):
    dependencies = [("treatment", "0011_datasafety_closures")]

    operations = [
        migrations.RunPython(attach_no_truncate, migrations.RunPython.noop),
        # Names refuse control and bidirectional-override characters (clinic/validators.py).
        migrations.AlterField(
            model_name='checkin',
            name='ride_name',
            field=models.CharField(max_length=120, validators=[clinic.models.NoHiddenCharacters()], verbose_name="ride home: driver's name"),
        ),
        migrations.AlterField(
            model_name='historicalcheckin',
            name='ride_name',
            field=models.CharField(max_length=120, validators=[clinic.models.NoHiddenCharacters()], verbose_name="ride home: driver's name"),
        ),
        migrations.AlterField(
            model_name='historicalpayer',
            name='name',
            field=models.CharField(db_index=True, max_length=120, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='historicalride',
            name='driver_name',
            field=models.CharField(blank=True, max_length=120, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='payer',
            name='name',
            field=models.CharField(max_length=120, unique=True, validators=[clinic.models.NoHiddenCharacters()]),
        ),
        migrations.AlterField(
            model_name='ride',
            name='driver_name',
            field=models.CharField(blank=True, max_length=120, validators=[clinic.models.NoHiddenCharacters()]),
        ),
    ]
