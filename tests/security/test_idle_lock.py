"""The idle lock for staff: past the idle limit every page shows a locked screen without patient
data; the same user unlocks with the password alone and is back on the page; a wrong password
counts like a failed login; anyone else signs in fully; the absolute limit still ends it."""

from __future__ import annotations

import datetime as dt

import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests import factories_monitoring as fm

from .helpers import PASSWORD, code_for, confirmed_device, password_login

IDLE = dt.timedelta(minutes=16)


def _locked_client(cast, clock) -> Client:
    client = password_login(cast.staff)
    clock.shift(IDLE)
    return client


def _page(cast) -> str:
    session = fm.esketamine_session(course=fm.f.CourseFactory(patient=cast.patient_a))
    return f"/sessions/{session.pk}/"


def test_after_the_idle_limit_a_patient_page_shows_the_locked_screen_without_patient_data(cast):
    page = _page(cast)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        response = client.get(page, follow=True)
    text = response.content.decode()
    assert response.redirect_chain == [(f"/accounts/locked/?next=%2Fsessions%2F{page.split('/')[2]}%2F", 302)]
    assert response.status_code == 200
    assert f"Locked — {cast.staff.first_name}" in text
    assert cast.patient_a.last_name not in text and cast.patient_a.first_name not in text
    assert cast.staff.last_name not in text  # the first name only
    assert text.count('type="password"') == 1 and 'name="username"' not in text
    assert "Not you? Sign in as someone else" in text
    assert 'id="mainnav"' not in text  # no menus while locked


def test_unlocking_with_the_right_password_returns_to_the_page(cast):
    page = _page(cast)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        client.get(page)
        response = client.post("/accounts/locked/", {"password": PASSWORD, "next": page})
        again = client.get(page)
    assert response.status_code == 302 and response["Location"] == page
    assert again.status_code == 200 and cast.patient_a.last_name in again.content.decode()
    assert "_locked" not in client.session


def test_unlocking_restarts_the_idle_clock(cast, settings):
    settings.STAFF_IDLE_MINUTES = 15
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        client.post("/accounts/locked/", {"password": PASSWORD, "next": "/patients/"})
        clock.shift(dt.timedelta(minutes=14))
        assert client.get("/patients/").status_code == 200


def test_a_wrong_password_is_refused_and_counted_like_a_failed_login(cast):
    page = _page(cast)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        response = client.post("/accounts/locked/", {"password": "wrong-guess", "next": page})
        still = client.get(page)
    assert response.status_code == 400
    assert "not the password of this account" in response.content.decode()
    assert cast.patient_a.last_name not in response.content.decode()
    assert still.status_code == 302 and still["Location"].startswith("/accounts/locked/")
    attempt = AccessAttempt.objects.get(username=cast.staff.username)
    assert attempt.failures_since_start == 1


