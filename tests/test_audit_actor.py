"""The audit trail names the actor of every write a service makes, also outside a web request.

Each write service is called from a plain function (as a management command or the task worker
would call it: no request, so django-simple-history cannot guess the user) with ``by=`` a user who
took no part in setting the scene. Every history row the call wrote must name that user, and the
rows the service is known to write (listed per test) must be among them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Max

from clinic import services as clinic_services
from clinic.models import Chair, ClinicSettings, OpeningHours, Patient, Sex, StaffShift, User
from clinic.places import Closure
from sessions.billing import charges, payments, plans
from sessions.billing import setup as billing_setup
from sessions.models import (
    Adjustment,
    AdjustmentDirection,
    AdjustmentKind,
    Administration,
    AdverseEvent,
    Alert,
    Amendment,
    Assessment,
    Charge,
    ChargeLine,
    CheckIn,
    Course,
    CourseReview,
    CourseStatus,
    Coverage,
    Decision,
    DeviceReceipt,
    Discharge,
    DoseChange,
    DosingDecision,
    Drug,
    DrugLot,
    Instalment,
    MissedCheck,
    OutcomeScore,
    Payer,
    PayerKind,
    Payment,
    PaymentMethod,
    PaymentPlan,
    Price,
    PriorAuthorisation,
    RemsSubmission,
    ReviewDecision,
    Ride,
    RideKind,
    Scale,
    SessionStatus,
    TreatmentSession,
    VitalsReading,
)
from sessions.models.outcomes import Instrument
from sessions.monitoring import alerts, discharge, lots, missed, rems, titration
from sessions.monitoring import services as monitoring
from sessions.outcomes import services as outcomes
from sessions.scheduling import booking, courses, reviews, rides
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, discharged_session, standard_prices
from tests.factories_monitoring import CHECKLIST, DrugLotFactory, checked_in, esketamine_session, iv_session
from tests.factories_scheduling import MONDAY, NOW, at, clinic, finish_phase

pytestmark = pytest.mark.django_db

HISTORY_MODELS = [m for m in apps.get_models() if getattr(m, "instance_type", None) is not None]


@contextmanager
def history_written() -> Iterator[list]:
    """Collect every history row written inside the block (of any model)."""
    before = {m: m.objects.aggregate(last=Max("history_id"))["last"] or 0 for m in HISTORY_MODELS}
    rows: list = []
    yield rows
    for model, last in before.items():
        rows.extend(model.objects.filter(history_id__gt=last).select_related("history_user"))


def assert_rows_name(rows: list, actor: User, *models) -> None:
    """Every row written names ``actor``; each of ``models`` has at least one row."""
    assert rows, "the service wrote no history row"
    unnamed = sorted(
        f"{row.instance_type.__name__} #{row.id} ({row.history_type} {row.history_change_reason or ''}) "
        f"by {row.history_user}"
        for row in rows
        if row.history_user_id != actor.pk
    )
    assert not unnamed, f"history rows that do not name {actor}: {unnamed}"
    written = {row.instance_type for row in rows}
    missing = sorted(m.__name__ for m in models if m not in written)
    assert not missing, f"no history row for {missing}"


@pytest.fixture
def w(cast):
    """The scene: a clinic open 8–18 on weekdays with two chairs, frozen on a Monday at 07:00.

    Everything is set up by the nurse or the admin; the actor (the prescriber) only makes the call
    under test, so a row naming anyone else (or no one) is caught.
    """
    with time_machine.travel(NOW, tick=False) as clock:
        ClinicSettings.load()  # the settings row is created on first use, by no one: before any call
        yield SimpleNamespace(
            cast=cast,
            clock=clock,
            chairs=clinic(2),
            patient=cast.patient_a,
            nurse=cast.staff,
            admin=cast.admin,
            actor=cast.prescriber,
        )


def later(w, minutes: int) -> None:
    w.clock.move_to(NOW + dt.timedelta(minutes=minutes))


# ---- scheduling -------------------------------------------------------------------------------


def planned_course(w, *, by=None) -> Course:
    return courses.course_create(
        patient=w.patient,
        protocol=f.protocol("esketamine-trd"),
        prescriber=w.cast.prescriber,
        start_date=MONDAY,
        weekdays=[0, 3],
        time=dt.time(9),
        by=by or w.admin,
    )


def first_session(course: Course) -> TreatmentSession:
    return course.sessions.order_by("planned_start").first()


def test_planning_a_course_names_the_actor_on_the_course_its_sessions_and_their_rides(w):
    with history_written() as rows:
        planned_course(w, by=w.actor)
    assert_rows_name(rows, w.actor, Course, TreatmentSession, Ride)


def test_pausing_a_course_names_the_actor_on_the_course_and_the_released_sessions(w):
    course = planned_course(w)
    with history_written() as rows:
        courses.course_pause(course=course, by=w.actor, reason="Patient travelling")
    assert_rows_name(rows, w.actor, Course, TreatmentSession)


def test_resuming_a_course_names_the_actor_on_the_course_and_the_sessions_booked(w):
    course = planned_course(w)
    courses.course_pause(course=course, by=w.admin, reason="Patient travelling")
    with history_written() as rows:
        courses.course_resume(course=course, by=w.actor, start_date=MONDAY + dt.timedelta(days=14))
    assert_rows_name(rows, w.actor, Course, TreatmentSession, Ride)


def test_ending_a_course_names_the_actor_on_the_course_and_the_released_sessions(w):
    course = planned_course(w)
    with history_written() as rows:
        courses.course_end(course=course, by=w.actor, reason="Moved away")
    assert_rows_name(rows, w.actor, Course, TreatmentSession)


def test_the_end_of_a_phase_names_the_actor_on_the_course_awaiting_review(w):
    session = f.TreatmentSessionFactory(status=SessionStatus.DISCHARGED)
    with history_written() as rows:
        courses.phase_end(session=session, by=w.actor)
    assert_rows_name(rows, w.actor, Course)


def test_a_course_review_names_the_actor_on_the_review_the_course_and_the_next_phase(w):
    course = planned_course(w)
    finish_phase(course)
    with history_written() as rows:
        reviews.course_review(course=course, by=w.actor, decision=ReviewDecision.CONTINUE, notes="Responding")
    assert_rows_name(rows, w.actor, CourseReview, Course, TreatmentSession, Ride)


def test_stopping_a_course_early_names_the_actor_on_the_review_the_course_and_the_released_sessions(w):
    course = planned_course(w)
    with history_written() as rows:
        reviews.course_stop_early(course=course, by=w.actor, reason="Intolerable dissociation")
    assert_rows_name(rows, w.actor, CourseReview, Course, TreatmentSession)


def test_booking_a_session_names_the_actor_on_the_session_and_its_ride(w):
    course = planned_course(w)
    with history_written() as rows:
        booking.session_book(course=course, start=at(MONDAY + dt.timedelta(days=28), 9), chair=w.chairs[1], by=w.actor)
    assert_rows_name(rows, w.actor, TreatmentSession, Ride)


def test_rescheduling_a_session_names_the_actor(w):
    session = first_session(planned_course(w))
    with history_written() as rows:
        booking.session_reschedule(
            session=session, start=at(MONDAY, 11), chair=session.chair, by=w.actor, version=session.version
        )
    assert_rows_name(rows, w.actor, TreatmentSession)


def test_a_late_cancellation_names_the_actor_on_the_session_and_its_fee(w):
    f.clinic_settings(cancellation_fee=Decimal("75.00"))
    session = first_session(planned_course(w))
    with history_written() as rows:
        booking.session_cancel(session=session, by=w.actor, reason="Unwell", version=session.version)
    assert_rows_name(rows, w.actor, TreatmentSession, Charge, ChargeLine)


def test_a_no_show_names_the_actor_on_the_session_and_its_fee(w):
    f.clinic_settings(no_show_fee=Decimal("100.00"))
    session = f.TreatmentSessionFactory(course__patient=w.patient)  # booked for 07:00, now
    with history_written() as rows:
        booking.session_no_show(session=session, by=w.actor, version=session.version)
    assert_rows_name(rows, w.actor, TreatmentSession, Charge, ChargeLine)


def test_a_patients_change_request_and_its_handling_name_their_actors(w):
    from sessions.models import AppointmentRequest
    from sessions.scheduling import requests as change_requests

    session = first_session(planned_course(w))
    with history_written() as rows:
        item = change_requests.appointment_request_create(session=session, kind="cancel", note="Away", by=w.actor)
    assert_rows_name(rows, w.actor, AppointmentRequest)
    with history_written() as rows:
        change_requests.appointment_request_accept(request=item, by=w.actor)
    assert_rows_name(rows, w.actor, AppointmentRequest, TreatmentSession)
    move = change_requests.appointment_request_create(
        session=session.course.sessions.exclude(pk=session.pk).first(),
        kind="move",
        preferred_start=at(MONDAY + dt.timedelta(days=1), 10),
        by=w.actor,
    )
    with history_written() as rows:
        change_requests.appointment_request_decline(request=move, by=w.actor, response="No chair free")
    assert_rows_name(rows, w.actor, AppointmentRequest)


def test_updating_a_ride_names_the_actor(w):
    session = first_session(planned_course(w))
    with history_written() as rows:
        rides.ride_update(
            session=session,
            by=w.actor,
            kind=RideKind.COMPANION,
            driver_name="Pat Driver",
            driver_phone="+1 555 0100 333",
            confirm=True,
        )
    assert_rows_name(rows, w.actor, Ride)


# ---- monitoring -------------------------------------------------------------------------------


def dosing(w, session: TreatmentSession, **vitals) -> TreatmentSession:
    checked_in(session, w.nurse, **vitals)
    monitoring.session_start_dosing(session=session, by=w.nurse)
    return session


def observing(w, session: TreatmentSession, lot: DrugLot | None = None) -> TreatmentSession:
    """Two devices five minutes apart from 07:00, observing from 07:05."""
    dosing(w, session)
    lot = lot or DrugLotFactory()
    monitoring.administer_device(session=session, by=w.nurse, lot=lot)
    later(w, 5)
    monitoring.administer_device(session=session, by=w.nurse, lot=lot)
    monitoring.session_start_observing(session=session, by=w.nurse)
    return session


def test_checking_in_names_the_actor_on_the_checklist_the_ride_and_the_session(w):
    session = esketamine_session()
    with history_written() as rows:
        monitoring.session_check_in(session=session, by=w.actor, checklist=dict(CHECKLIST))
    assert_rows_name(rows, w.actor, CheckIn, Ride, TreatmentSession)


def test_the_rides_arrival_names_the_actor(w):
    session = checked_in(esketamine_session(), w.nurse)
    with history_written() as rows:
        monitoring.ride_arrived(session=session, by=w.actor)
    assert_rows_name(rows, w.actor, Ride)


def test_a_reading_names_the_actor_on_the_reading_and_the_alert_it_raises(w):
    session = checked_in(esketamine_session(), w.nurse)
    with history_written() as rows:
        monitoring.vitals_record(session=session, by=w.actor, systolic=210, diastolic=125)
    assert_rows_name(rows, w.actor, VitalsReading, Alert)


def test_a_check_round_names_the_actor_on_the_reading_and_both_assessments(w):
    from sessions.monitoring.rounds import check_round_record

    session = observing(w, esketamine_session())
    later(w, 5)
    with history_written() as rows:
        check_round_record(
            session=session, by=w.actor, systolic=130, diastolic=80, moaas=5, cadss_items=[0, 0, 1, 0, 0, 0]
        )
    assert_rows_name(rows, w.actor, VitalsReading, Assessment)


def test_a_dosing_decision_names_the_actor_on_the_decision_and_the_deferred_session(w):
    session = checked_in(esketamine_session(), w.nurse, systolic=150, diastolic=95)
    with history_written() as rows:
        monitoring.dosing_decision_record(session=session, by=w.actor, decision=Decision.DEFER, reason="BP high")
    assert_rows_name(rows, w.actor, DosingDecision, TreatmentSession)


def test_deferring_a_session_names_the_actor(w):
    session = checked_in(esketamine_session(), w.nurse)
    with history_written() as rows:
        monitoring.session_defer(session=session, by=w.actor, reason="Patient unwell today")
    assert_rows_name(rows, w.actor, TreatmentSession)


def test_starting_dosing_names_the_actor(w):
    session = checked_in(esketamine_session(), w.nurse)
    with history_written() as rows:
        monitoring.session_start_dosing(session=session, by=w.actor)
    assert_rows_name(rows, w.actor, TreatmentSession)


def test_a_device_names_the_actor_on_the_administration_and_the_session(w):
    session = dosing(w, esketamine_session())
    lot = DrugLotFactory()
    with history_written() as rows:
        monitoring.administer_device(session=session, by=w.actor, lot=lot)
    assert_rows_name(rows, w.actor, Administration, TreatmentSession)


def ketamine_lot() -> DrugLot:
    return DrugLotFactory(drug=Drug.KETAMINE, quantity=5000)


def test_starting_an_infusion_names_the_actor_on_the_administration_and_the_session(w):
    session = dosing(w, iv_session())
    lot = ketamine_lot()
    with history_written() as rows:
        monitoring.infusion_start(session=session, by=w.actor, lot=lot, weight_kg=Decimal(70), mg_per_kg=Decimal("0.5"))
    assert_rows_name(rows, w.actor, Administration, TreatmentSession)


def test_ending_an_infusion_names_the_actor_on_the_administration_and_the_session(w):
    session = dosing(w, iv_session())
    monitoring.infusion_start(
        session=session, by=w.nurse, lot=ketamine_lot(), weight_kg=Decimal(70), mg_per_kg=Decimal("0.5")
    )
    later(w, 40)
    with history_written() as rows:
        monitoring.infusion_end(session=session, by=w.actor)
    assert_rows_name(rows, w.actor, Administration, TreatmentSession)


def test_starting_observation_names_the_actor(w):
    session = dosing(w, esketamine_session())
    lot = DrugLotFactory()
    monitoring.administer_device(session=session, by=w.nurse, lot=lot)
    later(w, 5)
    monitoring.administer_device(session=session, by=w.nurse, lot=lot)
    with history_written() as rows:
        monitoring.session_start_observing(session=session, by=w.actor)
    assert_rows_name(rows, w.actor, TreatmentSession)


def test_an_assessment_names_the_actor_on_the_assessment_and_the_alert_it_raises(w):
    session = observing(w, esketamine_session())
    with history_written() as rows:
        monitoring.assessment_record(session=session, by=w.actor, scale=Scale.MOAAS, score=2)
    assert_rows_name(rows, w.actor, Assessment, Alert)


def test_an_adverse_event_names_the_actor(w):
    session = observing(w, esketamine_session())
    with history_written() as rows:
        monitoring.adverse_event_record(session=session, by=w.actor, description="Nausea", severity="mild")
    assert_rows_name(rows, w.actor, AdverseEvent)


def test_an_amendment_names_the_actor(w):
    session = observing(w, esketamine_session())
    with history_written() as rows:
        monitoring.amendment_add(
            session=session, by=w.actor, subject="Device 1 time", corrected="07:01", reason="Clock was wrong"
        )
    assert_rows_name(rows, w.actor, Amendment)


def test_a_structured_amendment_names_the_actor(w):
    session = observing(w, esketamine_session())
    later(w, 40)
    reading = monitoring.vitals_record(session=session, by=w.nurse, systolic=150, diastolic=92)
    with history_written() as rows:
        monitoring.amendment_add(
            session=session, by=w.actor, vitals=reading, corrects="bp", corrected="152/94", reason="Misread"
        )
    assert_rows_name(rows, w.actor, Amendment)


def test_a_dose_change_names_the_actor_on_the_sessions_and_the_change(w):
    course = f.CourseFactory(patient=w.patient)
    f.TreatmentSessionFactory(course=course, number=1, first_dose_at=NOW - dt.timedelta(days=3))
    second = f.TreatmentSessionFactory(course=course, number=2, planned_start=NOW + dt.timedelta(days=3))
    f.TreatmentSessionFactory(course=course, number=3, planned_start=NOW + dt.timedelta(days=7))
    with history_written() as rows:
        titration.dose_change(session=second, by=w.actor, dose_mg=84, scope="phase", reason="Partial response")
    assert_rows_name(rows, w.actor, TreatmentSession, DoseChange)
    assert len([r for r in rows if r.instance_type is TreatmentSession]) == 2


def test_a_missed_check_reason_names_the_actor(w):
    session = observing(w, esketamine_session())
    later(w, 50)
    with history_written() as rows:
        missed.missed_check_record(session=session, by=w.actor, key="bp@40", reason="Patient asleep")
    assert_rows_name(rows, w.actor, MissedCheck)


def test_a_discharge_names_the_actor_on_the_session_the_discharge_the_charge_and_the_course(w):
    standard_prices()
    session = observing(w, esketamine_session())
    later(w, 45)
    monitoring.vitals_record(session=session, by=w.nurse, systolic=150, diastolic=92)
    monitoring.assessment_record(session=session, by=w.nurse, scale=Scale.MOAAS, score=4)  # every scheduled check
    monitoring.assessment_record(session=session, by=w.nurse, scale=Scale.CADSS6, items=[1, 0, 0, 0, 0, 0])
    later(w, 110)
    monitoring.vitals_record(session=session, by=w.nurse, systolic=132, diastolic=84)
    monitoring.assessment_record(session=session, by=w.nurse, scale=Scale.MOAAS, score=5)
    monitoring.assessment_record(session=session, by=w.nurse, scale=Scale.CADSS6, items=[0] * 6)
    monitoring.ride_arrived(session=session, by=w.nurse)
    later(w, 126)
    with history_written() as rows:
        discharge.session_discharge(session=session, by=w.actor, clinician_ready=True, ready_without_rule_minutes=90)
    assert_rows_name(rows, w.actor, TreatmentSession, Discharge, Charge, ChargeLine, Course)
    assert Course.objects.get(pk=session.course_id).status == CourseStatus.AWAITING_REVIEW


def test_acknowledging_an_alert_names_the_actor(w):
    session = checked_in(esketamine_session(), w.nurse)
    monitoring.vitals_record(session=session, by=w.nurse, systolic=210, diastolic=125)
    alert = Alert.objects.get(session=session)
    with history_written() as rows:
        alerts.alert_acknowledge(alert=alert, by=w.actor, action="Repeated the reading; prescriber informed")
    assert_rows_name(rows, w.actor, Alert)


def test_a_rems_submission_names_the_actor(w):
    session = discharged_session(patient=w.patient)
    with history_written() as rows:
        rems.rems_submit(session=session, by=w.actor, submitted_on=dt.date(2030, 1, 7), confirmation_number="RC-1")
    assert_rows_name(rows, w.actor, RemsSubmission)


def test_receiving_a_lot_names_the_actor(w):
    with history_written() as rows:
        lots.lot_receive(
            by=w.actor,
            drug=Drug.ESKETAMINE,
            lot_number="LOT-77",
            expires_on=dt.date(2031, 1, 1),
            received_on=dt.date(2030, 1, 7),
            quantity=30,
        )
    assert_rows_name(rows, w.actor, DrugLot)


def test_a_device_receipt_names_the_actor(w):
    lot = DrugLotFactory()
    with history_written() as rows:
        lots.receipt_record(by=w.actor, patient=w.patient, lot=lot, devices=3, received_on=dt.date(2030, 1, 7))
    assert_rows_name(rows, w.actor, DeviceReceipt)


# ---- outcomes ---------------------------------------------------------------------------------


def test_an_outcome_score_names_the_actor_on_the_score_and_the_item_9_alert(w):
    with history_written() as rows:
        outcomes.outcome_record(patient=w.patient, by=w.actor, instrument=Instrument.PHQ9, items=[1] * 8 + [2])
    assert_rows_name(rows, w.actor, OutcomeScore, Alert)


# ---- billing ----------------------------------------------------------------------------------


def charged(w) -> Charge:
    standard_prices()
    return charges.charge_session(session=discharged_session(patient=w.patient), by=w.admin)


def test_charging_a_session_names_the_actor_on_the_charge_its_lines_and_the_deductible(w):
    standard_prices()
    CoverageFactory(
        patient=w.patient, payer=PayerFactory(kind=PayerKind.COMMERCIAL), deductible_remaining=Decimal("200.00")
    )
    session = discharged_session(patient=w.patient)
    with history_written() as rows:
        charges.charge_session(session=session, by=w.actor)
    assert_rows_name(rows, w.actor, Charge, ChargeLine, Coverage)


def test_a_release_fee_names_the_actor(w):
    f.clinic_settings(no_show_fee=Decimal("100.00"))
    session = f.TreatmentSessionFactory(course__patient=w.patient, status=SessionStatus.NO_SHOW)
    with history_written() as rows:
        charges.charge_release_fee(session=session, by=w.actor, late=True)
    assert_rows_name(rows, w.actor, Charge, ChargeLine)


def test_a_payment_names_the_actor(w):
    charged(w)
    with history_written() as rows:
        payments.payment_record(
            patient=w.patient, by=w.actor, amount=Decimal("100.00"), method=PaymentMethod.CARD, on=MONDAY
        )
    assert_rows_name(rows, w.actor, Payment)


def test_a_refund_names_the_actor(w):
    payments.payment_record(
        patient=w.patient, by=w.admin, amount=Decimal("100.00"), method=PaymentMethod.CARD, on=MONDAY, as_credit=True
    )
    with history_written() as rows:
        payments.refund_record(
            patient=w.patient, by=w.actor, amount=Decimal("40.00"), method=PaymentMethod.CARD, on=MONDAY
        )
    assert_rows_name(rows, w.actor, Payment)


def test_an_adjustment_names_the_actor(w):
    charge = charged(w)
    with history_written() as rows:
        payments.adjustment_record(
            charge=charge,
            by=w.actor,
            kind=AdjustmentKind.CORRECTION,
            direction=AdjustmentDirection.REDUCE,
            amount=Decimal("10.00"),
            reason="Goodwill",
        )
    assert_rows_name(rows, w.actor, Adjustment)


def test_a_payment_plan_names_the_actor_on_the_plan_its_instalments_and_the_plan_it_replaces(w):
    charged(w)
    plans.payment_plan_create(patient=w.patient, by=w.admin, instalments=2, first_due=MONDAY)
    with history_written() as rows:
        plans.payment_plan_create(patient=w.patient, by=w.actor, instalments=3, first_due=MONDAY)
    assert_rows_name(rows, w.actor, PaymentPlan, Instalment)
    assert len([r for r in rows if r.instance_type is PaymentPlan]) == 2  # the new plan and the replaced one


# ---- clinic -----------------------------------------------------------------------------------


def test_archiving_a_patient_names_the_actor_on_the_record_and_the_portal_login_it_closes(w):
    with history_written() as rows:
        clinic_services.patient_archive(patient=w.patient, by=w.actor, reason="Moved away")
    assert_rows_name(rows, w.actor, Patient, User)


def test_restoring_a_patient_names_the_actor(w):
    clinic_services.patient_archive(patient=w.patient, by=w.admin, reason="Moved away")
    with history_written() as rows:
        clinic_services.patient_restore(patient=Patient.objects.get(pk=w.patient.pk), by=w.actor)
    assert_rows_name(rows, w.actor, Patient)


def test_inviting_a_patient_names_the_actor_on_the_portal_login_and_the_record(w, rf):
    patient = f.PatientFactory()
    with history_written() as rows:
        clinic_services.patient_invite(
            request=rf.get("/"), patient=patient, username="pat.new", email="pat.new@example.org", by=w.actor
        )
    assert_rows_name(rows, w.actor, User, Patient)


def test_renewing_a_patients_calendar_address_names_the_actor(w):
    with history_written() as rows:
        clinic_services.patient_calendar_renew(patient=w.patient, by=w.actor)
    assert_rows_name(rows, w.actor, Patient)


# ---- what the admin pages write, through their services ---------------------------------------


def test_adding_a_patient_names_the_actor(w):
    with history_written() as rows:
        clinic_services.patient_save(
            by=w.actor, first_name="Dana", last_name="Delta", date_of_birth=dt.date(1980, 5, 1), sex=Sex.FEMALE
        )
    assert_rows_name(rows, w.actor, Patient)


def test_editing_a_patient_names_the_actor(w):
    with history_written() as rows:
        clinic_services.patient_save(by=w.actor, patient=w.patient, phone="+1 555 0100 999")
    assert_rows_name(rows, w.actor, Patient)


def test_adding_and_editing_a_staff_member_names_the_actor(w):
    with history_written() as rows:
        member = clinic_services.staff_save(
            by=w.actor, username="new.nurse", first_name="Nia", last_name="Nurse", email="nia@example.org"
        )
        clinic_services.staff_save(by=w.actor, member=member, title="RN")
    assert_rows_name(rows, w.actor, User)
    assert not member.has_usable_password()


def test_adding_and_editing_a_chair_names_the_actor(w):
    with history_written() as rows:
        chair = clinic_services.chair_save(by=w.actor, name="Chair 9")
        clinic_services.chair_save(by=w.actor, chair=chair, is_active=False)
    assert_rows_name(rows, w.actor, Chair)


def test_changing_the_clinic_settings_names_the_actor(w):
    with history_written() as rows:
        clinic_services.clinic_settings_save(by=w.actor, no_show_fee=Decimal("80.00"))
    assert_rows_name(rows, w.actor, ClinicSettings)


def test_setting_opening_hours_names_the_actor_on_the_days_changed_and_closed(w):
    week = {day: (dt.time(9), dt.time(17)) for day in range(4)} | {4: None, 5: (dt.time(9), dt.time(12)), 6: None}
    with history_written() as rows:
        clinic_services.opening_hours_save(by=w.actor, hours=week)
    assert_rows_name(rows, w.actor, OpeningHours)
    assert {r.history_type for r in rows} == {"+", "~", "-"}  # Saturday opened, Mon–Thu changed, Friday closed


def test_adding_and_removing_a_shift_names_the_actor(w):
    with history_written() as rows:
        shift = clinic_services.shift_add(by=w.actor, date=MONDAY, staff=w.nurse, starts=dt.time(8), ends=dt.time(16))
        clinic_services.shift_remove(by=w.actor, shift=shift)
    assert_rows_name(rows, w.actor, StaffShift)
    assert {r.history_type for r in rows} == {"+", "-"}


def test_adding_and_removing_a_closure_names_the_actor(w):
    with history_written() as rows:
        closure = clinic_services.closure_add(by=w.actor, date=MONDAY + dt.timedelta(days=3), reason="Staff training")
        clinic_services.closure_remove(by=w.actor, closure=closure)
    assert_rows_name(rows, w.actor, Closure)
    assert {r.history_type for r in rows} == {"+", "-"}


def test_adding_a_price_names_the_actor(w):
    with history_written() as rows:
        price = billing_setup.price_add(
            by=w.actor,
            protocol=f.protocol("esketamine-trd"),
            dose_mg=56,
            amount=Decimal("950.00"),
            effective_from=MONDAY,
        )
    assert_rows_name(rows, w.actor, Price)
    assert price.created_by == w.actor


def test_adding_and_editing_a_payer_names_the_actor(w):
    with history_written() as rows:
        payer = billing_setup.payer_save(by=w.actor, name="Blue Health", kind=PayerKind.COMMERCIAL)
        billing_setup.payer_save(by=w.actor, payer=payer, phone="+1 555 0100 444")
    assert_rows_name(rows, w.actor, Payer)


def test_adding_and_editing_a_coverage_names_the_actor(w):
    payer = PayerFactory(kind=PayerKind.COMMERCIAL)
    with history_written() as rows:
        coverage = billing_setup.coverage_save(
            by=w.actor, patient=w.patient, payer=payer, member_id="M1", copay=Decimal("40.00"), starts_on=MONDAY
        )
        billing_setup.coverage_save(by=w.actor, patient=w.patient, coverage=coverage, copay=Decimal("30.00"))
    assert_rows_name(rows, w.actor, Coverage)


def test_adding_and_editing_a_prior_authorisation_names_the_actor(w):
    payer = PayerFactory(kind=PayerKind.COMMERCIAL)
    with history_written() as rows:
        auth = billing_setup.authorisation_save(
            by=w.actor,
            patient=w.patient,
            payer=payer,
            number="PA-1",
            sessions_authorised=8,
            starts_on=MONDAY,
            ends_on=MONDAY + dt.timedelta(days=90),
        )
        billing_setup.authorisation_save(by=w.actor, patient=w.patient, authorisation=auth, sessions_authorised=12)
    assert_rows_name(rows, w.actor, PriorAuthorisation)


# ---- billing: what claims need ----------------------------------------------------------------


def test_saving_the_billing_provider_and_a_prescriber_npi_names_the_actor(w):
    from sessions.billing import coding
    from sessions.models import BillingProvider, PrescriberNpi

    BillingProvider.load()
    with history_written() as rows:
        coding.billing_provider_save(by=w.actor, name="Calm Clinic", npi="1234567893", tax_id="123456789")
        coding.prescriber_npi_save(by=w.actor, prescriber=w.cast.prescriber, npi="1234567893")
    assert_rows_name(rows, w.actor, BillingProvider, PrescriberNpi)


def test_recording_a_courses_diagnoses_names_the_actor(w):
    from sessions.billing import coding
    from sessions.models import CourseDiagnoses

    course = planned_course(w)
    with history_written() as rows:
        coding.course_diagnoses_save(by=w.actor, course=course, codes="F33.2")
        coding.course_diagnoses_save(by=w.actor, course=course, codes="F33.2, R45.851")
    assert_rows_name(rows, w.actor, CourseDiagnoses)


def test_choosing_a_visits_em_code_names_the_actor(w):
    from sessions.billing import coding
    from sessions.models import VisitCoding

    session = discharged_session(patient=w.patient, given=Decimal("56"), chair=w.chairs[0])
    with history_written() as rows:
        coding.visit_em_code_choose(by=w.actor, session=session, em_code="99214")
    assert_rows_name(rows, w.actor, VisitCoding)


def _claim_scene(w, kind=PayerKind.MEDICARE):
    from sessions.billing import claims
    from tests.factories_billing import claimable_session

    standard_prices()
    claimable_session(patient=w.patient, kind=kind, given=84, chair=w.chairs[0])
    (claim,) = claims.claims_build(by=w.admin)
    return claim


def test_building_checking_and_submitting_a_claim_names_the_actor_on_the_claim_and_its_lines(w):
    from sessions.billing import claims
    from sessions.models import Claim, ClaimLine

    standard_prices()
    from tests.factories_billing import claimable_session

    claimable_session(patient=w.patient, kind=PayerKind.MEDICARE, given=84, chair=w.chairs[0])
    with history_written() as rows:
        (claim,) = claims.claims_build(by=w.actor)
        claims.claim_mark_ready(claim=claim, by=w.actor)
        claims.claim_reopen(claim=claim, by=w.actor)
        claims.claim_mark_ready(claim=claim, by=w.actor)
        claims.claim_submit(claim=claim, by=w.actor)
    assert_rows_name(rows, w.actor, Claim, ClaimLine)


def test_answering_correcting_and_voiding_a_claim_names_the_actor(w):
    from sessions.billing import claims
    from sessions.models import Claim

    claim = _claim_scene(w)
    claims.claim_submit(claim=claims.claim_mark_ready(claim=claim, by=w.admin), by=w.admin)
    with history_written() as rows:
        claims.claim_acknowledge(claim=claim, by=w.actor, accepted=True)
        replacement = claims.claim_correct(claim=claim, by=w.actor)
    assert_rows_name(rows, w.actor, Claim)
    claims.claim_submit(claim=claims.claim_mark_ready(claim=replacement, by=w.admin), by=w.admin)
    with history_written() as rows:
        claims.claim_void(claim=replacement, by=w.actor)
    assert_rows_name(rows, w.actor, Claim)


def test_exporting_claims_names_the_actor_on_the_batch_the_claims_and_their_lines(w):
    from sessions.billing import claim_files, claims
    from sessions.models import Claim, ClaimBatch, ClaimLine

    claim = claims.claim_mark_ready(claim=_claim_scene(w), by=w.admin)
    with history_written() as rows:
        claim_files.claims_export(claims=[claim], by=w.actor)
    assert_rows_name(rows, w.actor, ClaimBatch, Claim, ClaimLine)


def _sent_claim(w):
    from sessions.billing import claim_files, claims

    claim = claims.claim_mark_ready(claim=_claim_scene(w), by=w.admin)
    return claim_files.claims_export(claims=[claim], by=w.admin).claims.get()


def test_importing_an_835_names_the_actor_on_the_remittance_payments_claim_and_the_patients_share(w):
    from sessions.billing import remittance as rm
    from sessions.models import Claim, LineAdjustment, LinePayment, Remittance
    from tests.billing.remits import file_835, pay

    claim = _sent_claim(w)
    content = file_835(claim.payer, [pay(claim, [("800", "1000", [("CO", "45", "200"), ("PR", "2", "200")])])])
    with history_written() as rows:
        rm.remittance_import_835(content=content, by=w.actor)
    assert_rows_name(rows, w.actor, Remittance, LinePayment, LineAdjustment, Claim, Adjustment)


def test_a_refused_835_kept_for_review_names_the_actor(w):
    from sessions.billing import remittance as rm
    from sessions.models import Remittance

    with history_written() as rows, pytest.raises(ValidationError):
        rm.remittance_import_835(content="ISA*00*", by=w.actor)
    assert_rows_name(rows, w.actor, Remittance)


def test_a_payment_entered_by_hand_names_the_actor(w):
    from sessions.billing import remittance as rm
    from sessions.models import LinePayment, Remittance

    claim = _sent_claim(w)
    line = claim.lines.get()
    with history_written() as rows:
        rm.remittance_record(claim=claim, by=w.actor, entries=[rm.LineEntry(line, Decimal("1200"), Decimal("1200"))])
    assert_rows_name(rows, w.actor, Remittance, LinePayment)


def test_appealing_transferring_a_denial_and_resolving_unmatched_payments_names_the_actor(w):
    from sessions.billing import denials
    from sessions.billing import remittance as rm
    from sessions.models import Claim, Remittance
    from tests.billing.remits import file_835, pay

    claim = _sent_claim(w)
    denied = pay(claim, [("0", "0", [("CO", "50", "1200")])], status="4")
    stray = pay(claim, [("0", "0", [("CO", "50", "1200")])], status="4")
    stray.claim_id = "KC9999999"
    remittance, _ = rm.remittance_import_835(content=file_835(claim.payer, [denied, stray]), by=w.admin)
    with history_written() as rows:
        denials.claim_appeal(claim=claim, by=w.actor, note="Records sent", on=MONDAY - dt.timedelta(days=1))
        denials.claim_transfer_to_patient(claim=claim, by=w.actor)
        denials.remittance_resolve_unmatched(remittance=remittance, by=w.actor, note="Not ours: returned")
    assert_rows_name(rows, w.actor, Claim, Adjustment, Remittance)
