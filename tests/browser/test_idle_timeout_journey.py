"""A nurse types a blood pressure, walks away, and the session locks: the screen shows no patient
data, and after unlocking with the password the typed values are back in the form with a plain
"not saved" — whether the time-out was met by pressing Save or by the board's refresh."""

from __future__ import annotations

import importlib
import re
import time

import pytest
from django.conf import settings

from clinic.security.session_keys import LAST_SEEN
from tests import factories_monitoring as fm

from .conftest import login, shot
from .test_accessibility import BLOCKING, _axe_source

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


def _unlock(page) -> None:
    page.fill("#id_password", "correct-horse-battery")
    page.click("button:has-text('Unlock')")


def test_a_bp_typed_before_the_time_out_comes_back_after_unlocking(page, cast, observing):
    login(page, cast.staff.username)
    page.goto(f"/sessions/{observing.pk}/")
    page.fill("#id_vitals_systolic", "152")
    page.fill("#id_vitals_diastolic", "94")
    _expire(page)
    page.click("#vitals-card input[type=submit]")
    page.wait_for_url("**/accounts/locked/**")
    assert cast.patient_a.last_name not in page.content()
    assert f"Locked — {cast.staff.first_name}" in page.locator("h1").inner_text()
    assert "not saved" in page.locator("main").inner_text()
    shot(page, "idle-locked-after-save")

    _unlock(page)
    page.wait_for_url(f"**/sessions/{observing.pk}/")
    assert "Not saved." in page.locator(".unsaved-post").inner_text()
    assert page.input_value("#id_vitals_systolic") == "152"
    assert page.input_value("#id_vitals_diastolic") == "94"
    shot(page, "idle-values-restored")
    assert observing.vitals.filter(systolic=152).count() == 0
    page.click("#vitals-card input[type=submit]")
    page.wait_for_url(re.compile(rf".*/sessions/{observing.pk}/(#[\w-]+)?$"))  # the save keeps the nurse's place
    assert observing.vitals.filter(systolic=152, diastolic=94).count() == 1
    assert not page.console_errors, page.console_errors


def test_the_automatic_refresh_at_the_time_out_clears_the_screen_and_keeps_what_was_typed(page, cast, observing):
    page.clock.install()
    login(page, cast.staff.username)
    page.goto(f"/sessions/{observing.pk}/")
    page.fill("#id_vitals_systolic", "148")
    _expire(page)
    page.clock.run_for(31_000)  # the live panel refreshes every 30 seconds
    page.wait_for_url("**/accounts/locked/**")
    assert cast.patient_a.last_name not in page.content()
    shot(page, "idle-locked-by-refresh")

    _unlock(page)
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
    assert "Locking the screen in 1 minute" in warning.inner_text()
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    shot(page, "idle-warning")
    page.click("text=Stay signed in")
    warning.wait_for(state="hidden")
    assert page.url.endswith("/patients/")


def test_someone_else_at_the_locked_tablet_signs_in_fully_and_sees_nothing_typed(page, cast, observing):
    login(page, cast.staff.username)
    page.goto(f"/sessions/{observing.pk}/")
    page.fill("#id_vitals_systolic", "152")
    page.fill("#id_vitals_diastolic", "94")
    _expire(page)
    page.click("#vitals-card input[type=submit]")
    page.wait_for_url("**/accounts/locked/**")
    page.click("button:has-text('Not you? Sign in as someone else')")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", cast.prescriber.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/sessions/{observing.pk}/")
    assert page.input_value("#id_vitals_systolic") == ""
    assert page.locator(".unsaved-post").count() == 0


def test_the_locked_page_has_no_serious_accessibility_finding(chromium, live_server, cast):
    # Only a locked session reaches it, so the axe walk over the access tables never sees it.
    context = chromium.new_context(viewport={"width": 820, "height": 1180}, base_url=live_server.url, bypass_csp=True)
    try:
        page = context.new_page()
        login(page, cast.staff.username)
        _expire(page)
        page.goto("/patients/")
        page.wait_for_url("**/accounts/locked/**")
        page.add_script_tag(content=_axe_source())
        result = page.evaluate("async () => JSON.parse(JSON.stringify(await axe.run(document)))")
    finally:
        context.close()
    found = [f"[{v['impact']}] {v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in BLOCKING]
    assert not found, found
