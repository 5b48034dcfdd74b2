"""Sessions: key rotated at login, every session ended at logout and at deactivation, idle and
absolute lifetimes, cookie flags."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from clinic.security.models import UserSession

from .helpers import password_login


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_session_key_changes_at_login(cast):
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    client.cookies["sessionid"] = client.session.session_key
    before = client.session.session_key
    password_login(cast.staff, client)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_each_login_is_recorded_for_its_user(cast):
    tablet, desk = password_login(cast.staff), password_login(cast.staff)
    keys = set(UserSession.objects.filter(user=cast.staff).values_list("session_key", flat=True))
    assert keys == {tablet.session.session_key, desk.session.session_key}


def test_logging_out_ends_every_session_of_that_user(cast):
    tablet, desk = password_login(cast.staff), password_login(cast.staff)
    other = password_login(cast.prescriber)
    desk.post("/accounts/logout/")
    response = tablet.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not UserSession.objects.filter(user=cast.staff).exists()
    assert other.get("/patients/").status_code == 200


def test_deactivating_a_user_ends_every_session_of_that_user(cast):
    tablet = password_login(cast.staff)
    cast.staff.is_active = False
    cast.staff.save()
    assert not Session.objects.filter(session_key=tablet.session.session_key).exists()
    assert tablet.get("/patients/").status_code == 302


def test_an_admin_deactivating_staff_on_the_staff_page_ends_their_sessions(cast, admin_client_):
    tablet = password_login(cast.staff)
    page = admin_client_.get(f"/manage/staff/{cast.staff.pk}/")
    form = page.context["form"]
    data = {name: field.value() for name, field in ((n, form[n]) for n in form.fields)}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    data.pop("is_active", None)
    admin_client_.post(f"/manage/staff/{cast.staff.pk}/", data)
    cast.staff.refresh_from_db()
    assert not cast.staff.is_active
    assert tablet.get("/patients/").status_code == 302


def test_a_password_change_keeps_the_new_key_on_record(cast):
    client = password_login(cast.staff)
    client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-brand-new-Passphrase-42",
            "new_password2": "a-brand-new-Passphrase-42",
        },
    )
    assert UserSession.objects.filter(user=cast.staff, session_key=client.session.session_key).exists()


def test_staff_are_locked_not_logged_out_after_the_idle_time(cast, settings):
    settings.STAFF_IDLE_MINUTES = 15
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(dt.timedelta(minutes=14))
        assert client.get("/patients/").status_code == 200
        clock.shift(dt.timedelta(minutes=16))
        response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/locked/")
    assert _logged_in(client) and client.session["_locked"] is True


def test_every_session_ends_after_the_absolute_lifetime_even_when_busy(cast, settings):
    settings.SESSION_ABSOLUTE_HOURS = 12
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = password_login(cast.staff)
        for _ in range(71):  # a request every 10 minutes for 11 h 50 min
            clock.shift(dt.timedelta(minutes=10))
            assert client.get("/patients/").status_code == 200
        clock.shift(dt.timedelta(minutes=11))
        response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_session_and_csrf_cookies_are_httponly_and_samesite(cast):
    client = Client()
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"username": cast.staff.username, "password": "correct-horse-battery"})
    session_cookie = client.cookies["sessionid"]
    csrf_cookie = client.cookies["csrftoken"]
    for cookie in (session_cookie, csrf_cookie):
        assert cookie["httponly"]
        assert cookie["samesite"] in ("Lax", "Strict")


def test_records_of_expired_sessions_are_forgotten_at_the_next_login(cast):
    old = password_login(cast.staff)
    Session.objects.filter(session_key=old.session.session_key).delete()  # expired and cleared
    new = password_login(cast.staff)
    keys = set(UserSession.objects.filter(user=cast.staff).values_list("session_key", flat=True))
    assert keys == {new.session.session_key}
