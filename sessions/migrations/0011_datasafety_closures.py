"""Data safety for the history of closures (PostgreSQL only; a no-op on SQLite).

Closures are configuration (an admin adds and removes them; listed as not clinical in
tests/datasafety/test_triggers.py), but their history is the audit trail of who closed the clinic on
which day: append-only, like every other history table, and never truncated.
"""

from django.db import migrations

from sessions.migrations._frozen.datasafety_0007 import Guards, ProtectTables
from sessions.migrations._frozen.datasafety_0012 import NoTruncate

APPEND_ONLY = ("clinic_historicalclosure",)


class Migration(migrations.Migration):
    dependencies = [
        ("treatment", "0013_datasafety_revenue_cycle"),
        ("clinic", "0004_places_closures_chair_capabilities_checkin_window"),
    ]

    operations = [ProtectTables(Guards(append_only=APPEND_ONLY, label="closures")), NoTruncate(APPEND_ONLY)]
