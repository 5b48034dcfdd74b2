"""Payments, refunds and adjustments: each write locks the patient row, checks, saves and names the actor."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_create
from clinic.models import Patient
from sessions.billing.charges import lock_patient
from sessions.billing.ledger import patient_balance
from sessions.billing.pricing import ZERO, clinic_currency, to_cents
from sessions.models import (
    Adjustment,
    AdjustmentDirection,
    Charge,
    Payment,
    PaymentKind,
)


def _receipt_number(on: dt.date) -> str:
    return f"R{on:%y%m%d}-{secrets.token_hex(3).upper()}"


def positive_amount(amount: Decimal, field_name: str = "amount") -> Decimal:
    if amount is None or amount <= 0:
        raise ValidationError({field_name: "Enter an amount above zero."})
    if to_cents(amount) != amount:
        raise ValidationError({field_name: "Amounts have at most two decimal places."})
    return to_cents(amount)


def payment_record(
    *,
    patient: Patient,
    amount: Decimal,
    method: str,
    on: dt.date,
    reference: str = "",
    as_credit: bool = False,
    by=None,
) -> Payment:
    """A payment against the patient's balance; more than the balance only when taken as credit."""
    amount = positive_amount(amount)
    with transaction.atomic():
        patient = lock_patient(patient.pk)
        if patient.is_archived:
            raise ValidationError("This patient is archived: restore the record before recording a payment.")
        if on > timezone.localdate():
            raise ValidationError({"on": "A payment cannot be dated in the future."})
        balance = patient_balance(patient)
        due = max(balance, ZERO)
        if amount > due and not as_credit:
            raise ValidationError(
                {
                    "amount": f"The payment of {amount} is more than the balance due of {due}. "
                    "Take less, or tick 'keep the surplus as credit'."
                }
            )
        return audited_create(
            Payment,
            dict(
                patient=patient,
                kind=PaymentKind.PAYMENT,
                method=method,
                amount=amount,
                on=on,
                reference=reference.strip(),
                as_credit=amount > due,
                receipt_number=_receipt_number(on),
                currency=clinic_currency(),
                created_by=by,
            ),
            by=by,
            reason="Payment recorded",
            validate=False,
        )


def refund_record(
    *, patient: Patient, amount: Decimal, method: str, on: dt.date, reference: str = "", by=None
) -> Payment:
    """Money returned to the patient: never more than their credit."""
    amount = positive_amount(amount)
    with transaction.atomic():
        patient = lock_patient(patient.pk)
        credit = max(-patient_balance(patient), ZERO)
        if amount > credit:
            raise ValidationError({"amount": f"A refund can return only the patient's credit, which is {credit}."})
        if on > timezone.localdate():
            raise ValidationError({"on": "A refund cannot be dated in the future."})
        return audited_create(
            Payment,
            dict(
                patient=patient,
                kind=PaymentKind.REFUND,
                method=method,
                amount=amount,
                on=on,
                reference=reference.strip(),
                receipt_number=_receipt_number(on),
                currency=clinic_currency(),
                created_by=by,
            ),
            by=by,
            reason="Payment recorded",
            validate=False,
        )


def adjustment_record(
    *, charge: Charge, kind: str, direction: str, amount: Decimal, reason: str, on: dt.date | None = None, by=None
) -> Adjustment:
    """A correction, write-off or insurance adjustment to a charge, always with a reason."""
    amount = positive_amount(amount)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for this adjustment."})
    with transaction.atomic():
        lock_patient(charge.patient_id)
        net = charge.patient_part + sum((a.signed_amount for a in Adjustment.objects.filter(charge=charge)), ZERO)
        if direction == AdjustmentDirection.REDUCE and amount > net:
            raise ValidationError({"amount": f"This would take the charge below zero: at most {net} can be reduced."})
        return audited_create(
            Adjustment,
            dict(
                charge=charge,
                patient_id=charge.patient_id,
                kind=kind,
                direction=direction,
                amount=amount,
                reason=reason,
                on=on or timezone.localdate(),
                currency=charge.currency,
                created_by=by,
            ),
            by=by,
            reason="Adjustment recorded",
            validate=False,
        )
