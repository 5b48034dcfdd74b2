"""The data-safety toolkit as migration 0007 ran it (frozen; never edit — see _frozen/__init__.py).

Three trigger functions (``clinic_guard_no_delete``, ``clinic_guard_signed_row``,
``clinic_guard_signed_child``) and the statements that attach them to tables, generated from a
declarative ``Guards`` list. PostgreSQL only: on other databases the operations do nothing.
The guards themselves are described in sessions/datasafety.py and the README ("Data safety").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import migrations

FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION clinic_guard_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('clinic.maintenance', true) = 'on' THEN
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
    IF current_setting('clinic.maintenance', true) = 'on' THEN
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
    IF current_setting('clinic.maintenance', true) = 'on' THEN
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
]
DROP_FUNCTIONS = [
    "DROP FUNCTION IF EXISTS clinic_guard_no_delete() CASCADE",
    "DROP FUNCTION IF EXISTS clinic_guard_signed_row() CASCADE",
    "DROP FUNCTION IF EXISTS clinic_guard_signed_child() CASCADE",
]


@dataclass(frozen=True)
class SignedRow:
    table: str
    signed_column: str = "signed_at"
    bookkeeping: tuple[str, ...] = ("updated_at", "version")


@dataclass(frozen=True)
class SignedChild:
    table: str
    fk_column: str = "session_id"
    parent_table: str = "treatment_treatmentsession"
    parent_signed_column: str = "signed_at"
    # INSERT too, unless rows are legitimately added as the record is signed (e.g. the discharge row).
    operations: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Guards:
    """The tables one migration protects. Table names are frozen in the migration, not read from models."""

    no_delete: tuple[str, ...] = ()
    append_only: tuple[str, ...] = ()  # neither UPDATE nor DELETE (audit trails)
    signed_rows: tuple[SignedRow, ...] = ()
    signed_children: tuple[SignedChild, ...] = ()
    label: str = field(default="", compare=False)


def trigger_sql(guards: Guards) -> tuple[list[str], list[str]]:
    create, drop = [], []
    for table in guards.no_delete:
        name = f"{table}_no_delete"
        create.append(
            f'CREATE TRIGGER "{name}" BEFORE DELETE ON "{table}" FOR EACH ROW EXECUTE FUNCTION clinic_guard_no_delete()'
        )
        drop.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
    for table in guards.append_only:
        name = f"{table}_append_only"
        create.append(
            f'CREATE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION clinic_guard_no_delete()"
        )
        drop.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
    for row in guards.signed_rows:
        name = f"{row.table}_signed_row"
        create.append(
            f'CREATE TRIGGER "{name}" BEFORE UPDATE ON "{row.table}" FOR EACH ROW '
            f"EXECUTE FUNCTION clinic_guard_signed_row('{row.signed_column}', '{','.join(row.bookkeeping)}')"
        )
        drop.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{row.table}"')
    for child in guards.signed_children:
        name = f"{child.table}_signed_child"
        create.append(
            f'CREATE TRIGGER "{name}" BEFORE {" OR ".join(child.operations)} ON "{child.table}" FOR EACH ROW '
            f"EXECUTE FUNCTION clinic_guard_signed_child('{child.fk_column}', '{child.parent_table}', "
            f"'{child.parent_signed_column}')"
        )
        drop.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{child.table}"')
    return create, drop


class InstallGuardFunctions(migrations.RunPython):
    """Create (or replace) the trigger functions; PostgreSQL only."""

    def __init__(self):
        super().__init__(self._forwards, self._backwards)

    @staticmethod
    def _forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in FUNCTIONS:
                schema_editor.execute(sql, None)

    @staticmethod
    def _backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in DROP_FUNCTIONS:
                schema_editor.execute(sql, None)

    def describe(self) -> str:
        return "Install the data-safety trigger functions (PostgreSQL only)"


class ProtectTables(migrations.RunPython):
    """Attach the guards to tables; PostgreSQL only, a no-op elsewhere."""

    def __init__(self, guards: Guards):
        self.guards = guards
        super().__init__(self._forwards, self._backwards)

    def _forwards(self, apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            create, drop = trigger_sql(self.guards)
            for sql in drop + create:
                schema_editor.execute(sql, None)

    def _backwards(self, apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in trigger_sql(self.guards)[1]:
                schema_editor.execute(sql, None)

    def describe(self) -> str:
        return f"Data-safety triggers {self.guards.label}".strip()
