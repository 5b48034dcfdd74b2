"""A signed session's position in its series ("Session N of M") may still be renumbered.

Marking an earlier, forgotten session as a no-show renumbers the series, and that touches sessions
already discharged and signed. The number is bookkeeping, not clinical content (the REMS form and the
record do not depend on it), so the signed-row guard now lets it change like updated_at and version.
"""

from django.db import migrations

from sessions.datasafety import Guards, SignedRow, _trigger_sql

BEFORE = Guards(signed_rows=(SignedRow("treatment_treatmentsession"),))
AFTER = Guards(
    signed_rows=(SignedRow("treatment_treatmentsession", bookkeeping=("updated_at", "version", "number")),)
)


def _install(guards: Guards):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            create, drop = _trigger_sql(guards)
            for sql in drop + create:
                schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatment", "0007_datasafety_triggers")]
    operations = [migrations.RunPython(_install(AFTER), _install(BEFORE))]
