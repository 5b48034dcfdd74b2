"""A nurse adds a patient, finds them again and opens the record; an admin edits clinic settings."""

import pytest

from clinic.models import Patient

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_adds_a_patient_and_finds_the_record_again(page, cast):
    login(page, cast.staff.username)
    page.goto("/patients/new/")
    page.fill("#id_first_name", "Robin")
    page.fill("#id_last_name", "Example")
    page.fill("#id_date_of_birth", "1980-04-02")
    page.select_option("#id_sex", "F")
    page.fill("#id_phone", "not a phone")
    shot(page, "foundation-patient-form")
    page.click("input[type=submit]")
    assert page.locator(".invalid-feedback, .text-danger").first.is_visible()
    assert not Patient.objects.filter(last_name="Example").exists()
    page.fill("#id_phone", "+1 555 0100 123")
    page.click("input[type=submit]")
    page.wait_for_url("**/patients/*/")
    assert "Robin Example" in page.locator("h1").inner_text()
    shot(page, "foundation-patient-detail")
    page.goto("/patients/")
    page.fill("#id_q", "exam")
    page.click("button:has-text('Search')")
    assert page.locator("table tbody tr").count() == 1
    shot(page, "foundation-patient-list")
    assert not page.console_errors, page.console_errors


def test_an_admin_opens_the_settings_with_their_sources(page, cast):
    login(page, cast.admin.username)
    page.goto("/manage/settings/")
    assert "SPRAVATO REMS" in page.content()
    shot(page, "foundation-settings")
    assert not page.console_errors, page.console_errors
