"""Billing in headless Chromium on the demo clinic: a discharged session's charge and codes, the
patient's costs in the portal, a payment and its receipt, and the admin reports."""

from decimal import Decimal

import pytest

from sessions.billing import services as billing
from sessions.billing.reports import REPORTS
from sessions.models import Charge, ChargeKind, PayerKind

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


@pytest.fixture
def demo(db):
    import sessions.demo  # noqa: F401  (registers the treatment domain's demo steps)
    from clinic.demo import run_demo
    from sessions.models import Protocol, ProtocolPhase
    from sessions.scheduling.protocols import install_protocols

    install_protocols(Protocol, ProtocolPhase)  # a transactional test before this one flushed them
    return run_demo(PASSWORD)


def _charged_portal_patient():
    charges = Charge.objects.filter(kind=ChargeKind.SESSION, patient__user__isnull=False, total__gt=0)
    for charge in charges.select_related("patient__user", "payer").order_by("patient_id"):
        if billing.patient_balance(charge.patient) > 0:
            return charge
    pytest.fail("The demo has no charged session with a balance for a portal patient.")


def _switch_user(page, username):
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def test_a_discharged_session_is_charged_seen_in_the_portal_paid_and_reported(page, demo):
    charge = _charged_portal_patient()
    patient = charge.patient
    expected = ["G2082-KX", "G2083-KX"] if charge.payer and charge.payer.kind == PayerKind.MEDICARE else ["J0013"]

    # The admin sees the charge with the right codes for the patient's payer.
    login(page, "admin", PASSWORD)
    page.goto(f"/billing/patients/{patient.pk}/")
    codes = " ".join(page.locator('[data-testid="code"]').all_inner_texts())
    assert any(code in codes for code in expected), codes
    assert not page.console_errors, page.console_errors
    shot(page, "billing-patient-account")

    # The patient sees the session's cost and the balance in the portal.
    _switch_user(page, patient.user.username)
    page.goto("/portal/costs/")
    balance_before = billing.patient_balance(patient)
    assert f"{charge.service_date:%a} {charge.service_date.day} {charge.service_date:%b %Y}" in page.content()
    assert f"{balance_before:,.2f}" in page.locator('[data-testid="balance"]').inner_text()
    assert not page.console_errors, page.console_errors
    shot(page, "billing-portal-costs")
    page.goto("/portal/")
    shot(page, "billing-portal-home-panel")

    # The front desk records a payment: the balance comes down and a receipt prints.
    _switch_user(page, "nurse")
    amount = min(balance_before, Decimal("25.00"))
    page.goto(f"/billing/patients/{patient.pk}/payment/")
    page.fill("#id_amount", str(amount))
    page.select_option("#id_method", "card")
    page.fill("#id_reference", "SLIP-0042")
    page.click("main input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/billing/receipts/" in page.url
    after = balance_before - amount
    assert f"{amount:,.2f}" in page.locator('[data-testid="receipt-amount"]').inner_text()
    assert f"{after:,.2f}" in page.locator('[data-testid="receipt-balance"]').inner_text()
    assert billing.patient_balance(patient) == after
    page.emulate_media(media="print")
    shot(page, "billing-receipt-print")
    page.emulate_media(media="screen")

    # The reports open, with their chart drawn.
    _switch_user(page, "admin")
    for slug in REPORTS:
        page.goto(f"/billing/reports/{slug}/")
        assert page.locator('[data-testid="report-table"]').is_visible()
        page.wait_for_function(
            "document.getElementById('report-chart') === null || "
            "!!window.Chart && !!window.Chart.getChart(document.getElementById('report-chart'))"
        )
        shot(page, f"billing-report-{slug}")
    assert not page.console_errors, page.console_errors


def test_an_authorisation_about_to_run_out_is_shown_on_the_patient_page(page, demo):
    from sessions.models import PriorAuthorisation

    auth = PriorAuthorisation.objects.order_by("pk").first()
    assert auth is not None
    login(page, "admin", PASSWORD)
    page.goto(f"/patients/{auth.patient_id}/")
    panel = page.locator('[data-testid="billing-panel"]')
    assert "about to run out" in panel.inner_text() or "beyond" in panel.inner_text()
    shot(page, "billing-patient-panel-authorisation")
    page.goto(f"/billing/patients/{auth.patient_id}/")
    shot(page, "billing-patient-authorisation")

    # The course page warns too, and estimates each upcoming session.
    course = auth.patient.courses.filter(protocol=auth.protocol).first()
    page.goto(f"/courses/{course.pk}/")
    panel = page.locator('[data-testid="billing-panel"]')
    assert "authorised session" in panel.inner_text()
    shot(page, "billing-course-panel")

    # A discharged booking shows its charge; a planned one its estimate.
    charged = Charge.objects.filter(kind=ChargeKind.SESSION).order_by("pk").first()
    page.goto(f"/bookings/{charged.session_id}/")
    assert page.locator('[data-testid="billing-panel"] [data-testid="code"]').count() >= 1
    shot(page, "billing-booking-charged")

    page.goto("/manage/prices/")
    assert page.locator('[data-testid="price-row"]').count() >= 5
    shot(page, "billing-prices")
    page.goto(f"/billing/patients/{charged.patient_id}/statement/")
    page.emulate_media(media="print")
    shot(page, "billing-statement-print")
    assert not page.console_errors, page.console_errors
