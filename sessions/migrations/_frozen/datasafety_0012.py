"""The data-safety toolkit as migration 0012 changed it (frozen; never edit — see _frozen/__init__.py).

* The maintenance switch is no longer free: ``SET LOCAL clinic.maintenance = 'on'`` passes the guards
  only for a role that is a member of the guarded table's owner (the owner role that runs migrations,
  or a superuser). The application role (``manage.py db_roles``) may set the variable; the guards ignore it.
* A statement-level ``BEFORE TRUNCATE`` guard on every table that refuses row deletes (TRUNCATE skips
  row triggers, so ``TRUNCATE clinic_patient CASCADE`` used to empty the clinical tables silently).
* The clinic settings row is never deleted (deleting it silently reset every threshold and fee).

PostgreSQL only: on other databases the operations do nothing.
"""

from __future__ import annotations

from django.db import migrations

from .datasafety_0007 import FUNCTIONS as FUNCTIONS_0007

MAINTENANCE_ALLOWED = """
CREATE OR REPLACE FUNCTION clinic_maintenance_allowed(rel oid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT COALESCE(current_setting('clinic.maintenance', true), '') = 'on'
       AND pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = rel), 'MEMBER')
$$;
"""

FUNCTIONS = [
    MAINTENANCE_ALLOWED,
    """
CREATE OR REPLACE FUNCTION clinic_guard_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF clinic_maintenance_allowed(TG_RELID) THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'Rows of % are never %d; archive the record or add an amendment instead.',
        TG_TABLE_NAME, lower(TG_OP)
        USING ERRCODE = 'restrict_violation';
END;
$$;
""",
    """
CREATE OR REPLACE FUNCTION clinic_guard_signed_row() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV[0]: the column that marks the row as signed; TG_ARGV[1]: comma-separated bookkeeping
-- columns that may still change.
DECLARE
    free text[] := string_to_array(COALESCE(TG_ARGV[1], ''), ',');
BEGIN
    IF clinic_maintenance_allowed(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF (to_jsonb(OLD) ->> TG_ARGV[0]) IS NULL THEN
        RETURN NEW;
    END IF;
    IF (to_jsonb(NEW) - free) IS DISTINCT FROM (to_jsonb(OLD) - free) THEN
        RAISE EXCEPTION 'Row % of % is signed and cannot be changed; add an amendment instead.',
            OLD.id, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
""",
    """
CREATE OR REPLACE FUNCTION clinic_guard_signed_child() RETURNS trigger LANGUAGE plpgsql AS $$
-- TG_ARGV[0]: the foreign-key column; TG_ARGV[1]: the parent table; TG_ARGV[2]: its signed column.
DECLARE
    parent_ids bigint[] := ARRAY[]::bigint[];
    signed boolean;
BEGIN
    IF clinic_maintenance_allowed(TG_RELID) THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND (to_jsonb(NEW) ->> TG_ARGV[0]) IS NOT NULL THEN
        parent_ids := parent_ids || (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND (to_jsonb(OLD) ->> TG_ARGV[0]) IS NOT NULL THEN
        parent_ids := parent_ids || (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    END IF;
    EXECUTE format('SELECT bool_or(%I IS NOT NULL) FROM %I WHERE id = ANY($1)', TG_ARGV[2], TG_ARGV[1])
        INTO signed USING parent_ids;
    IF signed THEN
        RAISE EXCEPTION 'The % record belongs to a signed %; add an amendment instead.',
            TG_TABLE_NAME, TG_ARGV[1]
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$;
""",
    """
CREATE OR REPLACE FUNCTION clinic_guard_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF clinic_maintenance_allowed(TG_RELID) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Table % is never truncated; archive the records or add an amendment instead.',
        TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
""",
]

SETTINGS_NO_DELETE = [
    'DROP TRIGGER IF EXISTS "clinic_clinicsettings_no_delete" ON "clinic_clinicsettings"',
    'CREATE TRIGGER "clinic_clinicsettings_no_delete" BEFORE DELETE ON "clinic_clinicsettings" '
    "FOR EACH ROW EXECUTE FUNCTION clinic_guard_no_delete()",
]

# Every table whose rows are never deleted (it has a clinic_guard_no_delete trigger) refuses TRUNCATE too.
ATTACH_NO_TRUNCATE = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE NOT t.tgisinternal AND p.proname = 'clinic_guard_no_delete' LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', r.relname || '_no_truncate', r.relname);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION clinic_guard_no_truncate()', r.relname || '_no_truncate', r.relname);
    END LOOP;
END;
$$;
"""

DETACH_NO_TRUNCATE = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE NOT t.tgisinternal AND p.proname = 'clinic_guard_no_truncate' LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', r.tgname, r.relname);
    END LOOP;
END;
$$;
"""

FORWARDS = [*FUNCTIONS, *SETTINGS_NO_DELETE, ATTACH_NO_TRUNCATE]
BACKWARDS = [
    DETACH_NO_TRUNCATE,
    SETTINGS_NO_DELETE[0],
    "DROP FUNCTION IF EXISTS clinic_guard_no_truncate()",
    *FUNCTIONS_0007,
    "DROP FUNCTION IF EXISTS clinic_maintenance_allowed(oid)",
]


class TightenGuards(migrations.RunPython):
    """Install the 0012 guards; PostgreSQL only, a no-op elsewhere."""

    def __init__(self):
        super().__init__(self._forwards, self._backwards)

    @staticmethod
    def _forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in FORWARDS:
                schema_editor.execute(sql, None)

    @staticmethod
    def _backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in BACKWARDS:
                schema_editor.execute(sql, None)

    def describe(self) -> str:
        return "Data-safety 0012: maintenance switch for the owner only, no TRUNCATE, settings row kept"


class NoTruncate(migrations.RunPython):
    """Refuse TRUNCATE on tables guarded by a later migration (0012 covered the tables that existed then)."""

    def __init__(self, tables: tuple[str, ...]):
        self.tables = tables
        super().__init__(self._forwards, self._backwards)

    def _forwards(self, apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in self.tables:
                name = f"{table}_no_truncate"
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"', None)
                schema_editor.execute(
                    f'CREATE TRIGGER "{name}" BEFORE TRUNCATE ON "{table}" FOR EACH STATEMENT '
                    "EXECUTE FUNCTION clinic_guard_no_truncate()",
                    None,
                )

    def _backwards(self, apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in self.tables:
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_no_truncate" ON "{table}"', None)

    def describe(self) -> str:
        return f"No TRUNCATE on {len(self.tables)} tables"
