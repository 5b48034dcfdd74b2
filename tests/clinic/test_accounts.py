"""Logins: case-insensitive usernames, throttling, idle time-outs, role homes."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from clinic.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_usernames_are_unique_ignoring_case(db):
    f.StaffFactory(username="Nora")
    with pytest.raises(IntegrityError):
        User.objects.create(username="nora", email="other@example.org")


def test_emails_are_unique_ignoring_case(db):
    f.StaffFactory(email="Nora@Example.org")
    with pytest.raises(IntegrityError):
        User.objects.create(username="someone", email="nora@example.org")


def test_a_user_logs_in_with_any_case_of_their_username(db):
    f.StaffFactory(username="nora")
    response = _login(Client(), "NORA")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("factory", "home"),
    [(f.AdminFactory, "/clinic/"), (f.StaffFactory, "/today/"), (f.PrescriberFactory, "/today/")],
)
def test_each_role_lands_on_its_own_home_page(db, factory, home):
    user = factory()
    client = Client()
    _login(client, user.username)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == home


def test_a_patient_lands_on_the_portal(db):
    patient = f.PortalPatientFactory()
    client = Client()
    _login(client, patient.user.username)
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/portal/"


def test_repeated_failed_logins_lock_the_username_even_with_the_right_password(db, settings):
    user = f.StaffFactory()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, user.username, "wrong")
    response = _login(client, user.username)
    assert response.status_code == 429
    assert "Too many failed" in response.content.decode()


def test_a_locked_username_does_not_lock_other_users(db, settings):
    victim, other = f.StaffFactory(), f.StaffFactory()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, victim.username, "wrong")
    assert _login(client, other.username).status_code == 302


def test_staff_are_locked_out_of_every_page_after_the_idle_time(db, settings):
    user = f.StaffFactory()
    client = Client()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _login(client, user.username)
        assert client.get(reverse("staff_home")).status_code == 200
        clock.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1))
        response = client.get(reverse("staff_home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/locked/")


def test_activity_keeps_a_staff_session_alive(db, settings):
    user = f.StaffFactory()
    client = Client()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _login(client, user.username)
        for _ in range(3):
            clock.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES - 1))
            assert client.get(reverse("staff_home")).status_code == 200


def test_automatic_refreshes_do_not_count_as_activity(db, settings):
    user = f.StaffFactory()
    client = Client()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _login(client, user.username)
        clock.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES - 1))
        client.get(reverse("staff_home"), headers={"X-Auto-Refresh": "1"})
        clock.shift(dt.timedelta(minutes=2))
        response = client.get(reverse("staff_home"))
    assert response.status_code == 302


def test_patients_get_a_longer_idle_time_than_staff(db, settings):
    patient = f.PortalPatientFactory()
    client = Client()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        _login(client, patient.user.username)
        clock.shift(dt.timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1))
        assert client.get(reverse("portal_home")).status_code == 200


def test_the_password_change_page_changes_the_password(db):
    user = f.StaffFactory()
    client = Client()
    client.force_login(user)
    client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Another-long-pass-77", "new_password2": "Another-long-pass-77"},
    )
    user.refresh_from_db()
    assert user.check_password("Another-long-pass-77")
