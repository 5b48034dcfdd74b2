"""The patient's ledger: balances and the oldest-first allocation of payments, always computed (never
stored), so they reconcile by construction:

    balance = charges (patient part) + increasing adjustments − reducing adjustments − payments + refunds"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, ExpressionWrapper, F, OuterRef, Subquery, Sum, When
from django.db.models.functions import Coalesce

from clinic.models import Patient
from sessions.billing.pricing import MONEY, ZERO, clinic_currency, to_cents
from sessions.models import (
    Adjustment,
    AdjustmentDirection,
    Charge,
    Payment,
    PaymentKind,
)
from sessions.monitoring.amendments import Amended, amended_dose


def allocate_oldest_first(amounts: list[tuple[object, Decimal]], pool: Decimal) -> tuple[dict, Decimal]:
    """Spread ``pool`` over (key, amount) pairs in order; returns paid per key and what is left (credit)."""
    paid = {}
    for key, amount in amounts:
        take = min(max(amount, ZERO), max(pool, ZERO))
        paid[key] = take
        pool -= take
    return paid, pool


@dataclass
class ChargeRow:
    charge: Charge
    adjusted: Decimal  # signed: + increases, − reductions
    paid: Decimal = ZERO
    dose_mark: Amended | None = None  # the session's dose was corrected by an amendment

    @property
    def dose_mg(self) -> Decimal | None:
        """The dose given as amended (the charge itself keeps the dose it was made on)."""
        if self.dose_mark is not None:
            return amended_dose(self.charge.session)[0]
        return self.charge.dose_mg

    @property
    def charged_on_other_dose(self) -> bool:
        return self.dose_mark is not None and self.dose_mg != self.charge.dose_mg

    @property
    def net(self) -> Decimal:
        return self.charge.patient_part + self.adjusted

    @property
    def outstanding(self) -> Decimal:
        return max(self.net - self.paid, ZERO)


@dataclass
class Ledger:
    patient: Patient
    currency: str
    rows: list[ChargeRow]
    adjustments: list[Adjustment]
    payments: list[Payment]
    charged: Decimal
    increases: Decimal
    reductions: Decimal
    paid: Decimal
    refunded: Decimal

    @property
    def balance(self) -> Decimal:
        return self.charged + self.increases - self.reductions - self.paid + self.refunded

    @property
    def credit(self) -> Decimal:
        return max(-self.balance, ZERO)

    @property
    def amount_due(self) -> Decimal:
        return max(self.balance, ZERO)


def patient_ledger(patient: Patient) -> Ledger:
    """Everything on a patient's account in four queries, whatever its length."""
    charges = list(
        Charge.objects.filter(patient=patient)
        .select_related("session__course__protocol", "payer")
        .prefetch_related("lines", "session__amendments__by")
        .order_by("service_date", "pk")
    )
    adjustments = list(Adjustment.objects.filter(patient=patient).select_related("charge").order_by("on", "pk"))
    payments = list(Payment.objects.filter(patient=patient).order_by("on", "pk"))
    by_charge: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in adjustments:
        by_charge[a.charge_id] += a.signed_amount
    rows = [
        ChargeRow(c, by_charge[c.pk], dose_mark=amended_dose(c.session)[1] if c.session_id else None) for c in charges
    ]
    paid = sum((p.amount for p in payments if not p.is_refund), ZERO)
    refunded = sum((p.amount for p in payments if p.is_refund), ZERO)
    allocation, _left = allocate_oldest_first([(r.charge.pk, r.net) for r in rows], paid - refunded)
    for r in rows:
        r.paid = allocation.get(r.charge.pk, ZERO)
    return Ledger(
        patient=patient,
        currency=clinic_currency(),
        rows=rows,
        adjustments=adjustments,
        payments=payments,
        charged=sum((c.patient_part for c in charges), ZERO),
        increases=sum((a.amount for a in adjustments if a.direction == AdjustmentDirection.INCREASE), ZERO),
        reductions=sum((a.amount for a in adjustments if a.direction == AdjustmentDirection.REDUCE), ZERO),
        paid=paid,
        refunded=refunded,
    )


def balances_by_patient(patient_ids=None) -> dict[int, Decimal]:
    """Each patient's balance from three aggregate queries (database sums, no row per charge)."""

    def scoped(qs):
        return qs if patient_ids is None else qs.filter(patient_id__in=patient_ids)

    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in scoped(Charge.objects.all()).values("patient_id").annotate(s=Sum("patient_part")):
        out[row["patient_id"]] += row["s"]
    signed_adj = Case(
        When(direction=AdjustmentDirection.INCREASE, then=F("amount")), default=-F("amount"), output_field=MONEY
    )
    for row in scoped(Adjustment.objects.all()).values("patient_id").annotate(s=Sum(signed_adj)):
        out[row["patient_id"]] += row["s"]
    signed_pay = Case(When(kind=PaymentKind.REFUND, then=F("amount")), default=-F("amount"), output_field=MONEY)
    for row in scoped(Payment.objects.all()).values("patient_id").annotate(s=Sum(signed_pay)):
        out[row["patient_id"]] += row["s"]
    # SQLite sums decimals as floats (592.450000000000): back to cents, as every amount is.
    return {patient_id: to_cents(balance) for patient_id, balance in out.items()}


def balance_expression():
    """A patient's balance as one expression over the patient row (three subquery sums)."""

    def total(model, amount):
        rows = model.objects.filter(patient_id=OuterRef("pk")).order_by().values("patient_id")
        return Coalesce(
            Subquery(rows.annotate(s=Sum(amount)).values("s")[:1], output_field=MONEY), ZERO, output_field=MONEY
        )

    signed_adj = Case(
        When(direction=AdjustmentDirection.INCREASE, then=F("amount")), default=-F("amount"), output_field=MONEY
    )
    signed_pay = Case(When(kind=PaymentKind.REFUND, then=F("amount")), default=-F("amount"), output_field=MONEY)
    return ExpressionWrapper(
        total(Charge, "patient_part") + total(Adjustment, signed_adj) + total(Payment, signed_pay),
        output_field=MONEY,
    )


def patient_balance(patient: Patient) -> Decimal:
    """One patient's balance in one query."""
    balance = Patient.objects.filter(pk=patient.pk).annotate(b=balance_expression()).values_list("b", flat=True)
    return balance_in_cents(balance.first())


def balance_in_cents(value) -> Decimal:
    """SQLite sums decimals as floats (592.450000000000): back to cents, as every amount is."""
    return to_cents(Decimal(str(value or 0)))
