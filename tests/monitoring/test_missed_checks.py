"""Every scheduled check before discharge, at the service level with frozen time: recorded, or a prescriber's
written reason why it was missed; the discharge criteria list it; the REMS form says "not taken — <reason>"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clinic.models import ClinicSettings
from sessions.models import MissedCheck, Scale, SessionStatus, TreatmentSession
from sessions.monitoring import discharge, missed, rems, timeline
from sessions.monitoring import services as m
from sessions.monitoring.selectors import live_sessions
from tests import factories as f
from tests.factories_monitoring import DrugLotFactory, checked_in, dosed, esketamine_session, iv_session

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


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def without_the_40_minute_bp(nurse, clock):
    """An esketamine session at 121 minutes: everything recorded but the 40-minute blood pressure."""
    s = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    clock.move_to(at(40))
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=4)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[1, 0, 0, 0, 0, 0])
    clock.move_to(at(110))
    m.vitals_record(session=s, by=nurse, systolic=132, diastolic=84)
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
    m.ride_arrived(session=s, by=nurse)
    clock.move_to(at(121))
    return s


def fresh(session) -> TreatmentSession:
    return live_sessions().get(pk=session.pk)


def test_discharge_is_refused_while_the_40_minute_bp_was_never_taken_even_with_an_override(nurse, prescriber, clock):
    s = without_the_40_minute_bp(nurse, clock)
    with pytest.raises(ValidationError, match="BP 40 min .peak. not recorded"):
        discharge.session_discharge(
            session=s, by=prescriber, clinician_ready=True, ready_without_rule_minutes=70, override_reason="Fine"
        )
    s.refresh_from_db()
    assert s.status == SessionStatus.OBSERVING and not s.is_signed


def test_the_discharge_criteria_list_the_scheduled_checks_as_a_criterion(nurse, clock):
    s = without_the_40_minute_bp(nurse, clock)
    crit = {c.key: c for c in discharge.discharge_criteria(fresh(s), cs=ClinicSettings.load())}
    assert crit["checks"].met is False and not crit["checks"].overridable
    assert "BP 40 min (peak)" in crit["checks"].detail


def test_a_prescribers_written_reason_lets_the_session_be_discharged(nurse, prescriber, clock):
    s = without_the_40_minute_bp(nurse, clock)
    row = missed.missed_check_record(session=s, by=prescriber, key="bp@40", reason="Patient asleep; cuff refused")
    assert (row.by, row.label, row.due_at) == (prescriber, "BP 40 min (peak)", at(40))
    assert row.history.get().history_user == prescriber
    d = discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=70)
    checks = next(c for c in d.criteria if c["key"] == "checks")
    assert checks["met"] and "1 not taken" in checks["detail"]


def test_the_rems_form_says_not_taken_with_the_reason_instead_of_a_blank(nurse, prescriber, clock):
    s = without_the_40_minute_bp(nurse, clock)
    missed.missed_check_record(session=s, by=prescriber, key="bp@40", reason="Patient asleep; cuff refused")
    discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=70)
    rows = dict(p for _t, pairs in rems.rems_form(fresh(s), ClinicSettings.load()).rows for p in pairs)
    assert str(rows["Blood pressure about 40 minutes after administration"]) == (
        "not taken — Patient asleep; cuff refused"
    )


def test_a_nurse_cannot_excuse_a_missed_check_and_nothing_is_saved(nurse, clock):
    s = without_the_40_minute_bp(nurse, clock)
    with pytest.raises(ValidationError, match="Only a prescriber"):
        missed.missed_check_record(session=s, by=nurse, key="bp@40", reason="Forgot")
    assert not MissedCheck.objects.exists()


def test_a_missed_check_needs_a_written_reason(prescriber, nurse, clock):
    s = without_the_40_minute_bp(nurse, clock)
    with pytest.raises(ValidationError) as exc:
        missed.missed_check_record(session=s, by=prescriber, key="bp@40", reason="   ")
    assert "reason" in exc.value.message_dict
    assert not MissedCheck.objects.exists()


def test_a_check_not_yet_due_cannot_be_excused(prescriber, nurse, clock):
    s = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    clock.move_to(at(30))
    with pytest.raises(ValidationError, match="due at"):
        missed.missed_check_record(session=s, by=prescriber, key="bp@40", reason="Will not take it")


def test_a_recorded_check_cannot_be_excused(prescriber, nurse, clock):
    s = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    clock.move_to(at(40))
    m.vitals_record(session=s, by=nurse, systolic=150, diastolic=90)
    with pytest.raises(ValidationError, match="is recorded"):
        missed.missed_check_record(session=s, by=prescriber, key="bp@40", reason="x")


def test_a_check_the_protocol_does_not_schedule_cannot_be_excused(prescriber, nurse, clock):
    s = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    clock.move_to(at(60))
    with pytest.raises(ValidationError, match="not scheduled"):
        missed.missed_check_record(session=s, by=prescriber, key="bp@55", reason="x")


def test_a_scheduled_moaas_never_taken_blocks_discharge(nurse, clock):
    s = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    clock.move_to(at(40))
    m.vitals_record(session=s, by=nurse, systolic=150, diastolic=90)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
    clock.move_to(at(110))
    m.vitals_record(session=s, by=nurse, systolic=132, diastolic=84)
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
    m.ride_arrived(session=s, by=nurse)
    clock.move_to(at(121))
    with pytest.raises(ValidationError, match="MOAA/S 40 min not recorded"):
        discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=70)


def test_an_infusion_with_no_blood_pressure_during_it_cannot_be_discharged(nurse, prescriber, clock):
    s = iv_session()
    checked_in(s, nurse, at=T0 - dt.timedelta(minutes=10))
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory(drug="ketamine", quantity=5000)
    m.infusion_start(session=s, by=nurse, lot=lot, weight_kg=Decimal(70), mg_per_kg=Decimal("0.5"))
    m.session_start_observing(session=s, by=nurse)
    clock.move_to(at(40))
    m.infusion_end(session=s, by=nurse)
    clock.move_to(at(45))
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
    clock.move_to(at(65))
    m.vitals_record(session=s, by=nurse, systolic=128, diastolic=80)
    m.ride_arrived(session=s, by=nurse)
    clock.move_to(at(71))
    pending = timeline.unrecorded_checks(timeline.due_checks(fresh(s), ClinicSettings.load()), at(71))
    assert [c.key for c in pending] == ["bp@10", "bp@20", "bp@30", "bp@40", "bp@55"]
    with pytest.raises(ValidationError, match="BP 10 min .infusion."):
        discharge.session_discharge(
            session=s, by=prescriber, clinician_ready=True, ready_without_rule_minutes=None, override_reason="ok"
        )


def test_the_timeline_shows_a_missed_check_as_not_taken_with_its_reason(nurse, prescriber, clock):
    s = without_the_40_minute_bp(nurse, clock)
    missed.missed_check_record(session=s, by=prescriber, key="bp@40", reason="Vomiting; measured at 55 min")
    check = timeline.check_by_key(timeline.due_checks(fresh(s), ClinicSettings.load()), "bp@40")
    assert check.status == "not_taken" and check.missed.reason == "Vomiting; measured at 55 min"


def test_after_an_infusion_each_blood_pressure_counts_for_its_own_check(nurse, clock):
    s = iv_session()
    checked_in(s, nurse, at=T0 - dt.timedelta(minutes=10))
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory(drug="ketamine", quantity=5000)
    m.infusion_start(session=s, by=nurse, lot=lot, weight_kg=Decimal(70), mg_per_kg=Decimal("0.5"))
    m.session_start_observing(session=s, by=nurse)
    for minute in (10, 20, 30, 40, 55, 68):
        clock.move_to(at(minute))
        if minute == 40:
            m.infusion_end(session=s, by=nurse)
        m.vitals_record(session=s, by=nurse, systolic=130, diastolic=80)
    checks = {c.key: c for c in timeline.due_checks(fresh(s), ClinicSettings.load(), at(71)) if c.kind == "bp"}
    assert list(checks) == ["bp@10", "bp@20", "bp@30", "bp@40", "bp@55", "bp@discharge"]
    assert checks["bp@55"].done_at == at(55) and checks["bp@discharge"].done_at == at(68)
