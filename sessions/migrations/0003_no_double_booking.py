"""On PostgreSQL the database itself forbids overlapping visits of a chair or a patient.

SQLite has no exclusion constraints; there the booking service checks inside a write transaction
that SQLite serialises (BEGIN IMMEDIATE, see settings), which gives the same guarantee.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

RELEASED = "('cancelled', 'no_show')"

CREATE = [
    f"""ALTER TABLE treatment_treatmentsession ADD CONSTRAINT session_chair_no_overlap
        EXCLUDE USING gist (chair_id WITH =, tstzrange(planned_start, planned_end, '[)') WITH &&)
        WHERE (status NOT IN {RELEASED})""",
    f"""ALTER TABLE treatment_treatmentsession ADD CONSTRAINT session_patient_no_overlap
        EXCLUDE USING gist (patient_id WITH =, tstzrange(planned_start, planned_end, '[)') WITH &&)
        WHERE (status NOT IN {RELEASED})""",
]
DROP = [
    "ALTER TABLE treatment_treatmentsession DROP CONSTRAINT IF EXISTS session_chair_no_overlap",
    "ALTER TABLE treatment_treatmentsession DROP CONSTRAINT IF EXISTS session_patient_no_overlap",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("treatment", "0002_standard_protocols")]
    operations = [BtreeGistExtension(),  # a no-op on other databases
                  migrations.RunPython(forwards, backwards)]
