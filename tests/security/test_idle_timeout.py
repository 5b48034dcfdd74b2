"""The idle time-out as a nurse meets it: no login page swapped into a panel, no patient data after
it, a form posted after it kept for the same user and put back on the same page, never a 405.
Staff are locked rather than signed out (the lock itself: test_idle_lock.py)."""

from __future__ import annotations

import datetime as dt
import json

import time_machine
from django.test import Client
from django.utils import timezone

from tests import factories_monitoring as fm

from .helpers import password_login

IDLE = dt.timedelta(minutes=16)


def _session(cast):
    return fm.esketamine_session(course=fm.f.CourseFactory(patient=cast.patient_a))


def _vitals_post(client: Client, session, page: str):
    return client.post(
        f"/sessions/{session.pk}/vitals/",
        {"systolic": "152", "diastolic": "94", "heart_rate": "71", "spo2": "", "taken_at": ""},
        HTTP_REFERER=f"http://testserver{page}",
    )


def test_an_automatic_refresh_after_the_time_out_replaces_the_screen_with_the_locked_page(cast):
    session = _session(cast)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(IDLE)
        response = client.get(
            f"/sessions/{session.pk}/live/",
            headers={
                "HX-Request": "true",
                "X-Auto-Refresh": "1",
                "HX-Current-URL": f"http://testserver/sessions/{session.pk}/",
            },
        )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/accounts/locked/?next=%2Fsessions%2F{session.pk}%2F"
    assert response["HX-Trigger"] == "clinic:signed-out"
    assert response.content == b""


def test_an_htmx_request_without_a_session_gets_a_redirect_header_not_a_login_page(cast):
    response = Client().get("/today/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/today/"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/signed-out/?next=%2Ftoday%2F")
    assert b"password" not in response.content


def test_the_signed_out_page_shows_no_patient_data_and_offers_to_log_in_again(cast):
    response = Client().get("/accounts/signed-out/?next=/sessions/5/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Signed out" in text and 'href="/accounts/login/?next=/sessions/5/"' in text
    assert cast.patient_a.last_name not in text


def test_the_signed_out_page_refuses_to_send_anyone_to_another_site(cast):
    response = Client().get("/accounts/signed-out/?next=https://evil.example/")
    assert 'href="/accounts/login/?next=/"' in response.content.decode()


def test_a_form_posted_after_the_time_out_is_not_saved_and_ends_on_the_locked_page(cast):
    session = _session(cast)
    page = f"/sessions/{session.pk}/"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(IDLE)
        response = _vitals_post(client, session, page)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/locked/?next=%2Fsessions%2F{session.pk}%2F"
        locked = client.get(response["Location"])
    assert "not saved" in locked.content.decode() and cast.patient_a.last_name not in locked.content.decode()
    assert session.vitals.count() == 0


def test_after_unlocking_the_same_user_finds_the_typed_values_back_on_the_same_page(cast):
    session = _session(cast)
    page = f"/sessions/{session.pk}/"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(IDLE)
        _vitals_post(client, session, page)
        response = client.post("/accounts/locked/", {"password": "correct-horse-battery", "next": page})
        assert response["Location"] == page
        shown = client.get(page)
        again = client.get(page)
    text = shown.content.decode()
    assert shown.status_code == 200 and "Not saved." in text
    kept = json.loads(text.split('id="unsaved-post" type="application/json">')[1].split("</script>")[0])
    assert kept["action"] == f"/sessions/{session.pk}/vitals/"
    assert kept["values"]["systolic"] == ["152"] and kept["values"]["diastolic"] == ["94"]
    assert "csrfmiddlewaretoken" not in kept["values"]
    assert "Not saved." not in again.content.decode()  # handed back once


def test_someone_else_signing_in_on_that_tablet_never_sees_the_typed_values(cast):
    session = _session(cast)
    page = f"/sessions/{session.pk}/"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(IDLE)
        _vitals_post(client, session, page)
        client.post("/accounts/logout/")  # "Not you? Sign in as someone else"
        client.post("/accounts/login/", {"username": cast.prescriber.username, "password": "correct-horse-battery"})
        shown = client.get(page)
    assert shown.status_code == 200
    assert "unsaved-post" not in shown.content.decode() and "152" not in shown.content.decode()


def test_passwords_are_never_kept_from_a_post_after_the_time_out(cast):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(IDLE)
        client.post(
            "/accounts/password_change/",
            {"old_password": "secret-1", "new_password1": "x", "new_password2": "x"},
            HTTP_REFERER="http://testserver/accounts/password_change/",
        )
    assert "_unsaved_post" not in client.session


def test_asking_how_long_is_left_does_not_keep_the_session_alive(cast, settings):
    settings.STAFF_IDLE_MINUTES = 15
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(dt.timedelta(minutes=10))
        asked = client.get("/accounts/session/", headers={"X-Auto-Refresh": "1"}).json()
        clock.shift(dt.timedelta(minutes=6))
        later = client.get("/accounts/session/", headers={"X-Auto-Refresh": "1"}).json()
    assert asked == {"signed_out": False, "seconds_left": 300}
    assert later == {"signed_out": True, "locked": True, "seconds_left": 0}


def test_stay_signed_in_restarts_the_idle_clock(cast, settings):
    settings.STAFF_IDLE_MINUTES = 15
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(dt.timedelta(minutes=14))
        stayed = client.get("/accounts/session/").json()
        clock.shift(dt.timedelta(minutes=14))
        assert client.get("/patients/").status_code == 200
    assert stayed == {"signed_out": False, "seconds_left": 900}


def test_pages_carry_the_idle_limit_for_the_warning_script(cast):
    client = password_login(cast.staff)
    text = client.get("/patients/").content.decode()
    assert 'data-idle-seconds="900"' in text and 'id="idle-warning"' in text
    assert 'src="/static/js/session.js"' in text
