"""Claim reports: each reconciles, with a chart and a CSV; billed = paid + adjustments + patient + open."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.urls import reverse

from sessions.billing import remittance as rm
from sessions.billing import reports_claims
from sessions.models import Claim
from tests import factories as f
from tests.factories_billing import claimable_session

from .remits import file_835, pay, send_all
from .test_remittance import mixed_file

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def posted(cast, prices):
    third = f.PatientFactory(last_name="Gamma")
    for patient in (cast.patient_a, cast.patient_b, third):
        claimable_session(patient=patient, given=56)
    claims = send_all(cast.admin)
    rm.remittance_import_835(content=mixed_file(claims), by=cast.admin)
    return claims


def reconciles(report) -> bool:
    t = report.totals
    return t["billed"] == t["paid"] + t["contractual"] + t["patient"] + t["open"]


def test_expected_vs_paid_reconciles_and_totals_the_claims_billed(posted):
    report = reports_claims.expected_vs_paid()
    assert reconciles(report)
    assert report.totals["billed"] == sum((c.total for c in Claim.objects.all()), D("0")) == D("2700.00")
    assert (report.totals["paid"], report.totals["open"]) == (D("1060.00"), D("1350.00"))


def test_the_denial_rate_names_each_payer_and_reason(posted):
    rows = {(r["payer"], r["reason"]): r for r in reports_claims.denial_rate().rows}
    assert (rows[("Acme Health", "CO-50")]["lines"], rows[("Acme Health", "CO-50")]["rate"]) == (2, D("33.3"))
    assert rows[("Acme Health", "CO-97")]["rate"] == D("16.7")  # one of the six lines Acme answered


def test_claims_by_status_and_days_to_payment(posted):
    statuses = {r["status"]: r["claims"] for r in reports_claims.claims_by_status_and_age().rows}
    assert statuses == {"Paid": 1, "Partially paid": 1, "Denied": 1}
    (row,) = reports_claims.days_to_payment().rows
    assert row["claims"] == 2


def test_a_date_range_keeps_only_the_claims_with_a_date_of_service_in_it(posted):
    day = posted[0].service_date
    before = day - dt.timedelta(days=1)
    assert reports_claims.expected_vs_paid(start=day, end=day).totals["billed"] == D("2700.00")
    assert reports_claims.expected_vs_paid(end=before).rows == []
    assert reports_claims.denial_rate(end=before).rows == []
    assert reports_claims.claims_by_status_and_age(end=before).rows == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_remittances_always_reconcile(cast, prices, seed):
    rnd = random.Random(seed)
    for i in range(4):
        claimable_session(patient=f.PatientFactory(last_name=f"Gen{i}"), given=rnd.choice([56, 84]))
    claims = send_all(cast.admin)
    payments = []
    for claim in claims[:3]:  # the last stays unpaid: open
        outcomes = []
        for line in claim.lines.order_by("position"):
            amount = line.amount
            paid = (amount * D(rnd.choice(["0", "0.5", "0.7", "0.8"]))).quantize(D("0.01"))
            rest = amount - paid
            patient = (rest * D(rnd.choice(["0", "0.3", "0.5"]))).quantize(D("0.01")) if paid else D("0")
            group = "CO" if paid else rnd.choice(["CO", "OA"])
            reason = "45" if paid else rnd.choice(["50", "97", "23"])
            adjustments = [(group, reason, str(rest - patient))] if rest - patient else []
            if patient:
                adjustments.append(("PR", rnd.choice(["1", "2", "3"]), str(patient)))
            outcomes.append((str(paid), str(paid + patient), adjustments))
        payments.append(pay(claim, outcomes))
    rm.remittance_import_835(content=file_835(claims[0].payer, payments), by=cast.admin)
    report = reports_claims.expected_vs_paid()
    assert reconciles(report)
    assert report.totals["open"] >= claims[3].total


@pytest.mark.parametrize("slug", ["claims-by-status", "denial-rate", "expected-vs-paid", "days-to-payment"])
def test_each_claim_report_has_its_page_and_csv(posted, admin_client_, slug, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page = admin_client_.get(reverse("billing_report", args=[slug]))
    assert page.status_code == 200 and "<canvas" in page.text
    csv = admin_client_.get(reverse("billing_report_csv", args=[slug]))
    assert csv.status_code == 200 and csv.content.decode().startswith("\ufeff")


def test_the_statement_shows_what_insurance_paid_and_what_remains_the_patients(cast, posted, staff_client):
    page = staff_client.get(reverse("billing_statement", args=[cast.patient_a.pk]))
    assert page.status_code == 200
    assert 'data-testid="insurance-paid"' in page.text
    assert "660.00" in page.text and "90.00" in page.text
