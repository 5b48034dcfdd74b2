"""A nurse types a blood pressure, walks away, and the session times out: the screen shows no
patient data, and after logging in again the typed values are back in the form with a plain
"not saved" — whether the time-out was met by pressing Save or by the board's refresh."""

from __future__ import annotations

import importlib
import time

import pytest
from django.conf import settings

from clinic.middleware import LAST_SEEN
from tests import factories_monitoring as fm

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _expire(page, seconds: int = 16 * 60) -> None:
    """Move the server's idle clock back (16 minutes: the nurse walked away)."""
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore
    (cookie,) = [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    session = store(session_key=cookie["value"])
    session[LAST_SEEN] = time.time() - seconds
    session.save()


@pytest.fixture
def observing(cast):
    session = fm.esketamine_session(course=fm.f.CourseFactory(patient=cast.patient_a))
    return fm.dosed(session, cast.staff)


def test_a_bp_typed_before_the_time_out_comes_back_after_logging_in_again(page, cast, observing):
    login(page, cast.staff.username)
    page.goto(f"/sessions/{observing.pk}/")
    page.fill("#id_vitals_systolic", "152")
    page.fill("#id_vitals_diastolic", "94")
    _expire(page)
    page.click("#vitals-card input[type=submit]")
    page.wait_for_url("**/accounts/signed-out/**")
    assert cast.patient_a.last_name not in page.content()
    assert "not saved" in page.locator("main").inner_text()
    shot(page, "idle-signed-out-after-save")

    page.click("a:has-text('Log in again')")
    page.fill("#id_username", cast.staff.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/sessions/{observing.pk}/")
    assert "Not saved." in page.locator(".unsaved-post").inner_text()
    assert page.input_value("#id_vitals_systolic") == "152"
    assert page.input_value("#id_vitals_diastolic") == "94"
    shot(page, "idle-values-restored")
    assert observing.vitals.filter(systolic=152).count() == 0
    page.click("#vitals-card input[type=submit]")
    page.wait_for_url(f"**/sessions/{observing.pk}/")
    assert observing.vitals.filter(systolic=152, diastolic=94).count() == 1
    assert not page.console_errors, page.console_errors


def test_the_automatic_refresh_at_the_time_out_clears_the_screen_and_keeps_what_was_typed(page, cast, observing):
    page.clock.install()
    login(page, cast.staff.username)
    page.goto(f"/sessions/{observing.pk}/")
    page.fill("#id_vitals_systolic", "148")
    _expire(page)
    page.clock.run_for(31_000)  # the live panel refreshes every 30 seconds
    page.wait_for_url("**/accounts/signed-out/**")
    assert cast.patient_a.last_name not in page.content()
    shot(page, "idle-signed-out-by-refresh")

    page.click("a:has-text('Log in again')")
    page.fill("#id_username", cast.staff.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/sessions/{observing.pk}/")
    assert page.input_value("#id_vitals_systolic") == "148"
    assert "not saved yet" in page.locator(".restored-notice").inner_text()


def test_a_warning_comes_a_minute_before_the_time_out_and_stay_signed_in_keeps_the_session(page, cast, settings):
    settings.STAFF_IDLE_MINUTES = 2
    page.clock.install()
    login(page, cast.staff.username)
    page.goto("/patients/")
    warning = page.locator("#idle-warning")
    assert warning.is_hidden()
    _expire(page, 61)  # the server's clock and the page's move on together
    page.clock.run_for(61_000)
    warning.wait_for(state="visible")
    assert "Signing out in 1 minute" in warning.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    shot(page, "idle-warning")
    page.click("text=Stay signed in")
    warning.wait_for(state="hidden")
    assert page.url.endswith("/patients/")
