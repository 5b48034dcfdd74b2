"""Two-factor authentication: set-up with a QR code, backup codes shown once, the verify step
after the password, enforcement for staff when REQUIRE_2FA is on, opt-in for patients, throttling."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.security import otp

from .helpers import PASSWORD, code_for, confirmed_device, password_login


@pytest.fixture
def required(settings):
    settings.REQUIRE_2FA = True
    return settings


def test_staff_without_a_device_are_sent_to_set_up_from_every_page(required, cast):
    client = password_login(cast.staff)
    for url in ("/patients/", "/django-admin/", "/accounts/password_change/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_an_htmx_refresh_without_the_second_factor_sends_the_whole_page_to_set_up(required, cast):
    response = password_login(cast.staff).get("/today/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == "/accounts/two-factor/setup/"


def test_admins_are_held_to_it_too(required, cast):
    response = password_login(cast.admin).get("/manage/staff/")
    assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_the_setup_page_shows_a_qr_code_as_a_data_uri_and_the_key(required, cast):
    response = password_login(cast.staff).get("/accounts/two-factor/setup/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html
    device = TOTPDevice.objects.get(user=cast.staff, confirmed=False)
    assert otp.secret_for_manual_entry(device) in html


def test_the_setup_page_keeps_the_same_key_across_visits(required, cast):
    client = password_login(cast.staff)
    client.get("/accounts/two-factor/setup/")
    client.get("/accounts/two-factor/setup/")
    assert TOTPDevice.objects.filter(user=cast.staff).count() == 1


def test_a_wrong_first_code_leaves_two_factor_off_with_a_message_beside_the_field(required, cast):
    client = password_login(cast.staff)
    client.get("/accounts/two-factor/setup/")
    response = client.post("/accounts/two-factor/setup/", {"token": "000000"})
    assert response.status_code == 200
    assert "That code did not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.staff, confirmed=True).exists()
    assert client.get("/patients/").status_code == 302


def test_the_right_first_code_turns_it_on_and_shows_ten_backup_codes_once(required, cast):
    client = password_login(cast.staff)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=cast.staff)
    response = client.post("/accounts/two-factor/setup/", {"token": code_for(device)}, follow=True)
    codes = re.findall(r'<span class="border rounded px-2 py-1 d-inline-block">(\w+)</span>', response.content.decode())
    assert len(codes) == 10
    assert set(codes) == set(StaticToken.objects.filter(device__user=cast.staff).values_list("token", flat=True))
    again = client.get("/accounts/two-factor/backup-codes/").content.decode()
    assert not any(code in again for code in codes)
    assert client.get("/patients/").status_code == 200  # verified in this session


def test_after_the_password_a_user_with_a_device_must_enter_a_code(required, cast):
    device = confirmed_device(cast.staff)
    client = password_login(cast.staff)
    response = client.get("/patients/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/verify/?next=%2Fpatients%2F"
    response = client.post("/accounts/two-factor/verify/", {"token": code_for(device), "next": "/patients/"})
    assert response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200


def test_the_verify_step_refuses_a_next_url_on_another_site(required, cast):
    device = confirmed_device(cast.staff)
    client = password_login(cast.staff)
    response = client.post("/accounts/two-factor/verify/", {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_session_key_changes_at_the_verify_step(required, cast):
    device = confirmed_device(cast.staff)
    client = password_login(cast.staff)
    before = client.session.session_key
    client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    assert client.session.session_key != before


def test_a_backup_code_works_once(required, cast):
    confirmed_device(cast.staff)
    code = otp.new_backup_codes(cast.staff)[0]
    first = password_login(cast.staff)
    assert first.post("/accounts/two-factor/verify/", {"token": code})["Location"] == "/"
    second = password_login(cast.staff)
    response = second.post("/accounts/two-factor/verify/", {"token": code})
    assert response.status_code == 200
    assert "That code did not match" in response.content.decode()


def test_the_same_app_code_is_not_accepted_twice(required, cast):
    device = confirmed_device(cast.staff)
    code = code_for(device)
    password_login(cast.staff).post("/accounts/two-factor/verify/", {"token": code})
    response = password_login(cast.staff).post("/accounts/two-factor/verify/", {"token": code})
    assert response.status_code == 200


def test_wrong_codes_lock_the_account_like_wrong_passwords(required, cast):
    required.AXES_FAILURE_LIMIT = 3
    device = confirmed_device(cast.staff)
    statuses = []
    for _ in range(3):
        client = password_login(cast.staff)  # a correct password must not reset the code counter
        device.refresh_from_db()
        device.throttling_failure_count = 0  # isolate axes from django-otp's own back-off
        device.save()
        statuses.append(client.post("/accounts/two-factor/verify/", {"token": "000000"}).status_code)
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    assert "_auth_user_id" not in client.session  # logged out
    # Still locked: even the right code is refused now.
    client = password_login(cast.staff)
    response = client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    assert response.status_code == 429


def test_django_otp_backs_off_after_a_wrong_code(required, cast):
    required.OTP_TOTP_THROTTLE_FACTOR = 60  # a slow machine must not outlast the back-off
    device = confirmed_device(cast.staff)
    client = password_login(cast.staff)
    client.post("/accounts/two-factor/verify/", {"token": "000000"})
    # Within the back-off even the right code is refused.
    response = client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_patients_are_not_forced_to_use_it(required, cast):
    client = password_login(cast.patient_a.user)
    assert client.get("/portal/").status_code == 200


def test_a_patient_may_turn_it_on_and_is_then_asked_for_a_code(required, cast):
    user = cast.patient_a.user
    client = password_login(user)
    client.get("/accounts/two-factor/setup/")
    client.post("/accounts/two-factor/setup/", {"token": code_for(TOTPDevice.objects.get(user=user))})
    later = password_login(user)
    assert later.get("/portal/")["Location"].startswith("/accounts/two-factor/verify/")


def test_a_patient_may_turn_it_off_again(required, cast):
    user = cast.patient_a.user
    device = confirmed_device(user)
    client = password_login(user)
    client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    client.post("/accounts/two-factor/off/")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert password_login(user).get("/portal/").status_code == 200


def test_staff_cannot_turn_it_off_while_it_is_required(required, cast):
    device = confirmed_device(cast.staff)
    client = password_login(cast.staff)
    client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    client.post("/accounts/two-factor/off/")
    assert TOTPDevice.objects.filter(user=cast.staff, confirmed=True).exists()


def test_a_user_with_a_device_cannot_add_another_before_verifying(required, cast):
    confirmed_device(cast.staff)
    client = password_login(cast.staff)
    response = client.get("/accounts/two-factor/setup/")
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    client.post("/accounts/two-factor/setup/", {"token": "123456"})
    assert TOTPDevice.objects.filter(user=cast.staff).count() == 1


def test_in_development_mode_staff_without_a_device_go_straight_in(settings, cast):
    settings.REQUIRE_2FA = False
    assert password_login(cast.staff).get("/patients/").status_code == 200


def test_new_backup_codes_replace_the_old_ones(required, cast):
    device = confirmed_device(cast.staff)
    old = otp.new_backup_codes(cast.staff)
    client = password_login(cast.staff)
    client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    client.post("/accounts/two-factor/backup-codes/new/", {"password": PASSWORD})
    tokens = set(StaticToken.objects.filter(device__user=cast.staff).values_list("token", flat=True))
    assert len(tokens) == 10
    assert not tokens & set(old)


@pytest.mark.parametrize("sent", [{}, {"password": "wrong-guess"}])
def test_new_backup_codes_need_the_password_again(required, cast, sent):
    device = confirmed_device(cast.staff)
    old = otp.new_backup_codes(cast.staff)
    client = password_login(cast.staff)
    client.post("/accounts/two-factor/verify/", {"token": code_for(device)})
    response = client.post("/accounts/two-factor/backup-codes/new/", sent)
    assert response.status_code == 400
    assert response.context["form"].errors["password"]
    tokens = set(StaticToken.objects.filter(device__user=cast.staff).values_list("token", flat=True))
    assert tokens == set(old)
