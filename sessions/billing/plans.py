"""Payment plans: (part of) a balance split into monthly instalments; what is paid and overdue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.audit import audited_create, audited_save
from clinic.models import Patient
from sessions.billing.charges import lock_patient
from sessions.billing.ledger import allocate_oldest_first, patient_balance
from sessions.billing.payments import positive_amount
from sessions.billing.pricing import CENT, MONEY, ZERO, clinic_currency
from sessions.models import Instalment, Payment, PaymentKind, PaymentPlan


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def payment_plan_create(
    *,
    patient: Patient,
    instalments: int,
    first_due: dt.date,
    total: Decimal | None = None,
    note: str = "",
    by=None,
    starts_on: dt.date | None = None,
) -> PaymentPlan:
    """Split (part of) the balance into monthly instalments; the amounts add up to the total exactly."""
    if not 2 <= instalments <= 36:
        raise ValidationError({"instalments": "Choose between 2 and 36 instalments."})
    with transaction.atomic():
        patient = lock_patient(patient.pk)
        if patient.is_archived:
            raise ValidationError("This patient is archived: restore the record before setting up a plan.")
        balance = patient_balance(patient)
        if balance <= 0:
            raise ValidationError("There is no balance to put on a plan.")
        total = balance if total is None else positive_amount(total, "total")
        if total > balance:
            raise ValidationError({"total": f"A plan cannot be for more than the balance of {balance}."})
        start = starts_on or timezone.localdate()
        if first_due < start:
            raise ValidationError({"first_due": "The first instalment cannot fall before the plan starts."})
        for old in PaymentPlan.objects.filter(patient=patient, is_active=True):
            old.is_active = False
            audited_save(old, by=by, reason="Replaced by a new payment plan", update_fields=["is_active"])
        plan = audited_create(
            PaymentPlan,
            dict(patient=patient, total=total, starts_on=start, note=note, currency=clinic_currency(), created_by=by),
            by=by,
            reason="Payment plan set up",
            validate=False,
        )
        each = (total / instalments).quantize(CENT, rounding="ROUND_DOWN")
        for i in range(instalments):
            amount = each if i < instalments - 1 else total - each * (instalments - 1)
            audited_create(
                Instalment,
                dict(plan=plan, due_on=_add_months(first_due, i), amount=amount),
                by=by,
                reason="Instalment planned",
                validate=False,
            )
        return plan


@dataclass
class InstalmentRow:
    instalment: Instalment
    paid: Decimal
    today: dt.date

    @property
    def outstanding(self) -> Decimal:
        return self.instalment.amount - self.paid

    @property
    def is_paid(self) -> bool:
        return self.outstanding <= 0

    @property
    def is_overdue(self) -> bool:
        return not self.is_paid and self.instalment.due_on < self.today


def plan_rows(plan: PaymentPlan, *, today: dt.date | None = None) -> list[InstalmentRow]:
    """Payments since the plan started, net of refunds, cover its instalments in due order."""
    today = today or timezone.localdate()
    signed = Case(When(kind=PaymentKind.REFUND, then=-F("amount")), default=F("amount"), output_field=MONEY)
    pool = Payment.objects.filter(patient_id=plan.patient_id, on__gte=plan.starts_on).aggregate(
        s=Coalesce(Sum(signed), Value(ZERO), output_field=MONEY)
    )["s"]
    instalments = list(plan.instalments.order_by("due_on"))
    paid, _ = allocate_oldest_first([(i.pk, i.amount) for i in instalments], pool)
    return [InstalmentRow(i, paid[i.pk], today) for i in instalments]


def active_plan(patient: Patient) -> PaymentPlan | None:
    return PaymentPlan.objects.filter(patient=patient, is_active=True).first()
