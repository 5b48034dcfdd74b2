"""Least privilege below the ORM (PostgreSQL only; a no-op on SQLite). See sessions/datasafety.py.

The maintenance switch passes the guards only for members of the table owner's role (not for the
application role), TRUNCATE is refused on every guarded table, and the clinic settings row is never
deleted. The SQL is frozen in _frozen/datasafety_0012.py.
"""

import clinic.models
from django.db import migrations, models

from sessions.migrations._frozen.datasafety_0012 import TightenGuards


class Migration(migrations.Migration):
    dependencies = [("treatment", "0010_datasafety_missed_checks_dose_changes")]

    operations = [
        TightenGuards(),
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