def test_repeated_wrong_passwords_lock_the_username_and_end_the_session(cast, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        refused = [
            client.post("/accounts/locked/", {"password": "wrong-guess", "next": "/patients/"}).status_code
            for _ in range(settings.AXES_FAILURE_LIMIT)
        ]
        last = client.post("/accounts/locked/", {"password": PASSWORD, "next": "/patients/"})
        login = client.post("/accounts/login/", {"username": cast.staff.username, "password": PASSWORD})
    assert refused == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert "_auth_user_id" not in client.session
    assert last.status_code == 302 and last["Location"].startswith("/accounts/signed-out/")
    assert login.status_code == 429 and "Too many failed" in login.content.decode()


def test_a_right_password_forgives_earlier_wrong_ones(cast):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        client.post("/accounts/locked/", {"password": "wrong-guess", "next": "/patients/"})
        client.post("/accounts/locked/", {"password": PASSWORD, "next": "/patients/"})
    assert not AccessAttempt.objects.filter(username=cast.staff.username).exists()


def test_someone_else_must_sign_in_fully_after_not_you(cast):
    page = _page(cast)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        login_url = f"/accounts/login/?next={page}"
        response = client.post("/accounts/logout/", {"next": login_url})
        after = client.get(page)
    assert response.status_code == 302 and response["Location"] == login_url
    assert "_auth_user_id" not in client.session
    assert after.status_code == 302 and after["Location"].startswith("/accounts/login/")


def test_another_users_password_does_not_unlock(cast):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        response = client.post(
            "/accounts/locked/", {"username": cast.prescriber.username, "password": PASSWORD + "x", "next": "/"}
        )
    assert response.status_code == 400 and client.session["_auth_user_id"] == str(cast.staff.pk)


def test_the_absolute_limit_still_ends_a_locked_session(cast, settings):
    settings.SESSION_ABSOLUTE_HOURS = 12
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        clock.shift(dt.timedelta(hours=12))
        response = client.post("/accounts/locked/", {"password": PASSWORD, "next": "/patients/"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/signed-out/")
    assert "_auth_user_id" not in client.session


def test_an_htmx_request_while_locked_gets_a_redirect_header_to_the_locked_page(cast):
    page = _page(cast)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        client.get("/patients/")
        response = client.get(
            f"{page}live/", headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
        )
    assert response.status_code == 204 and response.content == b""
    assert response["HX-Redirect"] == f"/accounts/locked/?next=%2Fsessions%2F{page.split('/')[2]}%2F"


def test_patients_are_still_signed_out_fully(cast, settings):
    settings.PATIENT_IDLE_MINUTES = 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.patient_a.user)
        clock.shift(dt.timedelta(minutes=61))
        response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session and "_locked" not in client.session


def test_the_locked_page_sends_an_unlocked_user_on_and_a_signed_out_one_to_the_signed_out_page(cast):
    active = password_login(cast.staff).get("/accounts/locked/?next=/patients/")
    anonymous = Client().get("/accounts/locked/?next=/patients/")
    assert active.status_code == 302 and active["Location"] == "/patients/"
    assert anonymous.status_code == 302 and anonymous["Location"] == "/accounts/signed-out/?next=%2Fpatients%2F"


def test_the_locked_page_refuses_to_send_anyone_to_another_site(cast):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        response = client.post("/accounts/locked/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_user_who_passed_two_factor_unlocks_with_the_password_alone(cast, settings):
    settings.REQUIRE_2FA = True
    device = confirmed_device(cast.staff)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        client.post("/accounts/two-factor/verify/", {"token": code_for(device), "next": "/patients/"})
        clock.shift(IDLE)
        assert client.get("/patients/")["Location"].startswith("/accounts/locked/")
        response = client.post("/accounts/locked/", {"password": PASSWORD, "next": "/patients/"})
        after = client.get("/patients/")
    assert response["Location"] == "/patients/"
    assert after.status_code == 200


def test_unlocking_never_skips_a_second_step_not_yet_taken(cast, settings):
    settings.REQUIRE_2FA = True
    confirmed_device(cast.staff)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)  # password given, code never typed
        locked = client.get("/accounts/locked/?next=/patients/")
        client.post("/accounts/locked/", {"password": PASSWORD, "next": "/patients/"})
        after = client.get("/patients/")
    assert locked.status_code == 200  # the locked page itself, not a loop through the code step
    assert after.status_code == 302 and after["Location"].startswith("/accounts/two-factor/verify/")


def test_a_message_waiting_to_be_shown_waits_until_after_unlocking(cast):
    from django.contrib.messages import INFO
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = _locked_client(cast, clock)
        client.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(INFO, "Saved for Ada Alpha")])
        locked = client.get("/accounts/locked/?next=/patients/")
        client.post("/accounts/locked/", {"password": PASSWORD, "next": "/patients/"})
        after = client.get("/patients/")
    assert locked.status_code == 200 and "Ada Alpha" not in locked.content.decode()
    assert "Saved for Ada Alpha" in after.content.decode()
