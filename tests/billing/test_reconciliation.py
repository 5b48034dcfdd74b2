"""Totals always reconcile: charges − adjustments − payments + refunds = balance, for every patient."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from clinic.models import Patient
from sessions.billing import services as billing
from sessions.models import Adjustment, Charge, Payment
from tests import factories as f
from tests.factories_billing import CoverageFactory, PayerFactory, discharged_session

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def _sum(qs, **filters) -> Decimal:
    return qs.filter(**filters).aggregate(s=Sum("amount"))["s"] or Decimal("0")


def assert_reconciles() -> int:
    balances = billing.balances_by_patient()
    checked = 0
    for patient in Patient.objects.all():
        charges = Charge.objects.filter(patient=patient).aggregate(s=Sum("patient_part"))["s"] or Decimal("0")
        adj = Adjustment.objects.filter(patient=patient)
        pay = Payment.objects.filter(patient=patient)
        expected = (
            charges
            + _sum(adj, direction="increase")
            - _sum(adj, direction="reduce")
            - _sum(pay, kind="payment")
            + _sum(pay, kind="refund")
        )
        ledger = billing.patient_ledger(patient)
        assert ledger.balance == expected, patient
        assert balances.get(patient.pk, Decimal("0")) == expected, patient
        # What the allocation says is owed plus the credit is the same balance seen per charge.
        owed = sum((r.outstanding for r in ledger.rows), Decimal("0"))
        assert owed - ledger.credit == expected, patient
        for c in Charge.objects.filter(patient=patient):
            assert c.total == c.payer_part + c.savings_part + c.patient_part
        checked += 1
    return checked


def test_the_demo_data_reconciles_for_every_patient():
    import sessions.demo  # noqa: F401  (registers the treatment domain's demo steps)
    from clinic.demo import run_demo

    run_demo("demo-test-password")
    assert Charge.objects.exists()
    assert Payment.objects.exists()
    assert not Charge.objects.filter(total=0).exists()  # every demo charge found its price
    assert assert_reconciles() >= 12


def test_generated_data_reconciles_for_every_patient(prices):
    rng = random.Random(5)  # noqa: S311 - test data
    payers = [PayerFactory(name="Acme Health"), PayerFactory(kind="medicare"), PayerFactory(kind="self_pay")]
    base = timezone.now().replace(minute=0, second=0, microsecond=0)
    outcomes: Counter[str] = Counter()
    for p in range(8):
        patient = f.PatientFactory()
        CoverageFactory(
            patient=patient,
            payer=rng.choice(payers),
            copay=rng.choice([None, Decimal("40")]),
            coinsurance_percent=Decimal("20"),
            deductible_remaining=Decimal(rng.choice([0, 300, 1500])),
            savings_per_session=Decimal(rng.choice([0, 25])),
        ) if p % 2 else None
        for s in range(rng.randint(1, 6)):
            charge = billing.charge_session(
                session=discharged_session(
                    patient=patient,
                    when=base - dt.timedelta(days=1 + s * 9 + rng.randint(0, 5)),  # one visit a day at most
                    given=rng.choice([56, 84, None]),
                    dose=rng.choice([56, 84]),
                )
            )
            for _ in range(rng.randint(0, 2)):
                before = (Payment.objects.count(), Adjustment.objects.count())
                try:
                    action = rng.random()
                    amount = Decimal(rng.randint(1, 120000)) / 100
                    if action < 0.5:
                        billing.payment_record(
                            patient=patient,
                            amount=amount,
                            method="card",
                            on=timezone.localdate(),
                            as_credit=rng.random() < 0.3,
                        )
                    elif action < 0.7:
                        billing.refund_record(
                            patient=patient, amount=(amount / 4).quantize(CENT), method="card", on=timezone.localdate()
                        )
                    else:
                        billing.adjustment_record(
                            charge=charge,
                            kind=rng.choice(["correction", "write_off", "insurance"]),
                            direction=rng.choice(["reduce", "increase"]),
                            amount=(amount / 10).quantize(CENT),
                            reason="generated",
                        )
                except ValidationError:
                    # Refused input (an amount beyond what is owed or paid) saves nothing.
                    assert (Payment.objects.count(), Adjustment.objects.count()) == before
                    outcomes["refused"] += 1
                else:
                    outcomes["recorded"] += 1
    assert outcomes["recorded"] > outcomes["refused"], outcomes
    assert assert_reconciles() >= 8
