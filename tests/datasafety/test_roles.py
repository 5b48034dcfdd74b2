"""Least privilege: as the application role (manage.py db_roles), the attacks of the hardening run are refused."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, ProgrammingError, connection, transaction

from clinic.models import ClinicSettings, Patient
from clinic.security.db_roles import attacks
from sessions.datasafety import guard_triggers
from tests.datasafety.roles import set_role

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("as_app_role")]


def run(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def one(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def test_the_application_role_cannot_truncate_the_patients(cast):
    with pytest.raises(ProgrammingError, match="permission denied"):
        run("TRUNCATE clinic_patient CASCADE")
    assert Patient.objects.filter(pk=cast.patient_a.pk).exists()


def test_even_the_owner_role_cannot_truncate_a_guarded_table_outside_maintenance(as_app_role):
    # No rows written first: PostgreSQL refuses TRUNCATE after pending (deferred) constraint checks.
    set_role(as_app_role["owner"])
    with pytest.raises(IntegrityError, match="never truncated"):
        run("TRUNCATE clinic_patient CASCADE")
    with pytest.raises(IntegrityError, match="never truncated"):
        run("TRUNCATE treatment_historicalvitalsreading")


def test_the_application_role_cannot_skip_the_triggers_with_session_replication_role(cast):
    with pytest.raises(DatabaseError, match="permission denied"):
        run("SET LOCAL session_replication_role = replica")
    with pytest.raises(IntegrityError):
        run("DELETE FROM clinic_patient WHERE id = %s", [cast.patient_a.pk])


def test_the_maintenance_switch_does_nothing_for_the_application_role(cast):
    with pytest.raises(IntegrityError, match="archive"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL clinic.maintenance = 'on'")
            cursor.execute("DELETE FROM clinic_patient WHERE id = %s", [cast.patient_a.pk])
    assert Patient.objects.filter(pk=cast.patient_a.pk).exists()


def test_db_roles_verify_finds_every_attack_refused_for_the_application_role():
    results = attacks(connection)
    assert results and all(refused for refused, _answer in results.values()), results


def test_db_roles_verify_notices_a_role_that_may_do_more(as_app_role):
    set_role(as_app_role["owner"])
    results = attacks(connection)
    assert results["SET clinic.maintenance = on"][0] is False


def test_the_application_role_has_row_privileges_only_and_owns_nothing(as_app_role):
    app, owner = as_app_role["app"], as_app_role["owner"]
    assert (
        one("SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = %s", [app])
        is False
    )
    assert one("SELECT pg_has_role(%s, %s, 'MEMBER')", [app, owner]) is False
    assert (
        one("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)", [app]) == 0
    )
    for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        assert one("SELECT has_table_privilege(%s, 'clinic_patient', %s)", [app, privilege]) is True
    for privilege in ("TRUNCATE", "REFERENCES", "TRIGGER"):
        assert one("SELECT has_table_privilege(%s, 'clinic_patient', %s)", [app, privilege]) is False
    assert one("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [app]) is False
    assert one("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'clinic_patient'") == owner


def test_every_table_that_refuses_deletes_refuses_truncate_too():
    installed = guard_triggers(connection)
    missing = [
        table
        for table, names in installed.items()
        if any(name.endswith(("_no_delete", "_append_only")) for name in names) and f"{table}_no_truncate" not in names
    ]
    assert installed and not missing, f"Add NoTruncate(...) (_frozen/datasafety_0012.py) to the migration that guards: {missing}"


def test_the_clinic_settings_row_cannot_be_deleted_even_with_raw_sql():
    row = ClinicSettings.load()
    with pytest.raises(IntegrityError, match="archive"):
        run("DELETE FROM clinic_clinicsettings WHERE id = %s", [row.pk])
    assert ClinicSettings.objects.filter(pk=row.pk).exists()
