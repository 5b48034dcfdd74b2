"""Billing services: estimates, charges at discharge, fees, payments, refunds, adjustments, plans,
balances and prior-authorisation checks.

Every write runs in ``transaction.atomic()`` with the patient row locked, checks the current
state and raises ``ValidationError`` with a message for the user. Balances are always computed
from the ledger (never stored), so they reconcile by construction:

    balance = charges (patient part) + increasing adjustments − reducing adjustments − payments + refunds

Payments are allocated to charges oldest first (computed, so a later correction re-flows);
what is left over is the patient's credit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, When
from django.dispatch import receiver
from django.utils import timezone

from clinic.models import ClinicSettings, Patient
from sessions.billing import codes as billing_codes
from sessions.models import (
    Adjustment,
    AdjustmentDirection,
    Charge,
    ChargeKind,
    ChargeLine,
    Coverage,
    Payer,
    PayerKind,
    Payment,
    PaymentKind,
    Price,
    SessionStatus,
    TreatmentSession,
)
from sessions.signals import session_discharged, session_released

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=12, decimal_places=2)


def _q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def clinic_currency() -> str:
    return ClinicSettings.load().currency


def local_day(when: dt.datetime) -> dt.date:
    return timezone.localtime(when, ClinicSettings.load().tz).date()


# ---- Prices and coverage -------------------------------------------------------------------


def pick_price(prices: list[Price], *, dose_mg: Decimal | int | None, on: dt.date) -> Price | None:
    """The price in force on ``on`` for a dose: the smallest priced dose covering it, else the largest."""
    in_force = [p for p in prices if p.effective_from <= on]
    if not in_force:
        return None
    latest: dict[int | None, Price] = {}
    for p in sorted(in_force, key=lambda p: p.effective_from):
        latest[p.dose_mg] = p
    dosed = sorted(d for d in latest if d is not None)
    if dose_mg is not None and dosed:
        for d in dosed:
            if Decimal(dose_mg) <= d:
                return latest[d]
        return latest[dosed[-1]]
    if None in latest:
        return latest[None]
    return latest[dosed[0]] if dosed else None


def price_in_force(*, protocol, dose_mg: Decimal | int | None, on: dt.date) -> Price | None:
    return pick_price(list(Price.objects.filter(protocol=protocol)), dose_mg=dose_mg, on=on)


def pick_coverage(coverages: list[Coverage], on: dt.date) -> Coverage | None:
    for c in sorted(coverages, key=lambda c: (c.starts_on, c.pk), reverse=True):
        if c.covers(on):
            return c
    return None


def coverage_in_force(*, patient: Patient, on: dt.date) -> Coverage | None:
    return pick_coverage(list(patient.coverages.select_related("payer")), on)


@dataclass
class Split:
    payer_part: Decimal
    savings_part: Decimal
    patient_part: Decimal
    deductible_applied: Decimal


def split_cost(*, total: Decimal, coverage: Coverage | None, deductible_left: Decimal | None = None) -> Split:
    """Who pays what of ``total``: deductible first, then copay or coinsurance, less savings programme."""
    total = _q(total)
    if coverage is None or coverage.payer.is_self_pay:
        savings = min(_q(coverage.savings_per_session), total) if coverage else ZERO
        return Split(ZERO, savings, total - savings, ZERO)
    left = coverage.deductible_remaining if deductible_left is None else deductible_left
    deductible = min(_q(left), total)
    rest = total - deductible
    if coverage.copay is not None:
        share = min(_q(coverage.copay), rest)
    elif coverage.coinsurance_percent is not None:
        share = _q(rest * coverage.coinsurance_percent / 100)
    else:
        share = ZERO
    patient = deductible + share
    savings = min(_q(coverage.savings_per_session), patient)
    patient -= savings
    return Split(total - patient - savings, savings, patient, deductible)


# ---- Estimates -----------------------------------------------------------------------------


@dataclass
class Estimate:
    session: TreatmentSession
    day: dt.date
    currency: str
    price: Price | None
    coverage: Coverage | None
    lines: list[billing_codes.Line]
    dose_mg: Decimal | None
    total: Decimal = ZERO
    payer_part: Decimal = ZERO
    savings_part: Decimal = ZERO
    patient_part: Decimal = ZERO
    deductible_applied: Decimal = ZERO
    notes: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.price is not None

    @property
    def payer(self) -> Payer | None:
        return self.coverage.payer if self.coverage else None

    @property
    def codes(self) -> str:
        return ", ".join(line.code + (f"-{line.modifier}" if line.modifier else "") for line in self.lines)


class Pricing:
    """Prices and coverages loaded once, so estimating many sessions costs a fixed number of queries."""

    def __init__(self, *, patient: Patient):
        self.patient = patient
        self.currency = clinic_currency()
        self.tz = ClinicSettings.load().tz
        self._prices: dict[int, list[Price]] = defaultdict(list)
        for p in Price.objects.all():
            self._prices[p.protocol_id].append(p)
        self.coverages = list(Coverage.objects.filter(patient=patient).select_related("payer"))
        self.deductible_left: dict[int, Decimal] = {c.pk: c.deductible_remaining for c in self.coverages}

    def estimate(self, session: TreatmentSession, *, dose_mg=None, infusion_minutes=None, day=None) -> Estimate:
        protocol = session.course.protocol
        day = day or timezone.localtime(session.planned_start, self.tz).date()
        dose = dose_mg if dose_mg is not None else session.planned_dose_mg
        price = pick_price(self._prices[protocol.pk], dose_mg=dose, on=day)
        coverage = pick_coverage(self.coverages, day)
        payer_kind = coverage.payer.kind if coverage else PayerKind.SELF_PAY
        est = Estimate(session, day, self.currency, price, coverage, [], Decimal(dose) if dose is not None else None)
        try:
            est.lines = billing_codes.lines_for(
                treatment=protocol.treatment,
                payer_kind=payer_kind,
                dose_mg=dose,
                infusion_minutes=infusion_minutes,
                em_code=price.em_code if price else billing_codes.DEFAULT_EM_CODE,
                year=day.year,
            )
        except ValueError as exc:
            est.notes.append(str(exc))
        if price is None:
            est.notes.append("No price is in force for this protocol and dose on that day.")
            return est
        split = split_cost(
            total=price.amount,
            coverage=coverage,
            deductible_left=self.deductible_left.get(coverage.pk) if coverage else None,
        )
        if coverage is not None:
            self.deductible_left[coverage.pk] = self.deductible_left[coverage.pk] - split.deductible_applied
        est.total = _q(price.amount)
        est.payer_part, est.savings_part = split.payer_part, split.savings_part
        est.patient_part, est.deductible_applied = split.patient_part, split.deductible_applied
        return est


def estimate_for_session(session: TreatmentSession, *, pricing: Pricing | None = None) -> Estimate:
    """What a planned session is expected to cost, and the patient's part of it."""
    return (pricing or Pricing(patient=session.patient)).estimate(session)


