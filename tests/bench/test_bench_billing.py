"""The bench data set charges every discharged session, so the billing reports it measures have money in them."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.db.models import F, Sum

from bench import dataset
from clinic.models import Patient
from sessions.billing import reports
from sessions.models import Charge, ChargeLine, Payment, SessionStatus, TreatmentSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_data():
    with time_machine.travel(dataset.now(), tick=False):
        scenario = dataset.build_scenario()
        history = dataset.build_history(400)
    return scenario, history


def test_every_discharged_session_of_the_bench_data_set_has_one_charge_and_the_measured_patients_have_code_lines(
    bench_data,
):
    discharged = TreatmentSession.objects.filter(status=SessionStatus.DISCHARGED)
    assert discharged.count() > 400
    assert not discharged.filter(charge__isnull=True).exists()
    assert Charge.objects.count() == discharged.count()
    assert not Charge.objects.exclude(session__status=SessionStatus.DISCHARGED).exists()
    scenario_charges = Charge.objects.filter(
        patient__in=Patient.objects.filter(rems_patient_id__regex=r"^BENCH-\d{1,3}$")
    )
    assert scenario_charges.exists()
    assert not scenario_charges.filter(lines__isnull=True).exists()  # the measured patients' charges have codes
    assert not Charge.objects.exclude(total=F("payer_part") + F("savings_part") + F("patient_part")).exists()
    assert not Charge.objects.filter(total=0).exists()  # every protocol has a price
    assert ChargeLine.objects.filter(charge__in=scenario_charges).count() > scenario_charges.count()


def test_the_bench_charges_mix_self_pay_and_covered_patients_with_a_savings_programme(bench_data):
    rows = {r["payer_name"]: r for r in reports.revenue_by_payer().rows}
    assert {"Self-pay / no coverage", "Bench Mutual", "Bench Health Plan", "Bench Medicare"} <= set(rows)
    assert rows["Self-pay / no coverage"]["payer"] == 0
    assert rows["Bench Medicare"]["payer"] > 0
    assert Charge.objects.aggregate(s=Sum("savings_part"))["s"] > 0


def test_most_bench_charges_are_paid_and_the_rest_is_outstanding_at_several_ages(bench_data):
    owed = Charge.objects.aggregate(s=Sum("patient_part"))["s"]
    paid = Payment.objects.aggregate(s=Sum("amount"))["s"]
    assert Decimal("0.6") * owed < paid < owed
    report = reports.outstanding_by_age(today=dataset.TODAY)
    assert report.rows
    assert sum(1 for bucket in reports.AGE_BUCKETS if report.totals[bucket] > 0) >= 2
