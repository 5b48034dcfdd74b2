"""Clinical rows are never deleted and signed records never change, even below the ORM (PostgreSQL triggers)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clinic.models import Patient
from sessions.datasafety import guard_triggers
from sessions.models import SessionStatus, TreatmentSession
from sessions.models.monitoring import VitalsReading
from tests import factories as f
from tests.datasafety.roles import set_role

# As the application role (manage.py db_roles), the role the app connects as in production.
pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("as_app_role")]

# Tables that hold no clinical record and may be edited or pruned freely. A new model must be
# listed here or protected by a data-safety migration (sessions/migrations/*_datasafety_*.py).
NOT_CLINICAL = {
    "clinic_user",
    "clinic_usersession",
    "clinic_passwordresetrequest",
    "clinic_formsubmission",
    "clinic_openinghours",
    "clinic_chair",
    "clinic_closure",
    "clinic_staffshift",
    "treatment_protocol",
    "treatment_protocolphase",
    "treatment_sentreminder",
    "treatment_payer",
    "treatment_coverage",
    "treatment_priorauthorisation",
    "treatment_price",
    "treatment_paymentplan",
    "treatment_instalment",
    "treatment_billingprovider",
    "treatment_prescribernpi",
}


def refused(sql: str, params: list | None = None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    except IntegrityError as exc:
        assert "amendment" in str(exc) or "archive" in str(exc)
        return True
    return False


def signed_session() -> TreatmentSession:
    session = f.TreatmentSessionFactory(planned_start=timezone.now() - dt.timedelta(hours=4))
    TreatmentSession.objects.filter(pk=session.pk).update(
        status=SessionStatus.DISCHARGED, discharged_at=timezone.now(), signed_at=timezone.now()
    )
    session.refresh_from_db()
    return session


def vitals(session: TreatmentSession, by) -> VitalsReading:
    return VitalsReading.objects.create(
        session=session, taken_at=timezone.now(), systolic=128, diastolic=82, heart_rate=70, spo2=98, by=by
    )


def test_every_clinical_and_audit_table_is_guarded():
    installed = guard_triggers(connection)
    unguarded = []
    for model in apps.get_models():
        if model._meta.app_label not in ("clinic", "treatment") or not model._meta.managed:
            continue
        table = model._meta.db_table
        if table in NOT_CLINICAL:
            continue
        if not any(name.endswith(("_no_delete", "_append_only")) for name in installed.get(table, ())):
            unguarded.append(table)
    assert not unguarded, f"Protect these tables in a data-safety migration or list them as not clinical: {unguarded}"


def test_a_patient_row_cannot_be_deleted_even_with_raw_sql(cast):
    assert refused("DELETE FROM clinic_patient WHERE id = %s", [cast.patient_a.pk])
    assert Patient.objects.filter(pk=cast.patient_a.pk).exists()


def test_a_queryset_delete_of_sessions_is_refused():
    session = f.TreatmentSessionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TreatmentSession.objects.filter(pk=session.pk).delete()
    assert TreatmentSession.objects.filter(pk=session.pk).exists()


def test_an_unsigned_session_can_still_change():
    session = f.TreatmentSessionFactory()
    TreatmentSession.objects.filter(pk=session.pk).update(status=SessionStatus.CHECKED_IN)
    session.refresh_from_db()
    assert session.status == SessionStatus.CHECKED_IN


def test_a_signed_session_refuses_any_clinical_change():
    session = signed_session()
    assert refused("UPDATE treatment_treatmentsession SET status_reason = 'edited' WHERE id = %s", [session.pk])
    assert refused("UPDATE treatment_treatmentsession SET signed_at = NULL WHERE id = %s", [session.pk])
    session.dose_given_mg = 84
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()
    session.refresh_from_db()
    assert session.dose_given_mg is None and session.signed_at is not None


def test_a_signed_session_may_still_have_its_bookkeeping_columns_touched():
    session = signed_session()
    TreatmentSession.objects.filter(pk=session.pk).update(version=session.version + 1, updated_at=timezone.now())


def test_readings_of_a_signed_session_cannot_be_added_changed_or_removed(cast):
    session = f.TreatmentSessionFactory(planned_start=timezone.now() - dt.timedelta(hours=4))
    reading = vitals(session, cast.staff)
    TreatmentSession.objects.filter(pk=session.pk).update(signed_at=timezone.now())
    assert refused("UPDATE treatment_vitalsreading SET systolic = 120 WHERE id = %s", [reading.pk])
    assert refused("DELETE FROM treatment_vitalsreading WHERE id = %s", [reading.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        vitals(session, cast.staff)
    assert VitalsReading.objects.filter(session=session).count() == 1


def test_readings_of_an_open_session_are_recorded_and_corrected_freely(cast):
    session = f.TreatmentSessionFactory()
    reading = vitals(session, cast.staff)
    VitalsReading.objects.filter(pk=reading.pk).update(systolic=131)
    assert VitalsReading.objects.get(pk=reading.pk).systolic == 131


def test_a_reading_cannot_be_moved_from_a_signed_session_to_another(as_app_role):
    source = signed_session()
    target = f.TreatmentSessionFactory()
    set_role(as_app_role["owner"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL clinic.maintenance = 'on'")
        reading = vitals(source, source.course.prescriber)
        cursor.execute("SET LOCAL clinic.maintenance = 'off'")
    set_role(as_app_role["app"])
    assert refused("UPDATE treatment_vitalsreading SET session_id = %s WHERE id = %s", [target.pk, reading.pk])


def test_the_audit_trail_is_append_only(cast):
    history = cast.patient_a.history.first()
    assert refused("UPDATE clinic_historicalpatient SET first_name = 'X' WHERE history_id = %s", [history.history_id])
    assert refused("DELETE FROM clinic_historicalpatient WHERE history_id = %s", [history.history_id])


def test_a_deliberate_maintenance_transaction_of_the_owner_role_passes_the_guards(as_app_role):
    session = signed_session()
    set_role(as_app_role["owner"])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL clinic.maintenance = 'on'")
        cursor.execute("UPDATE treatment_treatmentsession SET status_reason = 'purge' WHERE id = %s", [session.pk])
    session.refresh_from_db()
    assert session.status_reason == "purge"
    with connection.cursor() as cursor:  # SET LOCAL lasts to the end of the (test's outer) transaction
        cursor.execute("SET LOCAL clinic.maintenance = 'off'")
    assert refused("UPDATE treatment_treatmentsession SET status_reason = 'again' WHERE id = %s", [session.pk])


def test_a_signed_session_may_be_renumbered_when_an_earlier_session_is_marked_no_show(cast):
    from sessions.scheduling import booking

    earlier = f.TreatmentSessionFactory(number=1, planned_start=timezone.now() - dt.timedelta(days=3))
    later = f.TreatmentSessionFactory(
        course=earlier.course, chair=earlier.chair, number=2, planned_start=timezone.now() - dt.timedelta(days=1)
    )
    TreatmentSession.objects.filter(pk=later.pk).update(
        status=SessionStatus.DISCHARGED, discharged_at=timezone.now(), signed_at=timezone.now()
    )
    booking.session_no_show(session=earlier, by=cast.staff)
    later.refresh_from_db()
    assert later.number == 1 and later.signed_at is not None


def test_a_missed_check_reason_is_never_deleted_nor_added_once_the_session_is_signed(cast):
    from sessions.models import MissedCheck

    session = f.TreatmentSessionFactory(planned_start=timezone.now() - dt.timedelta(hours=4))
    row = MissedCheck.objects.create(
        session=session,
        key="bp@40",
        label="BP 40 min (peak)",
        due_at=timezone.now(),
        reason="Asleep",
        by=cast.prescriber,
        at=timezone.now(),
    )
    assert refused("DELETE FROM treatment_missedcheck WHERE id = %s", [row.pk])
    TreatmentSession.objects.filter(pk=session.pk).update(signed_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        MissedCheck.objects.create(
            session=session,
            key="moaas@40",
            label="MOAA/S 40 min",
            due_at=timezone.now(),
            reason="x",
            by=cast.prescriber,
            at=timezone.now(),
        )
    assert MissedCheck.objects.filter(session=session).count() == 1
