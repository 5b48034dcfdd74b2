"""A nurse runs an esketamine session from check-in to discharge on a tablet, in headless Chromium.

The observation clock is moved by shifting the recorded times into the past (the live server
runs on the real clock), so the 40-minute check comes due and the 2-hour minimum passes.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import F
from django.utils import timezone

from sessions.models import (
    Administration,
    Assessment,
    CheckIn,
    Instrument,
    OutcomeScore,
    SessionStatus,
    TreatmentSession,
    VitalsReading,
)
from tests import factories as f
from tests.factories_monitoring import DrugLotFactory

from .conftest import login, shot, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shift_back(session: TreatmentSession, minutes: int) -> None:
    """Move everything recorded on the session ``minutes`` into the past."""
    d = dt.timedelta(minutes=minutes)
    TreatmentSession.objects.filter(pk=session.pk).update(
        checked_in_at=F("checked_in_at") - d, first_dose_at=F("first_dose_at") - d
    )
    CheckIn.objects.filter(session=session).update(at=F("at") - d)
    VitalsReading.objects.filter(session=session).update(taken_at=F("taken_at") - d)
    Administration.objects.filter(session=session).update(given_at=F("given_at") - d)
    Assessment.objects.filter(session=session).update(taken_at=F("taken_at") - d)


def test_a_nurse_runs_a_session_from_check_in_to_discharge(page, cast):
    nurse = cast.staff
    f.clinic_settings(phone="+1 555 0100 200", address="100 Example Avenue\nSpringfield", rems_setting_id="SET-TEST-1")
    course = f.CourseFactory(patient=cast.patient_a)
    session = f.TreatmentSessionFactory(course=course, number=3, planned_dose_mg=56)
    lot = DrugLotFactory(lot_number="LOT-JOURNEY-1")
    for i, total in enumerate([21, 15, 9]):
        items = [total // 8 + (1 if k < total % 8 else 0) for k in range(8)] + [0]
        OutcomeScore.objects.create(
            patient=cast.patient_a,
            instrument=Instrument.PHQ9,
            items=items,
            total=sum(items),
            band="x",
            completed_at=timezone.now() - dt.timedelta(days=21 - 7 * i),
            source="staff",
            entered_by=nurse,
        )
    login(page, nurse.username)

    # Check-in.
    page.goto(session.get_absolute_url())
    for box in (
        "identity_confirmed",
        "no_food_2h",
        "no_drink_30min",
        "nasal_spray_ok",
        "contraindications_unchanged",
        "rems_enrolled",
    ):
        page.check(f"#id_{box}")
    assert page.input_value("#id_ride_name") == "Sam Driver"
    page.get_by_role("button", name="Check in").click()
    assert "Checked in" in page.locator("#session-status").inner_text()

    # Pre-dose vitals, then dosing with two devices.
    page.fill("#id_vitals_systolic", "132")
    page.fill("#id_vitals_diastolic", "84")
    page.fill("#id_vitals_heart_rate", "74")
    page.fill("#id_vitals_spo2", "98")
    page.get_by_role("button", name="Record vitals").click()
    page.locator("form[action$='/start-dosing/'] button[type=submit]").click()
    assert "Dosing" in page.locator("#session-status").inner_text()
    for _ in range(2):
        page.select_option("#id_device_lot", str(lot.pk))
        page.get_by_role("button", name="Record device").click()
    assert page.locator(".alert-warning").count() >= 1  # devices less than 5 minutes apart are warned
    submit(page, page.get_by_role("button", name="Dosing complete — observe"))
    assert "Observing" in page.locator("#session-status").inner_text()
    assert "BP 40 min (peak)" in page.content()

    # 45 minutes later the 40-minute blood pressure is overdue, in red.
    shift_back(session, 45)
    page.reload()
    overdue = page.locator("#live .overdue")
    assert overdue.count() >= 1 and "BP 40 min" in overdue.first.inner_text()
    shot(page, "monitoring-session-overdue")
    page.goto("/monitor/")
    assert "BP 40 min (peak) overdue" in page.content()
    shot(page, "monitoring-board")
    page.goto(session.get_absolute_url())
    page.fill("#id_vitals_systolic", "154")
    page.fill("#id_vitals_diastolic", "92")
    page.get_by_role("button", name="Record vitals").click()
    assert page.locator("#live .overdue").filter(has_text="BP 40 min").count() == 0
    page.check("#id_moaas_score_1")  # the scheduled 40-minute sedation and dissociation checks
    page.get_by_role("button", name="Record MOAA/S").click()
    page.get_by_role("button", name="Record CADSS").click()

    # The nurse cannot discharge early.
    page.check("#id_discharge_clinician_ready")
    page.fill("#id_discharge_ready_without_rule_minutes", "70")
    page.get_by_role("button", name="Discharge and sign").click()
    assert "not overridable" in page.content()
    assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.OBSERVING

    # Two hours after the first device, with every check done and the ride here, discharge.
    shift_back(session, 80)
    page.goto(session.get_absolute_url())
    page.fill("#id_vitals_systolic", "134")
    page.fill("#id_vitals_diastolic", "84")
    page.get_by_role("button", name="Record vitals").click()
    page.check("#id_moaas_score_0")  # first choice: 5, responds readily
    page.get_by_role("button", name="Record MOAA/S").click()
    page.get_by_role("button", name="Record CADSS").click()  # short form, all items 0
    page.get_by_role("button", name="Ride is here").click()
    criteria = page.locator("#gate .unmet")
    assert criteria.count() == 0, criteria.all_inner_texts()
    shot(page, "monitoring-session-ready")
    page.check("#id_discharge_clinician_ready")
    page.fill("#id_discharge_ready_without_rule_minutes", "70")
    page.get_by_role("button", name="Discharge and sign").click()
    assert "Discharged" in page.locator("#session-status").inner_text()
    s = TreatmentSession.objects.get(pk=session.pk)
    assert s.is_signed and s.discharged_by_id == nurse.pk

    # The REMS form has every field filled.
    page.get_by_role("link", name=re.compile("REMS form")).click()
    form = page.locator(".rems-form")
    values = form.locator("dd").all_inner_texts()
    labels = form.locator("dt").all_inner_texts()
    assert len(labels) >= 28
    empty = [lab for lab, val in zip(labels, values, strict=True) if val.strip() in ("", "—")]
    assert not empty, empty
    assert "LOT-JOURNEY-1" in form.inner_text() and "154/92" in form.inner_text()
    shot(page, "monitoring-rems-form")

    # The patient page charts the scores and the session's blood pressures.
    page.goto(f"/patients/{cast.patient_a.pk}/")
    page.wait_for_function("document.querySelector('#bp-chart') && document.querySelector('#bp-chart').width > 0")
    page.locator("#outcomes-panel").scroll_into_view_if_needed()
    shot(page, "monitoring-patient-charts")
    # The refused early discharge answers 400 on purpose; anything else (CSP, script errors) fails.
    errors = [e for e in page.console_errors if "status of 400" not in e]
    assert not errors, errors
