"""Prices, coverage and estimates: what a session costs and who pays which part, before it is charged.

Money is exact decimal, rounded half up to the cent (``to_cents``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField
from django.utils import timezone

from clinic.models import ClinicSettings, Patient
from sessions.billing import codes as billing_codes
from sessions.models import (
    Coverage,
    Payer,
    PayerKind,
    Price,
    TreatmentSession,
)

ZERO = Decimal("0.00")


CENT = Decimal("0.01")


MONEY = DecimalField(max_digits=12, decimal_places=2)


def to_cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def clinic_currency() -> str:
    return ClinicSettings.load().currency


def local_day(when: dt.datetime) -> dt.date:
    return timezone.localtime(when, ClinicSettings.load().tz).date()


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
    total = to_cents(total)
    if coverage is None or coverage.payer.is_self_pay:
        savings = min(to_cents(coverage.savings_per_session), total) if coverage else ZERO
        return Split(ZERO, savings, total - savings, ZERO)
    left = coverage.deductible_remaining if deductible_left is None else deductible_left
    deductible = min(to_cents(left), total)
    rest = total - deductible
    if coverage.copay is not None:
        share = min(to_cents(coverage.copay), rest)
    elif coverage.coinsurance_percent is not None:
        share = to_cents(rest * coverage.coinsurance_percent / 100)
    else:
        share = ZERO
    patient = deductible + share
    savings = min(to_cents(coverage.savings_per_session), patient)
    patient -= savings
    return Split(total - patient - savings, savings, patient, deductible)


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

    def estimate(
        self, session: TreatmentSession, *, dose_mg=None, infusion_minutes=None, day=None, em_code=None
    ) -> Estimate:
        """``em_code``: the visit's E/M code as the prescriber chose it (99213 until then)."""
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
                em_code=em_code or billing_codes.DEFAULT_EM_CODE,
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
        est.total = to_cents(price.amount)
        est.payer_part, est.savings_part = split.payer_part, split.savings_part
        est.patient_part, est.deductible_applied = split.patient_part, split.deductible_applied
        return est


def estimate_for_session(session: TreatmentSession, *, pricing: Pricing | None = None) -> Estimate:
    """What a planned session is expected to cost, and the patient's part of it."""
    return (pricing or Pricing(patient=session.patient)).estimate(session)


def estimates_for_sessions(sessions: list[TreatmentSession], *, patient: Patient) -> list[Estimate]:
    pricing = Pricing(patient=patient)
    return [pricing.estimate(s) for s in sorted(sessions, key=lambda s: s.planned_start)]
