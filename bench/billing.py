"""The benchmark's money: a charge for every discharged session, with its lines, the patients' coverage
and their payments (plus a few write-offs), all bulk-inserted from a random generator of its own so the
rest of the data set is the same with or without it. The scenario's charges (the measured patients')
carry their code lines; the history's do not: no report reads them and they would add a third to the
billing part of the build.

Each patient, when first charged, gets a coverage: about a third self-pay, the rest a commercial plan
(copay or coinsurance, some with a savings card for esketamine) or Medicare (20 % coinsurance). Charges
follow the app's rules (price in force by protocol and dose, ``split_cost``, ``lines_for``) without its
per-row queries. Payments settle statements of four charges, paid within a fortnight; most patients
pay everything, some leave their last statement (or a part of one) unpaid, so the outstanding report
has balances of every age; a few old balances are written off.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from clinic.models import User
from sessions.billing import codes as billing_codes
from sessions.billing.pricing import ZERO, pick_price, split_cost
from sessions.models import (
    Adjustment,
    AdjustmentKind,
    Charge,
    ChargeKind,
    ChargeLine,
    Coverage,
    Payer,
    PayerKind,
    Payment,
    PaymentMethod,
    Price,
    Protocol,
    SessionStatus,
)
from sessions.models import TreatmentSession as TS

BATCH = 5000
STATEMENT = 4  # charges per statement (one payment each)
PRICES = {  # protocol slug: ((dose mg or None, amount), ...); esketamine-trd's are the write paths' own
    "esketamine-mdsi": ((56, "850.00"), (84, "1150.00")),
    "iv-ketamine": ((None, "495.00"),),
}
PAYERS = (  # name, kind, electronic id
    ("Bench Health Plan", PayerKind.COMMERCIAL, "BENCH2"),
    ("Bench Medicare", PayerKind.MEDICARE, "BENCHMC"),
)


def setup_prices_and_payers(admin: User) -> None:
    """The other protocols' prices and two more payers (after the write paths' payer, whose key is fixed)."""
    slugs = {p.slug: p for p in Protocol.objects.filter(slug__in=PRICES)}
    Price.objects.bulk_create(
        Price(
            protocol=slugs[slug],
            dose_mg=dose,
            amount=Decimal(amount),
            effective_from=dt.date(2020, 1, 1),
            created_by=admin,
        )
        for slug, rows in PRICES.items()
        if slug in slugs
        for dose, amount in rows
    )
    Payer.objects.bulk_create(Payer(name=n, kind=k, payer_id=i) for n, k, i in PAYERS)


class Biller:
    """Charges the discharged sessions handed to ``charge`` (one call per bulk flush)."""

    def __init__(self, seed: int, *, today: dt.date, receipt_prefix: str, by_id: int | None, lines: bool = True):
        self.rng = random.Random(seed)
        self.with_lines = lines  # the history's charges go without (no report reads them; a third of the time)
        self.today = today
        self.prefix = receipt_prefix
        self.by_id = by_id
        self.receipts = 0
        self.coverages: dict[int, Coverage | None] = {}
        self.prices: dict[int, list[Price]] = defaultdict(list)
        for price in Price.objects.all():
            self.prices[price.protocol_id].append(price)
        self.treatment = dict(Protocol.objects.values_list("pk", "treatment"))
        payers = {p.kind: p for p in Payer.objects.order_by("pk")}  # the first of each kind
        self.commercial = list(Payer.objects.filter(kind=PayerKind.COMMERCIAL).order_by("pk"))
        self.medicare = payers.get(PayerKind.MEDICARE)
        self.lines: dict[tuple, list[billing_codes.Line]] = {}
        self.counts: dict[str, int] = defaultdict(int)

    def _coverage(self, session: TS) -> Coverage | None:
        pid = session.patient_id
        if pid in self.coverages:
            return self.coverages[pid]
        rng, roll = self.rng, self.rng.random()
        coverage = None
        if roll >= 0.35 and self.commercial:
            medicare = roll >= 0.8 and self.medicare is not None
            payer = self.medicare if medicare else self.commercial[rng.randrange(len(self.commercial))]
            coverage = Coverage(
                patient_id=pid,
                payer=payer,
                member_id=f"BM{pid:07d}",
                starts_on=dt.date(2020, 1, 1),
            )
            if medicare or rng.random() < 0.4:
                coverage.coinsurance_percent = Decimal("20.00")
            else:
                coverage.copay = Decimal(rng.choice(("25.00", "40.00", "60.00")))
            if not medicare and self.treatment[session.course.protocol_id] == "esketamine" and rng.random() < 0.3:
                coverage.savings_programme = "SPRAVATO withMe"
                coverage.savings_per_session = Decimal("25.00")
        self.coverages[pid] = coverage
        if coverage is not None:
            self._new_coverages.append(coverage)
        return coverage

    def _charge_lines(self, treatment: str, payer_kind: str, dose, year: int) -> list[billing_codes.Line]:
        key = (treatment, payer_kind, dose, year)
        if key not in self.lines:
            try:
                self.lines[key] = billing_codes.lines_for(
                    treatment=treatment, payer_kind=payer_kind, dose_mg=dose, year=year
                )
            except ValueError:
                self.lines[key] = []
        return self.lines[key]

    def charge(self, sessions: list[TS]) -> None:
        self._new_coverages: list[Coverage] = []
        charges, lines_of = [], []
        for s in sessions:
            if s.status != SessionStatus.DISCHARGED or s.pk is None:
                continue
            coverage = self._coverage(s)
            day = s.discharged_at.astimezone(s.planned_start.tzinfo).date()
            dose = Decimal(s.dose_given_mg) if s.dose_given_mg is not None else None
            price = pick_price(self.prices[s.course.protocol_id], dose_mg=dose, on=day)
            total = price.amount if price else ZERO
            split = split_cost(total=total, coverage=coverage, deductible_left=ZERO)
            charges.append(
                Charge(
                    patient_id=s.patient_id,
                    session=s,
                    kind=ChargeKind.SESSION,
                    service_date=day,
                    price=price,
                    payer=coverage.payer if coverage else None,
                    dose_mg=dose,
                    total=split.payer_part + split.savings_part + split.patient_part,
                    payer_part=split.payer_part,
                    savings_part=split.savings_part,
                    patient_part=split.patient_part,
                    note="" if price else "No price is in force for this protocol and dose on that day.",
                    created_by_id=self.by_id,
                )
            )
            if self.with_lines:
                kind = coverage.payer.kind if coverage else PayerKind.SELF_PAY
                lines_of.append(self._charge_lines(self.treatment[s.course.protocol_id], kind, dose, day.year))
        if self._new_coverages:
            Coverage.objects.bulk_create(self._new_coverages, batch_size=BATCH)
            self.counts["Coverage"] += len(self._new_coverages)
        if not charges:
            return
        Charge.objects.bulk_create(charges, batch_size=BATCH)
        self.counts["Charge"] += len(charges)
        self._pay(charges)
        if not self.with_lines:
            return
        ChargeLine.objects.bulk_create(
            (
                ChargeLine(
                    charge=c,
                    position=i,
                    code=line.code,
                    modifier=line.modifier,
                    units=line.units,
                    description=line.description,
                )
                for c, lines in zip(charges, lines_of, strict=True)
                for i, line in enumerate(lines, start=1)
            ),
            batch_size=BATCH,
        )
        self.counts["ChargeLine"] += sum(len(x) for x in lines_of)

    def _pay(self, charges: list[Charge]) -> None:
        """A payment per statement of four charges; some statements left unpaid, part paid or written off."""
        rng = self.rng
        per_patient: dict[int, list[Charge]] = defaultdict(list)
        for c in charges:
            per_patient[c.patient_id].append(c)
        payments, adjustments = [], []
        for pid, items in per_patient.items():
            items.sort(key=lambda c: (c.service_date, c.pk))
            statements = [items[i : i + STATEMENT] for i in range(0, len(items), STATEMENT)]
            for n, statement in enumerate(statements):
                owed = sum((c.patient_part for c in statement), ZERO)
                last = statement[-1].service_date
                recent = (self.today - last).days <= 60
                roll = rng.random()
                if n == len(statements) - 1 and roll < (0.5 if recent else 0.12):
                    if not recent and rng.random() < 0.25 and statement[-1].patient_part > 0:
                        adjustments.append(
                            Adjustment(
                                charge=statement[-1],
                                patient_id=pid,
                                kind=AdjustmentKind.WRITE_OFF,
                                amount=statement[-1].patient_part,
                                reason="Uncollectable (synthetic)",
                                on=min(last + dt.timedelta(days=120), self.today),
                                created_by_id=self.by_id,
                            )
                        )
                    continue  # unpaid (or partly written off)
                if roll > 0.95:
                    owed = (owed / 2).quantize(Decimal("0.01"))  # paid half
                if owed <= 0:
                    continue
                self.receipts += 1
                payments.append(
                    Payment(
                        patient_id=pid,
                        method=rng.choice(
                            (PaymentMethod.CARD, PaymentMethod.CARD, PaymentMethod.HSA, PaymentMethod.CHECK)
                        ),
                        amount=owed,
                        on=min(last + dt.timedelta(days=rng.randrange(15)), self.today),
                        receipt_number=f"{self.prefix}{self.receipts:08d}",
                        created_by_id=self.by_id,
                    )
                )
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        Adjustment.objects.bulk_create(adjustments, batch_size=BATCH)
        self.counts["Payment"] += len(payments)
        self.counts["Adjustment"] += len(adjustments)
