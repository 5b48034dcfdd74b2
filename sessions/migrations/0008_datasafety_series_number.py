"""A signed session's position in its series ("Session N of M") may still be renumbered.

Marking an earlier, forgotten session as a no-show renumbers the series, and that touches sessions
already discharged and signed. The number is bookkeeping, not clinical content (the REMS form and the
record do not depend on it), so the signed-row guard now lets it change like updated_at and version.

PostgreSQL only (a no-op elsewhere); the SQL is frozen here.
"""

from django.db import migrations

DROP = 'DROP TRIGGER IF EXISTS "treatment_treatmentsession_signed_row" ON "treatment_treatmentsession"'
CREATE = (
    'CREATE TRIGGER "treatment_treatmentsession_signed_row" BEFORE UPDATE ON "treatment_treatmentsession" '
    "FOR EACH ROW EXECUTE FUNCTION clinic_guard_signed_row('signed_at', '{}')"
)
BEFORE = [DROP, CREATE.format("updated_at,version")]
AFTER = [DROP, CREATE.format("updated_at,version,number")]


def _install(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatment", "0007_datasafety_triggers")]
    operations = [migrations.RunPython(_install(AFTER), _install(BEFORE))]