def estimates_for_sessions(sessions: list[TreatmentSession], *, patient: Patient) -> list[Estimate]:
    pricing = Pricing(patient=patient)
    return [pricing.estimate(s) for s in sorted(sessions, key=lambda s: s.planned_start)]


# ---- Charges -------------------------------------------------------------------------------


def _lock_patient(patient_id: int) -> Patient:
    return Patient.objects.select_for_update().get(pk=patient_id)


def _write_charge(*, session, kind, day, total, split, price, payer, dose, lines, note, by) -> Charge:
    charge = Charge.objects.create(
        patient_id=session.patient_id,
        session=session,
        kind=kind,
        service_date=day,
        price=price,
        payer=payer,
        dose_mg=dose,
        total=total,
        payer_part=split.payer_part,
        savings_part=split.savings_part,
        patient_part=split.patient_part,
        deductible_applied=split.deductible_applied,
        currency=clinic_currency(),
        note=note[:300],
        created_by=by,
    )
    for position, line in enumerate(lines, start=1):
        ChargeLine.objects.create(
            charge=charge,
            position=position,
            code=line.code,
            modifier=line.modifier,
            units=line.units,
            description=line.description,
        )
    return charge


def charge_session(*, session: TreatmentSession, by=None) -> Charge:
    """The charge of a discharged session from the price in force that day and the dose actually given.

    Idempotent: a session already charged keeps its charge. It never blocks a discharge: with
    no price in force the charge is zero and says so, for an admin to correct by adjustment.
    """
    with transaction.atomic():
        _lock_patient(session.patient_id)
        session = TreatmentSession.objects.select_related("course__protocol", "patient").get(pk=session.pk)
        existing = Charge.objects.filter(session=session).first()
        if existing is not None:
            return existing
        if session.status != SessionStatus.DISCHARGED:
            raise ValidationError("Only a discharged session is charged.")
        notes = []
        dose = session.dose_given_mg
        if dose is None and session.planned_dose_mg is not None:
            dose = Decimal(session.planned_dose_mg)
            notes.append(f"Dose given was not recorded; charged on the planned dose of {session.planned_dose_mg} mg.")
        day = local_day(session.discharged_at or session.planned_start)
        est = Pricing(patient=session.patient).estimate(
            session, dose_mg=dose, infusion_minutes=session.infusion_minutes, day=day
        )
        notes.extend(est.notes)
        split = Split(est.payer_part, est.savings_part, est.patient_part, est.deductible_applied)
        charge = _write_charge(
            session=session,
            kind=ChargeKind.SESSION,
            day=day,
            total=est.total,
            split=split,
            price=est.price,
            payer=est.payer,
            dose=dose,
            lines=est.lines,
            note=" ".join(notes),
            by=by,
        )
        if est.coverage is not None and est.deductible_applied:
            Coverage.objects.filter(pk=est.coverage.pk).update(
                deductible_remaining=F("deductible_remaining") - est.deductible_applied
            )
            coverage = Coverage.objects.get(pk=est.coverage.pk)
            coverage._change_reason = f"Deductible applied to charge {charge.pk}"
            coverage.save(update_fields=["deductible_remaining"])  # writes the history row
        return charge


