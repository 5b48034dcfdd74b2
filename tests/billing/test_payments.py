"""Payments, refunds, adjustments and plans: exact money, clear refusals, nothing saved on bad input."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions.billing import plans as payment_plans
from sessions.billing import services as billing
from sessions.models import Adjustment, AdjustmentDirection, AdjustmentKind, Payment
from tests.factories_billing import discharged_session

pytestmark = pytest.mark.django_db


def charged(patient, days_ago: int, given=56):
    when = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=days_ago)
    return billing.charge_session(session=discharged_session(patient=patient, when=when, given=given))


def pay(patient, amount, **kw):
    kw.setdefault("on", timezone.localdate())
    return billing.payment_record(patient=patient, amount=Decimal(amount), method="card", **kw)


def test_a_payment_brings_the_balance_down(prices, patient):
    charged(patient, 3)
    pay(patient, "400.00")
    assert billing.patient_balance(patient) == Decimal("500.00")


def test_payments_fall_on_the_oldest_charges_first(prices, patient):
    old, new = charged(patient, 40), charged(patient, 3)
    pay(patient, "1000.00")
    rows = {r.charge.pk: r for r in billing.patient_ledger(patient).rows}
    assert rows[old.pk].outstanding == 0
    assert rows[new.pk].paid == Decimal("100.00")
    assert rows[new.pk].outstanding == Decimal("800.00")


def test_an_overpayment_is_refused_and_nothing_is_saved(prices, patient):
    charged(patient, 3)
    with pytest.raises(ValidationError, match="more than the balance"):
        pay(patient, "900.01")
    assert not Payment.objects.exists()


def test_the_overpayment_message_names_the_balance_in_cents(prices, patient):
    charge = charged(patient, 3)
    billing.adjustment_record(
        charge=charge, kind="write_off", direction="reduce", amount=Decimal("207.45"), reason="Goodwill"
    )
    pay(patient, "100.10")
    with pytest.raises(ValidationError) as exc:
        pay(patient, "600.00")
    assert exc.value.message_dict["amount"][0].startswith(
        "The payment of 600.00 is more than the balance due of 592.45."
    )
    assert billing.patient_balance(patient).as_tuple().exponent == -2


def test_an_overpayment_recorded_as_credit_leaves_a_credit(prices, patient):
    charged(patient, 3)
    payment = pay(patient, "1000.00", as_credit=True)
    assert payment.as_credit
    assert billing.patient_ledger(patient).credit == Decimal("100.00")


def test_a_payment_on_an_archived_patient_is_refused(prices, patient):
    charged(patient, 3)
    patient.archived_at = timezone.now()
    patient.save()
    with pytest.raises(ValidationError, match="archived"):
        pay(patient, "10.00")
    assert not Payment.objects.exists()


def test_a_refund_returns_only_the_credit(prices, patient):
    charged(patient, 3)
    pay(patient, "950.00", as_credit=True)
    with pytest.raises(ValidationError, match="credit, which is 50.00"):
        billing.refund_record(patient=patient, amount=Decimal("60"), method="card", on=timezone.localdate())
    billing.refund_record(patient=patient, amount=Decimal("50"), method="card", on=timezone.localdate())
    assert billing.patient_balance(patient) == 0


def test_an_adjustment_without_a_reason_is_refused(prices, patient):
    charge = charged(patient, 3)
    with pytest.raises(ValidationError, match="reason"):
        billing.adjustment_record(
            charge=charge, kind=AdjustmentKind.WRITE_OFF, direction="reduce", amount=Decimal("5"), reason="  "
        )
    assert not Adjustment.objects.exists()


def test_a_write_off_reduces_the_balance_and_cannot_take_a_charge_below_zero(prices, patient):
    charge = charged(patient, 3)
    billing.adjustment_record(
        charge=charge, kind=AdjustmentKind.WRITE_OFF, direction="reduce", amount=Decimal("100"), reason="Hardship"
    )
    assert billing.patient_balance(patient) == Decimal("800.00")
    with pytest.raises(ValidationError, match="at most 800.00"):
        billing.adjustment_record(
            charge=charge, kind=AdjustmentKind.CORRECTION, direction="reduce", amount=Decimal("801"), reason="x"
        )


def test_an_insurance_adjustment_can_increase_what_the_patient_owes(prices, patient):
    charge = charged(patient, 3)
    billing.adjustment_record(
        charge=charge,
        kind=AdjustmentKind.INSURANCE,
        direction=AdjustmentDirection.INCREASE,
        amount=Decimal("25.50"),
        reason="Payer allowed less than expected",
    )
    assert billing.patient_balance(patient) == Decimal("925.50")


def test_amounts_above_two_decimals_or_zero_are_refused(prices, patient):
    charged(patient, 3)
    for amount in ("0", "-5", "1.005"):
        with pytest.raises(ValidationError):
            pay(patient, amount)


def test_a_plan_splits_the_balance_into_instalments_that_add_up(prices, patient):
    charged(patient, 3)
    plan = payment_plans.payment_plan_create(patient=patient, instalments=7, first_due=timezone.localdate())
    amounts = [i.amount for i in plan.instalments.all()]
    assert sum(amounts) == Decimal("900.00")
    assert len(amounts) == 7


def test_a_plan_cannot_be_for_more_than_the_balance(prices, patient):
    charged(patient, 3)
    with pytest.raises(ValidationError, match="more than the balance"):
        payment_plans.payment_plan_create(
            patient=patient, instalments=3, first_due=timezone.localdate(), total=Decimal("901")
        )


def test_a_missed_instalment_shows_as_overdue(prices, patient):
    with time_machine.travel(dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), tick=False):
        charged(patient, 1)
        plan = payment_plans.payment_plan_create(patient=patient, instalments=3, first_due=dt.date(2026, 3, 10))
    with time_machine.travel(dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC), tick=False):
        pay(patient, "300.00", on=dt.date(2026, 3, 9))
    with time_machine.travel(dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC), tick=False):
        rows = payment_plans.plan_rows(plan)
    assert [r.is_paid for r in rows] == [True, False, False]
    assert [r.is_overdue for r in rows] == [False, True, False]
