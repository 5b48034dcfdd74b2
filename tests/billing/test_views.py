"""Billing pages: forms refuse bad input with a message beside the field and save nothing."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.billing import services as billing
from sessions.models import Adjustment, Payment, Price
from tests import factories as f
from tests.factories_billing import CoverageFactory, discharged_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def charged_a(cast, prices):
    CoverageFactory(patient=cast.patient_a, copay=Decimal("50.00"))
    return billing.charge_session(session=discharged_session(patient=cast.patient_a, given=56))


def test_an_admin_adds_a_price_from_a_date(admin_client_):
    response = admin_client_.post(
        reverse("billing_prices"),
        {
            "protocol": f.protocol().pk,
            "dose_mg": 56,
            "amount": "925.00",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    assert Price.objects.get().amount == Decimal("925.00")


def test_a_negative_price_is_refused_with_a_message_and_nothing_is_saved(admin_client_):
    response = admin_client_.post(
        reverse("billing_prices"),
        {
            "protocol": f.protocol().pk,
            "dose_mg": 56,
            "amount": "-1",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert "A price cannot be negative." in response.text
    assert not Price.objects.exists()


def test_a_payment_through_the_page_prints_a_receipt_with_the_new_balance(staff_client, cast, charged_a):
    url = reverse("billing_payment_create", args=[cast.patient_a.pk])
    response = staff_client.post(url, {"amount": "20.00", "method": "card", "on": timezone.localdate().isoformat()})
    payment = Payment.objects.get()
    assert response["Location"] == reverse("billing_receipt", args=[payment.pk])
    receipt = staff_client.get(response["Location"])
    assert payment.receipt_number in receipt.text
    assert "$30.00" in receipt.text  # 50 copay - 20


def test_an_overpayment_through_the_page_shows_the_message_beside_the_amount(staff_client, cast, charged_a):
    url = reverse("billing_payment_create", args=[cast.patient_a.pk])
    response = staff_client.post(url, {"amount": "60.00", "method": "card", "on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "more than the balance due of 50.00" in response.text
    assert not Payment.objects.exists()


def test_an_adjustment_without_a_reason_shows_a_message(admin_client_, charged_a):
    url = reverse("billing_adjustment_create", args=[charged_a.pk])
    data = {"kind": "write_off", "direction": "reduce", "amount": "10", "on": timezone.localdate().isoformat()}
    response = admin_client_.post(url, {**data, "reason": "   "})
    assert response.status_code == 400
    assert "Give the reason for this adjustment." in response.text
    assert not Adjustment.objects.exists()


def test_the_billing_page_shows_the_charge_codes(staff_client, cast, charged_a):
    response = staff_client.get(reverse("billing_patient", args=[cast.patient_a.pk]))
    assert "J0013" in response.text and "99213" in response.text


def test_the_portal_shows_the_upcoming_session_estimate_and_the_balance(patient_a_client, cast, charged_a):
    f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a),
        planned_start=timezone.now() + dt.timedelta(days=3),
        planned_dose_mg=56,
    )
    response = patient_a_client.get(reverse("portal_billing"))
    assert response.status_code == 200
    body = response.text
    assert body.count('data-testid="estimate"') == 1
    assert "$50.00" in body  # the estimate's patient part and the balance


def test_a_patient_cannot_open_another_patients_receipt(patient_b_client, cast, charged_a):
    payment = billing.payment_record(
        patient=cast.patient_a, amount=Decimal("5"), method="card", on=timezone.localdate()
    )
    assert patient_b_client.get(reverse("portal_receipt", args=[payment.pk])).status_code == 404


def test_a_negative_copay_is_refused_and_no_coverage_is_saved(admin_client_, cast):
    from sessions.models import Coverage
    from tests.factories_billing import PayerFactory

    url = reverse("billing_coverage_create", args=[cast.patient_a.pk])
    data = {
        "payer": PayerFactory().pk,
        "member_id": "M1",
        "copay": "-5",
        "deductible_remaining": "0",
        "savings_per_session": "0",
        "starts_on": "2026-01-01",
    }
    response = admin_client_.post(url, data)
    assert response.status_code == 400
    assert "Amounts cannot be negative." in response.text
    assert not Coverage.objects.exists()


def test_an_admin_sets_up_a_plan_and_the_account_shows_its_instalments(admin_client_, cast, charged_a):
    url = reverse("billing_plan_create", args=[cast.patient_a.pk])
    first = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = admin_client_.post(url, {"instalments": "2", "first_due": first})
    assert response.status_code == 302
    page = admin_client_.get(reverse("billing_patient", args=[cast.patient_a.pk]))
    assert page.text.count('data-testid="instalment"') == 2


def test_a_refund_beyond_the_credit_shows_a_message(admin_client_, cast, charged_a):
    url = reverse("billing_refund_create", args=[cast.patient_a.pk])
    response = admin_client_.post(url, {"amount": "5.00", "method": "card", "on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert "only the patient&#x27;s credit" in response.text or "only the patient's credit" in response.text


def test_the_patient_prints_their_own_statement(patient_a_client, cast, charged_a):
    response = patient_a_client.get(reverse("portal_statement"))
    assert response.status_code == 200
    assert "J0013" in response.text
    assert "data-print" in response.text


def test_billing_entries_appear_in_the_patients_history(staff_client, cast, charged_a):
    billing.payment_record(patient=cast.patient_a, amount=Decimal("5"), method="card", on=timezone.localdate())
    response = staff_client.get(reverse("patient_detail", args=[cast.patient_a.pk]))
    assert re.search(r"<strong>Charge #\d+</strong> created", response.text)
    assert re.search(r"<strong>Payment #\d+</strong> created", response.text)
    assert 'data-testid="billing-panel"' in response.text


def test_an_admin_ends_a_coverage_and_later_estimates_are_self_pay(admin_client_, cast, prices):
    coverage = CoverageFactory(patient=cast.patient_a, copay=Decimal("50.00"))
    url = reverse("billing_coverage_edit", args=[coverage.pk])
    end = timezone.localdate() + dt.timedelta(days=1)
    data = {
        "payer": coverage.payer_id,
        "member_id": coverage.member_id,
        "copay": "50.00",
        "deductible_remaining": "0",
        "savings_per_session": "0",
        "starts_on": coverage.starts_on.isoformat(),
        "ends_on": end.isoformat(),
    }
    assert admin_client_.post(url, data).status_code == 302
    session = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), planned_start=timezone.now() + dt.timedelta(days=5)
    )
    assert billing.estimate_for_session(session).patient_part == Decimal("900.00")


def test_the_portal_costs_use_plain_words_and_no_codes(patient_a_client, cast, charged_a):
    f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a),
        planned_start=timezone.now() + dt.timedelta(days=3),
        planned_dose_mg=84,
    )
    body = patient_a_client.get(reverse("portal_billing")).text
    assert "Esketamine visit, 84 mg" in body and "Esketamine visit, 56 mg" in body
    assert "J0013" not in body and "99213" not in body
    assert "You pay" in body
