"""A nurse is made to set up two-factor authentication, keeps a backup code and uses it at the next
login; an admin searches the audit log for a patient's changes and reads."""

import base64

import pytest
from django_otp.oath import totp

from clinic.security import otp
from tests.security.helpers import confirmed_device

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code_from_secret(secret: str) -> str:
    raw = secret.replace(" ", "")
    key = base64.b32decode(raw + "=" * (-len(raw) % 8))
    return str(totp(key)).zfill(6)


def test_a_nurse_sets_up_two_factor_and_logs_in_with_a_backup_code(page, cast, settings):
    settings.REQUIRE_2FA = True
    login(page, cast.staff.username)
    page.goto("/patients/")
    page.wait_for_url("**/accounts/two-factor/setup/**")
    qr = page.locator("img.qr-code")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.naturalWidth") > 0  # the QR code rendered under the CSP
    shot(page, "security-2fa-setup")

    page.fill("#id_token", "000000")
    page.click("input[type=submit]")
    assert "did not match" in page.locator(".invalid-feedback").inner_text()
    page.wait_for_timeout(1500)  # django-otp refuses codes for a second after a wrong one

    page.fill("#id_token", _code_from_secret(page.locator("#totp-secret").inner_text()))
    page.click("input[type=submit]")
    page.wait_for_url("**/accounts/two-factor/backup-codes/**")
    codes = page.locator("#backup-codes span").all_inner_texts()
    assert len(codes) == 10
    shot(page, "security-2fa-backup-codes")
    page.click("text=I have saved them")
    page.wait_for_url("**/patients/")

    page.click(".navbar-toggler")  # the menu is collapsed on a tablet
    page.click("text=" + (cast.staff.get_full_name() or cast.staff.username))
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/accounts/login/**")
    login(page, cast.staff.username)
    page.goto("/patients/")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    shot(page, "security-2fa-verify")
    page.fill("#id_token", codes[0])
    page.click("input[type=submit]")
    page.wait_for_url("**/patients/")
    assert not page.console_errors, page.console_errors


def test_an_admin_searches_the_audit_log_for_a_patient(page, cast, settings):
    settings.REQUIRE_2FA = True
    confirmed_device(cast.admin)
    code = otp.new_backup_codes(cast.admin)[0]
    patient = cast.patient_a
    patient.phone = "+1 555 0100 777"
    patient._history_user = cast.staff
    patient.save()
    login(page, cast.admin.username)
    page.goto(f"/patients/{patient.pk}/")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.fill("#id_token", code)
    page.click("input[type=submit]")
    page.wait_for_url(f"**/patients/{patient.pk}/")

    page.goto("/manage/audit/")
    page.fill("#id_patient", patient.last_name)
    page.click("button:has-text('Search')")
    assert page.locator("#audit-changes tbody tr").count() >= 2  # created, then changed
    shot(page, "security-audit-changes")

    page.select_option("#id_kind", "reads")
    page.click("button:has-text('Search')")
    assert page.locator("#audit-reads tbody tr").first.inner_text().count(patient.full_name) == 1
    shot(page, "security-audit-reads")
    assert not page.console_errors, page.console_errors
