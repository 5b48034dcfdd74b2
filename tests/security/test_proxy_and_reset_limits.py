"""Behind the proxy, lockouts and reset limits key on the client's own address; password resets are limited."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from clinic.security.models import PasswordResetRequest
from tests import factories as f

from .helpers import PASSWORD

PROXY = "127.0.0.1"  # nginx on the same host: every request reaches gunicorn from loopback


def via_proxy(client_address: str, spoofed: str = "") -> Client:
    """A client behind nginx, which appends the address it saw to X-Forwarded-For."""
    forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_five_wrong_passwords_from_one_client_behind_the_proxy_do_not_lock_the_user_out_elsewhere(
    db, settings, behind_one_proxy
):
    user = f.StaffFactory()
    attacker = via_proxy("203.0.113.5", spoofed="198.51.100.7")  # cannot pose as the nurse by the header
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, user.username, "wrong")
    assert login(attacker, user.username, PASSWORD).status_code == 429
    assert login(via_proxy("198.51.100.7"), user.username, PASSWORD).status_code == 302


def test_without_the_proxy_setting_every_client_behind_the_proxy_shares_one_lockout(db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    user = f.StaffFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(via_proxy("203.0.113.5"), user.username, "wrong")
    assert login(via_proxy("198.51.100.7"), user.username, PASSWORD).status_code == 429


def test_password_resets_for_one_address_stop_after_the_limit(db, settings):
    user = f.StaffFactory(email="nurse@example.org")
    for n in range(settings.PASSWORD_RESET_PER_ADDRESS):
        response = Client(REMOTE_ADDR=f"203.0.113.{n + 1}").post("/accounts/password_reset/", {"email": user.email})
        assert response.status_code == 302
    response = Client(REMOTE_ADDR="203.0.113.99").post("/accounts/password_reset/", {"email": "NURSE@example.org"})
    assert response.status_code == 429
    assert "Too many reset requests" in response.content.decode()
    assert len(mail.outbox) == settings.PASSWORD_RESET_PER_ADDRESS


def test_password_resets_from_one_client_stop_after_the_limit_whatever_the_address(db, settings, behind_one_proxy):
    client = via_proxy("203.0.113.5")
    for n in range(settings.PASSWORD_RESET_PER_CLIENT):
        assert client.post("/accounts/password_reset/", {"email": f"probe{n}@example.org"}).status_code == 302
    assert client.post("/accounts/password_reset/", {"email": "another@example.org"}).status_code == 429
    assert via_proxy("198.51.100.7").post("/accounts/password_reset/", {"email": "x@example.org"}).status_code == 302
    assert PasswordResetRequest.objects.count() == settings.PASSWORD_RESET_PER_CLIENT + 1
    assert not PasswordResetRequest.objects.filter(address_hash__contains="@").exists()
