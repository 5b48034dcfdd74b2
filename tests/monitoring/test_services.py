"""Clinical rules of the live session, at the service level, with frozen time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import RemsStatus
from sessions.models import (
    AlertKind,
    Charge,
    Decision,
    Drug,
    InvalidTransition,
    Ride,
    Scale,
    SessionStatus,
    VitalsReading,
)
from sessions.monitoring import alerts, discharge, timeline
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_monitoring import CHECKLIST, DrugLotFactory, checked_in, dosed, esketamine_session, iv_session

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 16, 14, 0, tzinfo=dt.UTC)


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


def minutes(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def observing_session(nurse, clock, devices=2):
    s = esketamine_session(planned_dose_mg=28 * devices)
    return dosed(s, nurse, start=T0, devices=devices, clock=clock)


def ready_session(nurse, clock):
    """An esketamine session at 121 minutes with everything recorded for discharge (every scheduled check)."""
    s = observing_session(nurse, clock)
    clock.move_to(minutes(40))
    m.vitals_record(session=s, by=nurse, systolic=150, diastolic=92)
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=4)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[1, 1, 0, 0, 0, 0])
    clock.move_to(minutes(110))
    m.vitals_record(session=s, by=nurse, systolic=132, diastolic=84)
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
    m.ride_arrived(session=s, by=nurse)
    clock.move_to(minutes(121))
    return s


# ---- state machine --------------------------------------------------------------------------


def test_check_in_moves_a_scheduled_session_to_checked_in_and_confirms_the_ride(nurse, clock):
    s = esketamine_session()
    m.session_check_in(session=s, by=nurse, checklist=dict(CHECKLIST))
    s.refresh_from_db()
    assert s.status == SessionStatus.CHECKED_IN
    assert s.checked_in_at == T0
    assert Ride.objects.get(session=s).driver_name == "Sam Driver"
    assert s.history.first().history_change_reason == "Checked in"


def test_check_in_without_rems_enrolment_is_a_hard_stop_for_esketamine(nurse, clock):
    s = esketamine_session()
    s.patient.rems_status = RemsStatus.PENDING
    s.patient.save()
    with pytest.raises(ValidationError, match="REMS"):
        m.session_check_in(session=s, by=nurse, checklist=dict(CHECKLIST))
    s.refresh_from_db()
    assert s.status == SessionStatus.SCHEDULED


def test_check_in_needs_a_ride_with_name_and_phone(nurse, clock):
    s = esketamine_session()
    with pytest.raises(ValidationError, match="ride home"):
        m.session_check_in(session=s, by=nurse, checklist={**CHECKLIST, "ride_phone": ""})


def test_dosing_cannot_start_without_pre_dose_vitals(nurse, clock):
    s = esketamine_session()
    m.session_check_in(session=s, by=nurse, checklist=dict(CHECKLIST))
    with pytest.raises(ValidationError, match="pre-dose blood pressure"):
        m.session_start_dosing(session=s, by=nurse)


def test_steps_cannot_be_skipped(nurse, clock):
    s = esketamine_session()
    with pytest.raises(InvalidTransition):
        m.session_start_dosing(session=s, by=nurse)
    checked_in(s, nurse)
    with pytest.raises(InvalidTransition):
        m.session_start_observing(session=s, by=nurse)


def test_pre_dose_bp_above_threshold_needs_a_prescriber_decision(nurse, prescriber, clock):
    s = checked_in(esketamine_session(), nurse, systolic=152, diastolic=88)
    with pytest.raises(ValidationError, match="prescriber must record"):
        m.session_start_dosing(session=s, by=nurse)
    with pytest.raises(ValidationError, match="Only a prescriber"):
        m.dosing_decision_record(session=s, by=nurse, decision=Decision.PROCEED, reason="ok")
    m.dosing_decision_record(session=s, by=prescriber, decision=Decision.PROCEED, reason="Baseline 150s, benefit")
    m.session_start_dosing(session=s, by=nurse)
    s.refresh_from_db()
    assert s.status == SessionStatus.DOSING


def test_a_prescriber_may_defer_with_a_reason(nurse, prescriber, clock):
    s = checked_in(esketamine_session(), nurse, systolic=170, diastolic=104)
    m.dosing_decision_record(session=s, by=prescriber, decision=Decision.DEFER, reason="BP too high today")
    s.refresh_from_db()
    assert s.status == SessionStatus.DEFERRED
    assert "BP too high" in s.status_reason


def test_defer_needs_a_reason(nurse, clock):
    s = checked_in(esketamine_session(), nurse)
    with pytest.raises(ValidationError):
        m.session_defer(session=s, by=nurse, reason="  ")


# ---- administration -------------------------------------------------------------------------


def test_the_first_device_starts_the_clock_and_doses_add_up(nurse, clock):
    s = esketamine_session(planned_dose_mg=84)
    checked_in(s, nurse)
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory()
    m.administer_device(session=s, by=nurse, lot=lot)
    s.refresh_from_db()
    assert s.first_dose_at == T0
    clock.shift(dt.timedelta(minutes=5))
    m.administer_device(session=s, by=nurse, lot=lot)
    clock.shift(dt.timedelta(minutes=5))
    m.administer_device(session=s, by=nurse, lot=lot)
    s.refresh_from_db()
    assert s.dose_given_mg == Decimal(84)
    assert s.first_dose_at == T0
    with pytest.raises(ValidationError, match="All 3 devices"):
        m.administer_device(session=s, by=nurse, lot=lot)


def test_a_second_device_before_the_first_is_refused(nurse, clock):
    s = checked_in(esketamine_session(), nurse)
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory()
    m.administer_device(session=s, by=nurse, lot=lot)
    with pytest.raises(ValidationError, match="before or at the same time"):
        m.administer_device(session=s, by=nurse, lot=lot, given_at=T0 - dt.timedelta(minutes=1))


def test_devices_closer_than_five_minutes_are_saved_with_a_warning(nurse, clock):
    s = checked_in(esketamine_session(), nurse)
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory()
    m.administer_device(session=s, by=nurse, lot=lot)
    clock.shift(dt.timedelta(minutes=2))
    second = m.administer_device(session=s, by=nurse, lot=lot)
    assert "5 minutes" in second.warning


def test_day_one_of_a_trd_course_is_56_mg(nurse, clock):
    s = f.TreatmentSessionFactory(number=1, planned_dose_mg=84)
    checked_in(s, nurse)
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory()
    m.administer_device(session=s, by=nurse, lot=lot)
    clock.move_to(minutes(5))
    m.administer_device(session=s, by=nurse, lot=lot)
    clock.move_to(minutes(10))
    with pytest.raises(ValidationError, match="day 1"):
        m.administer_device(session=s, by=nurse, lot=lot)


def test_an_expired_or_wrong_lot_is_refused(nurse, clock):
    s = checked_in(esketamine_session(), nurse)
    m.session_start_dosing(session=s, by=nurse)
    with pytest.raises(ValidationError, match="expired"):
        m.administer_device(session=s, by=nurse, lot=DrugLotFactory(expires_on=dt.date(2026, 1, 1)))
    with pytest.raises(ValidationError, match="not esketamine"):
        m.administer_device(session=s, by=nurse, lot=DrugLotFactory(drug=Drug.KETAMINE))


def test_observing_needs_two_devices(nurse, clock):
    s = checked_in(esketamine_session(), nurse)
    m.session_start_dosing(session=s, by=nurse)
    m.administer_device(session=s, by=nurse, lot=DrugLotFactory())
    with pytest.raises(ValidationError, match="2 or 3 devices"):
        m.session_start_observing(session=s, by=nurse)


def test_an_iv_infusion_computes_mg_from_weight_and_records_minutes(nurse, clock):
    s = checked_in(iv_session(), nurse)
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory(drug=Drug.KETAMINE, quantity=500)
    adm = m.infusion_start(session=s, by=nurse, lot=lot, weight_kg=Decimal("82.5"), mg_per_kg=Decimal("0.5"))
    assert adm.dose_mg == Decimal("41.3")
    m.session_start_observing(session=s, by=nurse)
    clock.shift(dt.timedelta(minutes=40))
    m.infusion_end(session=s, by=nurse)
    s.refresh_from_db()
    assert (s.first_dose_at, s.dose_given_mg, s.infusion_minutes) == (T0, Decimal("41.3"), 40)


# ---- vitals and alerts ----------------------------------------------------------------------


def test_systolic_must_be_above_diastolic_and_in_range(nurse, clock):
    s = checked_in(esketamine_session(), nurse)
    with pytest.raises(ValidationError, match="above diastolic"):
        m.vitals_record(session=s, by=nurse, systolic=80, diastolic=90)
    with pytest.raises(ValidationError):
        m.vitals_record(session=s, by=nurse, systolic=400, diastolic=90)
    with pytest.raises(ValidationError):
        m.vitals_record(session=s, by=nurse, systolic=120, diastolic=80, spo2=101)
    assert VitalsReading.objects.filter(session=s).count() == 1


def test_one_reading_above_200_120_raises_an_alert(nurse, clock):
    s = observing_session(nurse, clock)
    m.vitals_record(session=s, by=nurse, systolic=204, diastolic=100)
    assert [a.kind for a in s.alerts.all()] == [AlertKind.BP_ONCE]


def test_180_110_needs_two_readings_five_minutes_apart(nurse, clock):
    s = observing_session(nurse, clock)
    clock.move_to(minutes(30))
    m.vitals_record(session=s, by=nurse, systolic=185, diastolic=100)
    clock.move_to(minutes(32))
    m.vitals_record(session=s, by=nurse, systolic=186, diastolic=100)
    assert not s.alerts.exists()
    clock.move_to(minutes(35))
    m.vitals_record(session=s, by=nurse, systolic=184, diastolic=100)
    assert [a.kind for a in s.alerts.all()] == [AlertKind.BP_REPEAT]


def test_a_normal_reading_in_between_resets_the_repeat_rule(nurse, clock):
    s = observing_session(nurse, clock)
    clock.move_to(minutes(30))
    m.vitals_record(session=s, by=nurse, systolic=185, diastolic=100)
    clock.move_to(minutes(33))
    m.vitals_record(session=s, by=nurse, systolic=150, diastolic=90)
    clock.move_to(minutes(36))
    m.vitals_record(session=s, by=nurse, systolic=185, diastolic=100)
    assert not s.alerts.exists()


def test_low_spo2_sustained_heart_rate_and_deep_sedation_raise_alerts(nurse, clock):
    s = observing_session(nurse, clock)
    m.vitals_record(session=s, by=nurse, systolic=130, diastolic=80, spo2=90, heart_rate=125)
    clock.shift(dt.timedelta(minutes=5))
    m.vitals_record(session=s, by=nurse, systolic=130, diastolic=80, spo2=95, heart_rate=126)
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=3)
    assert {a.kind for a in s.alerts.all()} == {AlertKind.SPO2, AlertKind.HEART_RATE, AlertKind.SEDATION}


def test_an_alert_stays_until_a_prescriber_acknowledges_it_with_an_action(nurse, prescriber, clock):
    s = observing_session(nurse, clock)
    m.vitals_record(session=s, by=nurse, systolic=210, diastolic=125)
    alert = s.alerts.get()
    m.vitals_record(session=s, by=nurse, systolic=212, diastolic=125)
    assert s.alerts.count() == 1  # not duplicated while open
    with pytest.raises(ValidationError, match="Only a prescriber"):
        alerts.alert_acknowledge(alert=alert, by=nurse, action="seen")
    with pytest.raises(ValidationError, match="action"):
        alerts.alert_acknowledge(alert=alert, by=prescriber, action="")
    alerts.alert_acknowledge(alert=alert, by=prescriber, action="Labetalol 10 mg IV, recheck in 5 min")
    alert.refresh_from_db()
    assert not alert.is_open and alert.acknowledged_by == prescriber


def test_cadss_needs_every_item_and_totals_them(nurse, clock):
    s = observing_session(nurse, clock)
    with pytest.raises(ValidationError, match="23 CADSS items"):
        m.assessment_record(session=s, by=nurse, scale=Scale.CADSS, items=[1] * 6)
    a = m.assessment_record(session=s, by=nurse, scale=Scale.CADSS, items=[1] * 23)
    assert a.score == 23


# ---- timeline -------------------------------------------------------------------------------


def test_the_40_minute_check_comes_due_then_overdue(nurse, clock):
    s = observing_session(nurse, clock)
    cs = f.clinic_settings()

    def bp40():
        s.refresh_from_db()
        return next(c for c in timeline.due_checks(s, cs) if c.label.startswith("BP 40"))

    clock.move_to(minutes(30))
    assert bp40().status == "upcoming"
    clock.move_to(minutes(37))
    assert bp40().status == "due"
    clock.move_to(minutes(46))
    assert bp40().status == "overdue"
    m.vitals_record(session=s, by=nurse, systolic=140, diastolic=85)
    assert bp40().status == "late"


def test_iv_checks_every_10_minutes_during_and_15_after_the_infusion(nurse, clock):
    s = checked_in(iv_session(), nurse)
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory(drug=Drug.KETAMINE, quantity=500)
    m.infusion_start(session=s, by=nurse, lot=lot, weight_kg=Decimal(70), mg_per_kg=Decimal("0.5"))
    m.session_start_observing(session=s, by=nurse)
    clock.move_to(minutes(40))
    m.infusion_end(session=s, by=nurse)
    s.refresh_from_db()
    labels = [c.label for c in timeline.due_checks(s, f.clinic_settings()) if c.kind == "bp"]
    assert labels[:4] == [
        "BP 10 min (infusion)",
        "BP 20 min (infusion)",
        "BP 30 min (infusion)",
        "BP 40 min (infusion)",
    ]
    assert "BP 55 min (after infusion)" in labels
    assert labels[-1] == "BP before discharge"


# ---- discharge ------------------------------------------------------------------------------


def test_discharge_before_120_minutes_is_refused_even_with_an_override(nurse, prescriber, clock):
    s = ready_session(nurse, clock)
    clock.move_to(minutes(100))
    with pytest.raises(ValidationError, match="not overridable"):
        discharge.session_discharge(
            session=s, by=prescriber, clinician_ready=True, ready_without_rule_minutes=60, override_reason="insists"
        )
    s.refresh_from_db()
    assert s.status == SessionStatus.OBSERVING and not s.is_signed


def test_observation_setting_below_120_does_not_shorten_esketamine(nurse, clock):
    cs = f.clinic_settings()
    cs.esketamine_observation_minutes = 60  # bypassing the form's validator
    s = observing_session(nurse, clock)
    assert timeline.earliest_discharge_at(s, cs) == minutes(120)


def test_discharge_with_every_criterion_met_signs_the_record_and_charges_the_session(nurse, clock):
    s = ready_session(nurse, clock)
    d = discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=75)
    s.refresh_from_db()
    assert s.status == SessionStatus.DISCHARGED
    assert s.signed_at == s.discharged_at == minutes(121)
    assert s.discharged_by == nurse and d.ready_without_rule_minutes == 75
    charge = Charge.objects.get(session=s)
    assert charge.history.get().history_user == nurse
    assert all(c["met"] for c in d.criteria)


def test_each_unmet_criterion_is_named(nurse, clock):
    s = observing_session(nurse, clock)
    clock.move_to(minutes(125))
    crit = {c.key: c.met for c in discharge.discharge_criteria(s, cs=f.clinic_settings(), clinician_ready=True)}
    assert crit == {
        "observation": True,
        "bp": False,
        "checks": False,
        "sedation": False,
        "dissociation": False,
        "alerts": True,
        "clinician": True,
        "ride": False,
    }
    with pytest.raises(ValidationError, match="Ride home present"):
        discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=60)


def test_a_falling_blood_pressure_meets_the_bp_criterion(nurse, clock):
    s = observing_session(nurse, clock)
    clock.move_to(minutes(100))
    m.vitals_record(session=s, by=nurse, systolic=175, diastolic=104)
    clock.move_to(minutes(115))
    m.vitals_record(session=s, by=nurse, systolic=166, diastolic=100)
    crit = {c.key: c for c in discharge.discharge_criteria(s, cs=f.clinic_settings())}
    assert crit["bp"].met and "falling" in crit["bp"].detail


def test_a_prescriber_may_override_unmet_criteria_with_a_reason(nurse, prescriber, clock):
    s = ready_session(nurse, clock)
    Ride.objects.filter(session=s).update(arrived_at=None)
    with pytest.raises(ValidationError, match="Only a prescriber"):
        discharge.session_discharge(
            session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=60, override_reason="taxi"
        )
    d = discharge.session_discharge(
        session=s, by=prescriber, clinician_ready=True, ready_without_rule_minutes=60, override_reason="Taxi booked"
    )
    assert d.overridden and d.override_by == prescriber


def test_an_open_alert_blocks_discharge(nurse, clock):
    s = ready_session(nurse, clock)
    m.vitals_record(session=s, by=nurse, systolic=130, diastolic=80, spo2=88)
    with pytest.raises(ValidationError, match="No open alert"):
        discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=60)


def test_rems_minutes_are_required_for_esketamine(nurse, clock):
    s = ready_session(nurse, clock)
    with pytest.raises(ValidationError, match="2-hour rule"):
        discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=None)


def test_a_signed_record_takes_no_more_readings_but_takes_amendments(nurse, clock):
    s = ready_session(nurse, clock)
    discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=60)
    with pytest.raises(ValidationError, match="signed"):
        m.vitals_record(session=s, by=nurse, systolic=120, diastolic=80)
    with pytest.raises(ValidationError, match="signed"):
        m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
    reading = s.vitals.order_by("taken_at").last()
    a = m.amendment_add(
        session=s, by=nurse, subject="BP at 110 min", original=reading.bp, corrected="123/84", reason="Typo"
    )
    reading.refresh_from_db()
    assert reading.bp == "132/84" and a.original == "132/84"


def test_timezone_is_aware():
    assert timezone.is_aware(T0)


def test_a_session_is_checked_in_only_on_its_day(nurse, clock):
    s = esketamine_session(planned_start=T0 + dt.timedelta(days=3), planned_end=T0 + dt.timedelta(days=3, hours=3))
    with pytest.raises(ValidationError, match="check in on the day"):
        m.session_check_in(session=s, by=nurse, checklist=dict(CHECKLIST))
