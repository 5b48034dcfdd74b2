"""Issue 10 at the chair, in headless Chromium on a tablet: a prescriber titrates session 2 of a TRD course to
84 mg on the course page; the nurse gives 3 devices; discharge is blocked because the 40-minute blood pressure
was never taken; the prescriber writes why; the nurse discharges; the REMS form shows 84 mg and
"not taken — <reason>"; the Medicare charge is G2083-KX.

The observation clock is moved by shifting the recorded times into the past (the live server runs on the real
clock), as in the monitoring journey.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from sessions.models import Charge, MissedCheck, PayerKind, SessionStatus, TreatmentSession
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, standard_prices
from tests.factories_monitoring import DrugLotFactory

from .conftest import TABLET, login, shot, submit
from .test_monitoring_journey import shift_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Patient asleep at 40 min; not woken (prescriber's decision)"


def tablet_page(chromium, live_server):
    context = chromium.new_context(viewport=TABLET, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_titration_to_84_mg_a_missed_40_minute_bp_and_the_rems_form(page, chromium, live_server, cast):
    nurse, prescriber = cast.staff, cast.prescriber
    f.clinic_settings(phone="+1 555 0100 200", address="100 Example Avenue\nSpringfield", rems_setting_id="SET-1")
    standard_prices()
    CoverageFactory(patient=cast.patient_a, payer=PayerFactory(kind=PayerKind.MEDICARE), copay=Decimal("0"))
    now = timezone.now().replace(second=0, microsecond=0)
    course = f.CourseFactory(patient=cast.patient_a, prescriber=prescriber)
    f.TreatmentSessionFactory(
        course=course,
        number=1,
        planned_start=now - dt.timedelta(days=3),
        status=SessionStatus.DISCHARGED,
        first_dose_at=now - dt.timedelta(days=3, minutes=-20),
        dose_given_mg=Decimal("56"),
        discharged_at=now - dt.timedelta(days=3, minutes=-150),
        signed_at=now - dt.timedelta(days=3, minutes=-150),
    )
    session = f.TreatmentSessionFactory(course=course, number=2, planned_start=now - dt.timedelta(minutes=20))
    f.TreatmentSessionFactory(course=course, number=3, planned_start=now + dt.timedelta(days=4))
    lot = DrugLotFactory(lot_number="LOT-84-JOURNEY")

    # 1. The prescriber titrates session 2 to 84 mg on the course page.
    doctor_context, doctor = tablet_page(chromium, live_server)
    login(doctor, prescriber.username)
    doctor.goto(course.get_absolute_url())
    panel = doctor.locator("#dose-panel")
    assert "56 mg (2 devices)" in panel.inner_text()
    panel.locator("summary", has_text="Change the planned dose").click()
    doctor.select_option("#id_dose_session", str(session.pk))
    doctor.check("input[name=dose_mg][value='84']")
    doctor.fill("#id_dose_reason", "Partial response at 56 mg, tolerated well")
    doctor.get_by_role("button", name="Change the planned dose").click()
    assert "Planned dose changed to 84 mg" in doctor.content()
    assert "56 mg → 84 mg" in doctor.locator("#dose-panel").inner_text()
    shot(doctor, "titration-course-page")

    # 2. The nurse checks in and gives the three devices the plan now allows; no dose form for a nurse.
    login(page, nurse.username)
    page.goto(session.get_absolute_url())
    assert page.locator("#planned-dose").inner_text() == "84 mg (3 devices)"
    assert page.locator("#id_dose_reason").count() == 0
    for box in (
        "identity_confirmed",
        "no_food_2h",
        "no_drink_30min",
        "nasal_spray_ok",
        "contraindications_unchanged",
        "rems_enrolled",
    ):
        page.check(f"#id_{box}")
    page.get_by_role("button", name="Check in").click()
    page.fill("#id_vitals_systolic", "132")
    page.fill("#id_vitals_diastolic", "84")
    page.get_by_role("button", name="Record vitals").click()
    page.locator("form[action$='/start-dosing/'] button[type=submit]").click()
    for _ in range(3):
        page.select_option("#id_device_lot", str(lot.pk))
        page.get_by_role("button", name="Record device").click()
    assert "3 of 3 planned" in page.locator("#device-count").inner_text()
    assert page.locator("#id_device_lot").count() == 0  # no fourth device is offered
    submit(page, page.get_by_role("button", name="Dosing complete — observe"))
    assert "Observing" in page.locator("#session-status").inner_text()

    # 3. The 40-minute MOAA/S and CADSS are taken, the 40-minute BP is not; two hours on, all else is done.
    shift_back(session, 40)
    page.reload()
    page.check("#id_moaas_score_1")  # 4, lethargic response to name
    submit(page, page.get_by_role("button", name="Record MOAA/S"))
    submit(page, page.get_by_role("button", name="Record CADSS"))
    shift_back(session, 85)
    page.reload()
    page.fill("#id_vitals_systolic", "134")
    page.fill("#id_vitals_diastolic", "84")
    page.get_by_role("button", name="Record vitals").click()
    page.check("#id_moaas_score_0")  # 5, alert
    page.get_by_role("button", name="Record MOAA/S").click()
    page.get_by_role("button", name="Record CADSS").click()
    page.get_by_role("button", name="Ride is here").click()

    # 4. Discharge is blocked by the missed 40-minute BP; the nurse is told to ask a prescriber.
    assert "BP 40 min (peak)" in page.locator("#gate .criterion-checks.unmet").inner_text()
    page.check("#id_discharge_clinician_ready")
    page.fill("#id_discharge_ready_without_rule_minutes", "75")
    page.get_by_role("button", name="Discharge and sign").click()
    assert "BP 40 min (peak) not recorded" in page.content()
    assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.OBSERVING
    assert "ask a prescriber to write why it was missed" in page.locator("#missed-checks").inner_text()
    page.locator("#missed-checks").scroll_into_view_if_needed()
    shot(page, "titration-discharge-blocked")

    # 5. The prescriber writes why the check was missed (an empty reason is refused first).
    doctor.goto(session.get_absolute_url())
    card = doctor.locator("#missed-checks")
    card.get_by_role("button", name="Record why not taken").click()  # empty: refused beside the field
    assert "Write why the check was not taken." in doctor.locator("#missed-bp\\@40-error").inner_text()
    assert not MissedCheck.objects.exists()
    doctor.fill("#missed-bp\\@40", REASON)
    doctor.locator("#missed-checks").get_by_role("button", name="Record why not taken").click()
    assert "Reason recorded" in doctor.content()
    assert f"not taken — {REASON}" in doctor.locator("#live").inner_text()
    shot(doctor, "titration-missed-check-reason")

    # 6. The nurse discharges; the REMS form shows 84 mg and "not taken — <reason>".
    page.goto(session.get_absolute_url())
    assert page.locator("#gate .criterion-checks.met").count() == 1
    page.check("#id_discharge_clinician_ready")
    page.fill("#id_discharge_ready_without_rule_minutes", "75")
    page.get_by_role("button", name="Discharge and sign").click()
    assert "Discharged" in page.locator("#session-status").inner_text()
    page.get_by_role("link", name=re.compile("REMS form")).click()
    form = page.locator(".rems-form")
    fields = dict(zip(form.locator("dt").all_inner_texts(), form.locator("dd").all_inner_texts(), strict=True))
    assert fields["Dose"].strip() == "84 mg"
    assert fields["Blood pressure about 40 minutes after administration"].strip() == f"not taken — {REASON}"
    assert "LOT-84-JOURNEY" in fields["Lot number(s)"]
    shot(page, "titration-rems-form")

    # 7. A correction after signing: the REMS form shows the amended value, marked, the original a click away.
    page.goto(session.get_absolute_url())
    page.locator("summary", has_text="Add an amendment").click()
    option = page.locator("#id_amendment_target option", has_text=re.compile(r"^BP at .* \(observation\): 134/84$"))
    page.select_option("#id_amendment_target", option.get_attribute("value"))
    page.fill("#id_amendment_corrected", "138/86")
    page.fill("#id_amendment_reason", "Transcribed from the wrong line")
    page.get_by_role("button", name="Add amendment").click()
    assert "Amendment added" in page.content()
    page.get_by_role("link", name=re.compile("REMS form")).click()
    last_bp = page.locator("dt", has_text="Blood pressure before completion").locator("xpath=following-sibling::dd[1]")
    assert last_bp.inner_text().startswith("138/86 at") and "amended" in last_bp.inner_text()
    last_bp.locator("summary", has_text="original").click()
    assert "recorded 134/84 — Transcribed from the wrong line" in last_bp.inner_text()
    last_bp.scroll_into_view_if_needed()
    shot(page, "titration-rems-form-amended")

    charge = Charge.objects.get(session=session)
    assert [(line.code, line.modifier) for line in charge.lines.all()] == [("G2083", "KX")]
    assert charge.dose_mg == Decimal("84")
    errors = [e for e in page.console_errors if "status of 400" not in e]
    assert not errors, errors
    doctor_context.close()
