"""Least privilege below the ORM (PostgreSQL only; a no-op on SQLite). See sessions/datasafety.py.

The maintenance switch passes the guards only for members of the table owner's role (not for the
application role), TRUNCATE is refused on every guarded table, and the clinic settings row is never
deleted. The SQL is frozen in _frozen/datasafety_0012.py.
"""

from django.db import migrations

from sessions.migrations._frozen.datasafety_0012 import TightenGuards


class Migration(migrations.Migration):
    dependencies = [("treatment", "0010_datasafety_missed_checks_dose_changes")]

    operations = [TightenGuards()]
