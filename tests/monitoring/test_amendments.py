"""Amendments flow everywhere, at the service level with frozen time: every view reads readings through one
helper that applies them, marks them amended and keeps the original."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.billing.ledger import patient_ledger
from sessions.models import AmendedField, Amendment, Charge, Scale, TreatmentSession, VitalsKind, VitalsReading
from sessions.monitoring import amendments, discharge, panels, rems, timeline
from sessions.monitoring import services as m
from sessions.monitoring.selectors import live_sessions
from tests import factories as f
from tests.factories_billing import standard_prices
from tests.factories_monitoring import all_checks_recorded, dosed, esketamine_session

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 16, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def nurse():
    return f.StaffFactory(first_name="Nia", last_name="Nurse")


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def hm(minutes: int) -> str:
    return f"{timezone.localtime(at(minutes)):%H:%M}"


def fresh(session) -> TreatmentSession:
    return live_sessions().get(pk=session.pk)


def rems_rows(session) -> dict:
    form = rems.rems_form(fresh(session), ClinicSettings.load())
    return {label: value for _title, pairs in form.rows for label, value in pairs}


def forty_minute_reading(session) -> VitalsReading:
    return session.vitals.filter(kind=VitalsKind.OBSERVATION).order_by("taken_at").first()


@pytest.fixture
def signed(nurse, clock):
    """A discharged esketamine session whose 40-minute blood pressure was 142/88."""
    s = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    all_checks_recorded(s, nurse, clock=clock, t0=T0)
    discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=70)
    return s


def test_an_amended_bp_shows_on_the_rems_form_marked_with_the_original(signed, nurse):
    reading = forty_minute_reading(signed)
    m.amendment_add(
        session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="152/94", reason="Misread cuff"
    )
    value = rems_rows(signed)["Blood pressure about 40 minutes after administration"]
    assert str(value) == f"152/94 at {hm(40)}"
    [mark] = value.amendments
    assert (mark.original, mark.reason, mark.by) == ("142/88", "Misread cuff", "Nia Nurse, RN")


def test_the_original_reading_is_left_as_recorded(signed, nurse):
    reading = forty_minute_reading(signed)
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="152/94", reason="x")
    reading.refresh_from_db()
    assert reading.bp == "142/88"
    amendment = Amendment.objects.get()
    assert (amendment.subject, amendment.original, amendment.corrected) == (
        f"Blood pressure at {hm(40)} (observation)",
        "142/88",
        "152/94",
    )
    assert amendment.history.get().history_user == nurse


def test_the_latest_correction_of_a_field_wins(signed, nurse, clock):
    reading = forty_minute_reading(signed)
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="152/94", reason="a")
    clock.shift(dt.timedelta(minutes=5))
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="148/90", reason="b")
    amended = next(r for r in amendments.amended_vitals(fresh(signed)) if r.pk == reading.pk)
    assert amended.bp == "148/90" and amended.amended["bp"].original == "142/88"


def test_the_timeline_check_shows_the_amended_value(signed, nurse):
    reading = forty_minute_reading(signed)
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="152/94", reason="x")
    check = timeline.check_by_key(timeline.due_checks(fresh(signed), ClinicSettings.load()), "bp@40")
    assert check.value == "152/94" and check.amended.original == "142/88"


def test_an_amended_sedation_score_changes_the_rems_answer_and_is_marked(signed, nurse):
    moaas = signed.assessments.filter(scale=Scale.MOAAS).order_by("taken_at").last()
    m.amendment_add(
        session=signed, by=nurse, assessment=moaas, corrects=AmendedField.SCORE, corrected="3", reason="Wrong box"
    )
    value = rems_rows(signed)["Sedation"]
    assert str(value).startswith("Yes: ") and f"MOAA/S 3 at {hm(110)}" in str(value)
    assert [a.original for a in value.amendments] == ["5"]


def test_an_amended_spo2_shows_as_respiratory_depression(signed, nurse):
    reading = forty_minute_reading(signed)
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.SPO2, corrected="89", reason="x")
    value = rems_rows(signed)["Respiratory depression"]
    assert str(value) == f"Yes: SpO2 89% at {hm(40)}" and value.amendments[0].original == "98%"


def test_the_discharge_criteria_read_the_amended_blood_pressure(nurse, clock):
    s = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    clock.move_to(at(110))
    m.vitals_record(session=s, by=nurse, systolic=132, diastolic=84)
    reading = forty_minute_reading(s)
    m.amendment_add(session=s, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="182/112", reason="x")
    clock.move_to(at(121))
    crit = {c.key: c for c in discharge.discharge_criteria(fresh(s), cs=ClinicSettings.load())}
    assert not crit["bp"].met and crit["bp"].detail.startswith("latest reading 182/112 (amended)")


def test_the_bp_chart_plots_the_amended_value_and_names_the_original(signed, nurse):
    reading = forty_minute_reading(signed)
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="152/94", reason="x")
    data = panels.patient_monitoring_panel(None, signed.patient)
    assert data["bp_data"]["forty"] == [152]
    assert data["bp_data"]["amended"][1] == ["amended; recorded 142/88 — x"]
    assert [p["mark"].original for p in data["amended_points"]] == ["142/88"]


def test_a_dose_corrected_before_discharge_is_what_the_session_is_charged_for(nurse, clock):
    standard_prices(on=T0.date() - dt.timedelta(days=30))
    s = dosed(esketamine_session(planned_dose_mg=84), nurse, start=T0, clock=clock, devices=3)
    m.amendment_add(session=s, by=nurse, corrects=AmendedField.DOSE, corrected="56", reason="Device 3 misfired")
    all_checks_recorded(s, nurse, clock=clock, t0=T0)
    discharge.session_discharge(session=s, by=nurse, clinician_ready=True, ready_without_rule_minutes=70)
    assert Charge.objects.get(session=s).dose_mg == Decimal("56")
    dose = rems_rows(s)["Dose"]
    assert str(dose) == "56 mg" and dose.amendments[0].original == "84 mg"


def test_a_dose_corrected_after_charging_shows_on_the_ledger_marked_and_says_the_charge_needs_adjusting(signed, nurse):
    m.amendment_add(session=signed, by=nurse, corrects=AmendedField.DOSE, corrected="84", reason="3rd device given")
    [row] = patient_ledger(signed.patient).rows
    assert row.dose_mg == Decimal("84") and row.charge.dose_mg == Decimal("56")
    assert row.dose_mark.original == "56 mg" and row.charged_on_other_dose


def test_a_correction_is_checked_like_a_new_reading_and_nothing_is_saved(signed, nurse):
    reading = forty_minute_reading(signed)
    for typed, message in (("88/120", "Systolic must be above"), ("abc", "systolic/diastolic"), ("300/90", "between")):
        with pytest.raises(ValidationError, match=message):
            m.amendment_add(
                session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected=typed, reason="x"
            )
    assert not Amendment.objects.exists()


def test_an_esketamine_dose_is_corrected_in_28_mg_steps(signed, nurse):
    with pytest.raises(ValidationError, match="28, 56 or 84 mg"):
        m.amendment_add(session=signed, by=nurse, corrects=AmendedField.DOSE, corrected="70", reason="x")


def test_a_reading_of_another_session_cannot_be_amended(signed, nurse, clock):
    other = dosed(esketamine_session(), nurse, start=T0, clock=clock)
    reading = forty_minute_reading(signed)
    with pytest.raises(ValidationError, match="a reading of this session"):
        m.amendment_add(
            session=other, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="150/90", reason="x"
        )


def test_a_correction_that_changes_nothing_is_refused(signed, nurse):
    reading = forty_minute_reading(signed)
    with pytest.raises(ValidationError, match="already reads 142/88"):
        m.amendment_add(
            session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="142/88", reason="x"
        )


def test_the_amended_readings_of_a_loaded_session_are_worked_out_once_for_all_its_readers(signed, nurse):
    reading = forty_minute_reading(signed)
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="152/94", reason="x")
    session = fresh(signed)
    with mock.patch.object(amendments, "_latest", side_effect=amendments._latest) as latest:
        first, again = amendments.amended_vitals(session), amendments.amended_vitals(session)
        amendments.amended_assessments(session), amendments.amended_assessments(session)
    assert latest.call_count == 2  # once for the readings, once for the scores
    assert [r.bp for r in first] == [r.bp for r in again] and first is not again
    first.clear()  # a reader's list is its own
    assert len(amendments.amended_vitals(session)) == len(again) > 0


def test_a_session_loaded_again_after_a_correction_shows_it(signed, nurse):
    session = fresh(signed)
    before = {r.pk: r.bp for r in amendments.amended_vitals(session)}
    reading = forty_minute_reading(signed)
    m.amendment_add(session=signed, by=nurse, vitals=reading, corrects=AmendedField.BP, corrected="152/94", reason="x")
    after = {r.pk: r.bp for r in amendments.amended_vitals(fresh(signed))}
    assert before[reading.pk] == "142/88" and after[reading.pk] == "152/94"
