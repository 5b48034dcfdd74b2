"""The portal on a phone (390×844): the next appointment, its ride and the preparation come first, amounts
fit the screen in plain words, the clinic's address and phone are on every page, and a patient asks to
move an appointment (a time outside opening hours is refused with the hours)."""

import datetime as dt

import pytest
from django.utils import timezone

from sessions.billing import services as billing
from sessions.models import AppointmentRequest, RideStatus
from tests import factories as f
from tests.factories_billing import discharged_session, standard_prices
from tests.factories_scheduling import ensure_protocols

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_patient_reads_the_portal_on_a_phone_and_asks_to_move(page, cast):
    ensure_protocols()
    standard_prices()
    f.open_weekdays()
    f.clinic_settings(address="100 Example Avenue, Suite 200\nSpringfield", phone="+1 555 0100 200")
    patient = cast.patient_a
    billing.charge_session(session=discharged_session(patient=patient, given=84))
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    start = dt.datetime.combine(monday, dt.time(9), tzinfo=timezone.get_current_timezone())
    s = f.TreatmentSessionFactory(course=f.CourseFactory(patient=patient), planned_start=start, planned_dose_mg=84)
    f.RideFactory(session=s, status=RideStatus.PLANNED)

    page.set_viewport_size(PHONE)
    login(page, patient.user.username)
    main = page.locator("main").inner_text()
    assert main.index("Your next appointment") < main.index("Ride not confirmed") < main.index("No food")
    assert "+1 555 0100 200" in page.locator("footer").inner_text()
    assert fits(page)
    shot(page, "portal-home-phone")

    page.goto("/portal/costs/")
    assert "Esketamine visit, 84 mg" in page.content() and "J0013" not in page.content()
    assert page.locator(".portal-amounts").first.is_visible()
    assert fits(page)
    shot(page, "portal-costs-phone")

    page.goto(f"/portal/appointments/{s.pk}/")
    page.check("input[name=kind][value=move]")
    page.fill("#id_preferred_date", (monday + dt.timedelta(days=1)).isoformat())
    page.fill("#id_preferred_time", "17:30")
    page.click("#change-request-form input[type=submit]")
    assert "outside opening hours" in page.locator("#change").inner_text()
    assert not AppointmentRequest.objects.exists()
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()  # the refusal is a 400 page, as every refused form
    page.fill("#id_preferred_time", "10:00")
    page.click("#change-request-form input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Waiting for the clinic" in page.locator("#change").inner_text()
    assert AppointmentRequest.objects.get().preferred_start.astimezone(timezone.get_current_timezone()).hour == 10
    assert fits(page)
    shot(page, "portal-appointment-phone")
    assert not page.console_errors, page.console_errors
