"""Data safety for the tables of titration and missed checks (PostgreSQL only; a no-op on SQLite).

Missed-check reasons and dose changes are clinical rows: never deleted; their history is append-only;
a missed-check reason belongs to its session and cannot be added or changed once the session is signed
(a later correction is an amendment). The SQL is frozen here (the trigger functions come from 0007).
"""

from django.db import migrations

CREATE = [
    'CREATE TRIGGER "treatment_missedcheck_no_delete" BEFORE DELETE ON "treatment_missedcheck" '
    "FOR EACH ROW EXECUTE FUNCTION clinic_guard_no_delete()",
    'CREATE TRIGGER "treatment_dosechange_no_delete" BEFORE DELETE ON "treatment_dosechange" '
    "FOR EACH ROW EXECUTE FUNCTION clinic_guard_no_delete()",
    'CREATE TRIGGER "treatment_historicalmissedcheck_append_only" BEFORE UPDATE OR DELETE '
    'ON "treatment_historicalmissedcheck" FOR EACH ROW EXECUTE FUNCTION clinic_guard_no_delete()',
    'CREATE TRIGGER "treatment_historicaldosechange_append_only" BEFORE UPDATE OR DELETE '
    'ON "treatment_historicaldosechange" FOR EACH ROW EXECUTE FUNCTION clinic_guard_no_delete()',
    'CREATE TRIGGER "treatment_missedcheck_signed_child" BEFORE INSERT OR UPDATE OR DELETE '
    'ON "treatment_missedcheck" FOR EACH ROW '
    "EXECUTE FUNCTION clinic_guard_signed_child('session_id', 'treatment_treatmentsession', 'signed_at')",
]
DROP = [
    'DROP TRIGGER IF EXISTS "treatment_missedcheck_no_delete" ON "treatment_missedcheck"',
    'DROP TRIGGER IF EXISTS "treatment_dosechange_no_delete" ON "treatment_dosechange"',
    'DROP TRIGGER IF EXISTS "treatment_historicalmissedcheck_append_only" ON "treatment_historicalmissedcheck"',
    'DROP TRIGGER IF EXISTS "treatment_historicaldosechange_append_only" ON "treatment_historicaldosechange"',
    'DROP TRIGGER IF EXISTS "treatment_missedcheck_signed_child" ON "treatment_missedcheck"',
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP + CREATE:
            schema_editor.execute(sql, None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("treatment", "0009_titration_missed_checks_amendment_targets")]

    operations = [migrations.RunPython(forwards, backwards)]