def charge_release_fee(*, session: TreatmentSession, by=None, late: bool = False) -> Charge | None:
    """The configurable fee for a late cancellation or a no-show (none when the fee is zero)."""
    cs = ClinicSettings.load()
    if session.status == SessionStatus.NO_SHOW:
        kind, fee = ChargeKind.NO_SHOW, cs.no_show_fee
    elif session.status == SessionStatus.CANCELLED and late:
        kind, fee = ChargeKind.LATE_CANCEL, cs.cancellation_fee
    else:
        return None
    if not fee or fee <= 0:
        return None
    with transaction.atomic():
        _lock_patient(session.patient_id)
        existing = Charge.objects.filter(session=session).first()
        if existing is not None:
            return existing
        fee = _q(fee)
        return _write_charge(
            session=session,
            kind=kind,
            day=local_day(session.planned_start),
            total=fee,
            split=Split(ZERO, ZERO, fee, ZERO),
            price=None,
            payer=None,
            dose=None,
            lines=[billing_codes.Line("", ChargeKind(kind).label, 1)],
            note=session.status_reason or "",
            by=by,
        )


@receiver(session_discharged, dispatch_uid="billing_charge_on_discharge")
def _on_discharged(sender, session, by=None, **kwargs) -> None:
    charge_session(session=session, by=by)


@receiver(session_released, dispatch_uid="billing_fee_on_release")
def _on_released(sender, session, by=None, late=False, **kwargs) -> None:
    charge_release_fee(session=session, by=by, late=late)


# ---- Ledger: balances and allocation -------------------------------------------------------


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
        .prefetch_related("lines")
        .order_by("service_date", "pk")
    )
    adjustments = list(Adjustment.objects.filter(patient=patient).select_related("charge").order_by("on", "pk"))
    payments = list(Payment.objects.filter(patient=patient).order_by("on", "pk"))
    by_charge: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for a in adjustments:
        by_charge[a.charge_id] += a.signed_amount
    rows = [ChargeRow(c, by_charge[c.pk]) for c in charges]
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
    return out


def patient_balance(patient: Patient) -> Decimal:
    return balances_by_patient([patient.pk]).get(patient.pk, ZERO)


# ---- Payments, refunds, adjustments --------------------------------------------------------


def _receipt_number(on: dt.date) -> str:
    return f"R{on:%y%m%d}-{secrets.token_hex(3).upper()}"


def _positive(amount: Decimal, field_name: str = "amount") -> Decimal:
    if amount is None or amount <= 0:
        raise ValidationError({field_name: "Enter an amount above zero."})
    if _q(amount) != amount:
        raise ValidationError({field_name: "Amounts have at most two decimal places."})
    return _q(amount)


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
    amount = _positive(amount)
    with transaction.atomic():
        patient = _lock_patient(patient.pk)
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
        return Payment.objects.create(
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
        )


def refund_record(
    *, patient: Patient, amount: Decimal, method: str, on: dt.date, reference: str = "", by=None
) -> Payment:
    """Money returned to the patient: never more than their credit."""
    amount = _positive(amount)
    with transaction.atomic():
        patient = _lock_patient(patient.pk)
        credit = max(-patient_balance(patient), ZERO)
        if amount > credit:
            raise ValidationError({"amount": f"A refund can return only the patient's credit, which is {credit}."})
        if on > timezone.localdate():
            raise ValidationError({"on": "A refund cannot be dated in the future."})
        return Payment.objects.create(
            patient=patient,
            kind=PaymentKind.REFUND,
            method=method,
            amount=amount,
            on=on,
            reference=reference.strip(),
            receipt_number=_receipt_number(on),
            currency=clinic_currency(),
            created_by=by,
        )


def adjustment_record(
    *, charge: Charge, kind: str, direction: str, amount: Decimal, reason: str, on: dt.date | None = None, by=None
) -> Adjustment:
    """A correction, write-off or insurance adjustment to a charge, always with a reason."""
    amount = _positive(amount)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for this adjustment."})
    with transaction.atomic():
        _lock_patient(charge.patient_id)
        net = charge.patient_part + sum((a.signed_amount for a in Adjustment.objects.filter(charge=charge)), ZERO)
        if direction == AdjustmentDirection.REDUCE and amount > net:
            raise ValidationError({"amount": f"This would take the charge below zero: at most {net} can be reduced."})
        return Adjustment.objects.create(
            charge=charge,
            patient_id=charge.patient_id,
            kind=kind,
            direction=direction,
            amount=amount,
            reason=reason,
            on=on or timezone.localdate(),
            currency=charge.currency,
            created_by=by,
        )
