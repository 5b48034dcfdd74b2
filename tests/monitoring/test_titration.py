"""Dose titration at the service level, with frozen time: who may change a planned dose, to what, for which
sessions, and how the devices given, the REMS form, the controlled-substance log and the charge follow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clinic.models import ClinicSettings
from sessions.models import (
    Administration,
    Charge,
    DoseChange,
    DoseScope,
    PayerKind,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring import lots, rems, titration
from sessions.monitoring import services as m
from sessions.monitoring.selectors import live_sessions
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, standard_prices
from tests.factories_monitoring import DrugLotFactory, checked_in, discharged, iv_session

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 16, 14, 0, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def nurse():
    return f.StaffFactory()


@pytest.fixture
def prescriber():
    return f.PrescriberFactory()


def trd_course(n: int = 4, *, start=T0, slug="esketamine-trd", dose=56):
    """A course with ``n`` induction sessions, Mondays and Thursdays from ``start``, planned at ``dose``."""
    course = f.CourseFactory(protocol=f.protocol(slug))
    sessions = []
    for i in range(n):
        when = start + dt.timedelta(days=(i // 2) * 7 + (3 if i % 2 else 0))
        sessions.append(
            f.TreatmentSessionFactory(course=course, number=i + 1, planned_start=when, planned_dose_mg=dose)
        )
    return course, sessions


def reload(session) -> TreatmentSession:
    return TreatmentSession.objects.select_related("phase", "course__protocol").get(pk=session.pk)


# ---- who may change a dose, and to what ----------------------------------------------------------


def test_a_prescriber_raises_a_session_to_84_mg_and_the_audit_names_them_and_the_reason(prescriber, clock):
    _course, (first, second, *_rest) = trd_course()
    first.first_dose_at = T0  # day 1 given
    first.save()
    change = titration.dose_change(
        session=second, by=prescriber, dose_mg=84, reason="Partial response at 56 mg, well tolerated"
    )
    second = reload(second)
    assert second.planned_dose_mg == 84
    assert (change.previous, change.dose_text, change.sessions_changed) == ("56 mg", "84 mg", 1)
    history = second.history.latest()
    assert history.history_user == prescriber
    assert history.history_change_reason.startswith("Planned dose 56 mg → 84 mg: Partial response")
    assert DoseChange.history.get().history_user == prescriber


def test_the_rest_of_the_phase_changes_every_later_session_of_that_phase_only(prescriber, clock):
    course, sessions = trd_course(4)
    weekly = course.protocol.phases.get(order=2)
    later = f.TreatmentSessionFactory(
        course=course, phase=weekly, number=9, planned_start=T0 + dt.timedelta(days=35), planned_dose_mg=56
    )
    sessions[0].first_dose_at = T0
    sessions[0].save()
    change = titration.dose_change(
        session=sessions[1], by=prescriber, dose_mg=84, scope=DoseScope.PHASE, reason="Titrate for the induction"
    )
    assert change.sessions_changed == 3
    assert [reload(s).planned_dose_mg for s in sessions] == [56, 84, 84, 84]
    assert reload(later).planned_dose_mg == 56


def test_day_one_of_a_trd_course_stays_at_56_mg_and_nothing_is_saved(prescriber, clock):
    _course, sessions = trd_course(4)
    with pytest.raises(ValidationError, match="day 1 of the course"):
        titration.dose_change(session=sessions[0], by=prescriber, dose_mg=84, scope=DoseScope.PHASE, reason="x")
    assert {reload(s).planned_dose_mg for s in sessions} == {56}
    assert not DoseChange.objects.exists()


def test_a_nurse_cannot_change_a_dose_and_nothing_is_saved(nurse, clock):
    _course, (first, second, *_rest) = trd_course()
    first.first_dose_at = T0
    first.save()
    with pytest.raises(ValidationError, match="Only a prescriber") as exc:
        titration.dose_change(session=second, by=nurse, dose_mg=84, reason="Patient asked")
    assert "dose_mg" in exc.value.message_dict
    assert reload(second).planned_dose_mg == 56
    assert not DoseChange.objects.exists()


def test_a_dose_change_needs_a_written_reason(prescriber, clock):
    _course, (_first, second, *_rest) = trd_course()
    with pytest.raises(ValidationError) as exc:
        titration.dose_change(session=second, by=prescriber, dose_mg=84, reason="  ")
    assert "reason" in exc.value.message_dict


def test_esketamine_is_planned_at_56_or_84_mg_only(prescriber, clock):
    _course, (first, second, *_rest) = trd_course()
    first.first_dose_at = T0
    first.save()
    with pytest.raises(ValidationError, match="56 mg .2 devices. or 84 mg"):
        titration.dose_change(session=second, by=prescriber, dose_mg=112, reason="x")
    assert reload(second).planned_dose_mg == 56


def test_an_mdsi_course_may_be_reduced_to_56_mg_from_its_first_session(prescriber, clock):
    _course, sessions = trd_course(2, slug="esketamine-mdsi", dose=84)
    titration.dose_change(session=sessions[0], by=prescriber, dose_mg=56, reason="Dizziness and nausea at 84 mg")
    assert reload(sessions[0]).planned_dose_mg == 56


def test_a_dose_already_planned_is_refused_as_unchanged(prescriber, clock):
    _course, (first, second, *_rest) = trd_course()
    first.first_dose_at = T0
    first.save()
    with pytest.raises(ValidationError, match="Already planned at 56 mg"):
        titration.dose_change(session=second, by=prescriber, dose_mg=56, reason="x")


def test_a_signed_session_keeps_its_dose(prescriber, nurse, clock):
    _course, (first, *_rest) = trd_course()
    discharged(first, nurse, clock=clock)
    with pytest.raises(ValidationError, match="signed"):
        titration.dose_change(session=first, by=prescriber, dose_mg=84, reason="x")


def test_an_iv_dose_is_planned_in_mg_per_kg_within_the_named_limits(prescriber, clock):
    s = iv_session()
    with pytest.raises(ValidationError, match="between 0.10 and 0.75 mg/kg"):
        titration.dose_change(session=s, by=prescriber, mg_per_kg=Decimal("0.9"), reason="Poor response")
    titration.dose_change(session=s, by=prescriber, mg_per_kg=Decimal("0.6"), reason="Poor response at 0.5")
    assert reload(s).planned_dose_mg_per_kg == Decimal("0.60")
    assert titration.planned_text(reload(s)) == "0.60 mg/kg"


# ---- the dose given follows the plan -------------------------------------------------------------


def test_the_devices_offered_follow_the_planned_dose(prescriber, clock):
    _course, (first, second, *_rest) = trd_course()
    first.first_dose_at = T0
    first.save()
    assert m.max_devices(reload(second)) == 2
    titration.dose_change(session=second, by=prescriber, dose_mg=84, reason="Titration")
    assert m.max_devices(reload(second)) == 3


def test_a_device_beyond_the_planned_56_mg_is_refused_with_a_message_and_not_recorded(nurse, clock):
    _course, (first, second, *_rest) = trd_course(start=T0 - dt.timedelta(days=3))  # session 2 is today
    first.first_dose_at = T0 - dt.timedelta(days=3)
    first.save()
    lot = DrugLotFactory()
    checked_in(second, nurse, at=T0 - dt.timedelta(minutes=10))
    m.session_start_dosing(session=second, by=nurse)
    for minute in (0, 5):
        clock.move_to(T0 + dt.timedelta(minutes=minute))
        m.administer_device(session=second, by=nurse, lot=lot)
    clock.move_to(T0 + dt.timedelta(minutes=10))
    with pytest.raises(ValidationError, match="planned dose is 56 mg") as exc:
        m.administer_device(session=second, by=nurse, lot=lot)
    assert "lot" in exc.value.message_dict
    assert Administration.objects.filter(session=second).count() == 2
    assert reload(second).dose_given_mg == Decimal("56")


def test_a_prescriber_raising_the_dose_during_dosing_allows_the_third_device(nurse, prescriber, clock):
    _course, (first, second, *_rest) = trd_course(start=T0 - dt.timedelta(days=3))  # session 2 is today
    first.first_dose_at = T0 - dt.timedelta(days=3)
    first.save()
    lot = DrugLotFactory()
    checked_in(second, nurse, at=T0 - dt.timedelta(minutes=10))
    m.session_start_dosing(session=second, by=nurse)
    for minute in (0, 5):
        clock.move_to(T0 + dt.timedelta(minutes=minute))
        m.administer_device(session=second, by=nurse, lot=lot)
    titration.dose_change(session=second, by=prescriber, dose_mg=84, reason="Tolerated 56 mg well today")
    clock.move_to(T0 + dt.timedelta(minutes=10))
    m.administer_device(session=second, by=nurse, lot=lot)
    assert reload(second).dose_given_mg == Decimal("84")


def test_an_infusion_above_the_planned_mg_per_kg_is_refused(nurse, clock):
    s = iv_session()
    checked_in(s, nurse, at=T0 - dt.timedelta(minutes=10))
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory(drug="ketamine", quantity=5000)
    with pytest.raises(ValidationError, match="planned dose is 0.50 mg/kg") as exc:
        m.infusion_start(session=s, by=nurse, lot=lot, weight_kg=Decimal(80), mg_per_kg=Decimal("0.6"))
    assert "mg_per_kg" in exc.value.message_dict
    assert not Administration.objects.filter(session=s).exists()


def test_a_trd_course_runs_56_then_84_mg_and_the_rems_form_cs_log_and_medicare_charge_show_84(nurse, prescriber):
    """Issue 10, done when: 56 mg on day 1, 84 mg from session 2 after a prescriber's change; G2083-KX."""
    with time_machine.travel(T0, tick=False) as clock:
        standard_prices(on=T0.date() - dt.timedelta(days=30))
        _course, (first, second, *_rest) = trd_course()
        CoverageFactory(patient=first.patient, payer=PayerFactory(kind=PayerKind.MEDICARE), copay=Decimal("0"))
        lot = DrugLotFactory(lot_number="LOT-TITRATE", quantity=50)
        first = discharged(first, nurse, clock=clock, devices=2, lot=lot)
        titration.dose_change(session=second, by=prescriber, dose_mg=84, reason="Partial response at 56 mg")
        clock.move_to(second.planned_start)
        second = discharged(reload(second), nurse, clock=clock, devices=3, lot=lot)

    assert (first.dose_given_mg, second.dose_given_mg) == (Decimal("56"), Decimal("84"))
    form = dict(
        pair
        for _title, pairs in rems.rems_form(live_sessions().get(pk=second.pk), ClinicSettings.load()).rows
        for pair in pairs
    )
    assert str(form["Dose"]) == "84 mg"
    log = [line for line in lots.lot_log(lot) if line.session_id == second.pk]
    assert len(log) == 3 and log[-1].balance == "45 devices"
    charge = Charge.objects.get(session=second)
    assert [(line.code, line.modifier) for line in charge.lines.all()] == [("G2083", "KX")]
    assert charge.dose_mg == Decimal("84")
    assert reload(second).status == SessionStatus.DISCHARGED


def test_the_patients_audit_trail_lists_the_dose_change_with_the_prescriber(prescriber, clock):
    from clinic.audit import patient_history

    _course, (first, second, *_rest) = trd_course()
    first.first_dose_at = T0
    first.save()
    titration.dose_change(session=second, by=prescriber, dose_mg=84, reason="Partial response")
    entries = [e for e in patient_history(second.patient) if e.label.startswith("Dose change")]
    assert [(e.action, e.who, e.reason) for e in entries] == [
        ("created", prescriber.get_full_name(), "Planned dose 56 mg → 84 mg")
    ]
