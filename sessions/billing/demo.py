"""Demo billing: payers, prices, coverage, authorisations, charges, payments and a payment plan.

Two steps: the price list, fees and coverage before scheduling (20) and monitoring (30), so the
sessions they discharge or release are charged as they happen (through the signal receivers);
then (40) charges for any discharged session still without one, authorisations, payments and
a plan. Idempotent. All data synthetic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from clinic.demo import DemoContext, register_demo_step
from clinic.models import ClinicSettings
from sessions.billing import plans as payment_plans
from sessions.billing import services as billing
from sessions.billing.authorisations import authorisation_status
from sessions.models import (
    Charge,
    Coverage,
    Payer,
    PayerKind,
    Payment,
    PaymentMethod,
    PaymentPlan,
    Price,
    PriorAuthorisation,
    Protocol,
    SessionStatus,
    TreatmentSession,
)

PAYERS = [
    ("Self-pay", PayerKind.SELF_PAY),
    ("Medicare Part B", PayerKind.MEDICARE),
    ("State Medicaid", PayerKind.MEDICAID),
    ("Blue Harbor Health", PayerKind.COMMERCIAL),
    ("Summit Mutual", PayerKind.COMMERCIAL),
]

# (protocol slug, dose, amount, days before today it applies from)
PRICES = [
    ("esketamine-trd", 56, "950.00", 365),
    ("esketamine-trd", 84, "1250.00", 365),
    ("esketamine-mdsi", 56, "950.00", 365),
    ("esketamine-mdsi", 84, "1250.00", 365),
    ("iv-ketamine", None, "575.00", 365),
    ("iv-ketamine", None, "595.00", 30),  # a price rise: earlier charges keep 575
]


def _coverage_spec(i: int, payers: dict[str, Payer]) -> dict:
    """Patient i's coverage: a mix of Medicare, Medicaid, commercial (copay / coinsurance) and self-pay."""
    if i % 4 == 0:
        return {"payer": payers["Medicare Part B"], "coinsurance_percent": Decimal("20")}
    if i == 5:
        return {"payer": payers["State Medicaid"], "copay": Decimal("4.00")}
    if i % 4 == 1:
        return {
            "payer": payers["Blue Harbor Health"],
            "copay": Decimal("40.00"),
            "savings_programme": "SPRAVATO withMe savings (demo)",
            "savings_per_session": Decimal("25.00"),
        }
    if i % 4 == 2:
        return {
            "payer": payers["Summit Mutual"],
            "coinsurance_percent": Decimal("20"),
            "deductible_remaining": Decimal("500.00"),
        }
    return {"payer": payers["Self-pay"]}


@register_demo_step(15, "billing: payers, price list, fees and coverage")
def seed_billing_setup(ctx: DemoContext) -> None:
    """Before scheduling (20) and monitoring (30): their cancellations and discharges are charged
    as they happen, so prices, fees and coverage must already be there."""
    today = ctx.today
    admin = ctx.users.get("admin")
    cs = ClinicSettings.load()
    if not cs.cancellation_fee and not cs.no_show_fee:
        cs.cancellation_fee, cs.no_show_fee = Decimal("75.00"), Decimal("150.00")
        cs.save()
    payers = _payers()
    for slug, dose, amount, days in PRICES:
        protocol = Protocol.objects.filter(slug=slug).first()
        if protocol is not None:
            Price.objects.get_or_create(
                protocol=protocol,
                dose_mg=dose,
                effective_from=today - dt.timedelta(days=days),
                defaults={"amount": Decimal(amount), "currency": cs.currency, "created_by": admin},
            )
    for i, patient in enumerate(ctx.patients):
        if not Coverage.objects.filter(patient=patient).exists():
            spec = _coverage_spec(i, payers)
            Coverage.objects.create(
                patient=patient,
                member_id="" if spec["payer"].is_self_pay else f"DEMO{70000 + i * 37}",
                starts_on=today - dt.timedelta(days=200),
                currency=cs.currency,
                **spec,
            )


def _payers() -> dict[str, Payer]:
    return {name: Payer.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in PAYERS}


@register_demo_step(40, "billing: charges, authorisations, payments, plan")
def seed_billing(ctx: DemoContext) -> None:
    admin = ctx.users.get("admin")
    _charge_demo_sessions(admin)  # the sessions discharged by the scheduling and monitoring steps
    _authorisations(ctx, _payers())
    _payments(ctx, admin)


def _charge_demo_sessions(admin) -> None:
    """Charge every discharged session (and release fees) the earlier steps made, oldest first."""
    discharged = TreatmentSession.objects.filter(status=SessionStatus.DISCHARGED, charge__isnull=True)
    for session in discharged.order_by("discharged_at", "planned_start"):
        billing.charge_session(session=session, by=session.discharged_by or admin)
    for session in TreatmentSession.objects.filter(status=SessionStatus.NO_SHOW, charge__isnull=True):
        billing.charge_release_fee(session=session, by=admin)


def _authorisations(ctx: DemoContext, payers: dict[str, Payer]) -> None:
    """An authorisation for each insured esketamine patient; the first one is about to run out."""
    today = ctx.today
    first = True
    for i, patient in enumerate(ctx.patients):
        coverage = billing.coverage_in_force(patient=patient, on=today)
        if coverage is None or coverage.payer.is_self_pay:
            continue
        course = patient.courses.select_related("protocol").first()
        if course is None or not course.protocol.is_esketamine:
            continue
        number = f"DEMO-PA-{5000 + i}"
        if PriorAuthorisation.objects.filter(number=number).exists():
            continue
        auth = PriorAuthorisation.objects.create(
            patient=patient,
            payer=coverage.payer,
            protocol=course.protocol,
            number=number,
            sessions_authorised=16,
            starts_on=min(course.start_date, today) - dt.timedelta(days=7),
            ends_on=today + dt.timedelta(days=90),
        )
        if first:
            # About to run out: only one more session is authorised, and it ends within two weeks.
            status = authorisation_status(patient=patient, protocol=course.protocol, today=today)[0]
            auth.sessions_authorised = max(status.used + 1, 1)
            auth.ends_on = today + dt.timedelta(days=10)
            auth.notes = "Renewal requested (demo)."
            auth.save()
            first = False


def _payments(ctx: DemoContext, admin) -> None:
    """Most patients pay as they go; one leaves an old balance; one is on a plan with an overdue instalment."""
    today = ctx.today
    methods = [PaymentMethod.CARD, PaymentMethod.HSA, PaymentMethod.CASH, PaymentMethod.CHECK]
    plan_done = PaymentPlan.objects.exists()
    plan_patient = _plan_candidate(ctx.patients, today)
    for i, patient in enumerate(ctx.patients):
        if Payment.objects.filter(patient=patient).exists():
            continue
        charges = list(Charge.objects.filter(patient=patient).order_by("service_date", "pk"))
        if not charges:
            continue
        if not plan_done and (
            patient == plan_patient or (plan_patient is None and billing.patient_balance(patient) >= Decimal("300.00"))
        ):
            _plan_with_overdue_instalment(patient, charges, admin, today)
            plan_done = True
            continue
        if i % 3 == 2:
            continue  # leaves an unpaid balance, for the ageing report
        for n, charge in enumerate(charges[:-1] if i % 2 else charges):
            if charge.patient_part <= 0:
                continue
            due = billing.patient_balance(patient)
            amount = min(charge.patient_part, due)
            if amount <= 0:
                break
            billing.payment_record(
                patient=patient,
                amount=amount,
                method=methods[(i + n) % len(methods)],
                on=min(charge.service_date + dt.timedelta(days=1), today),
                reference=f"DEMO-{i:02d}{n:03d}",
                by=admin,
            )


def _plan_candidate(patients, today: dt.date):
    """The patient with the oldest unpaid charges (at least 40 days old), so a plan can have a missed instalment."""
    firsts = []
    for patient in patients:
        first = Charge.objects.filter(patient=patient).order_by("service_date").first()
        if first and first.service_date <= today - dt.timedelta(days=40):
            if billing.patient_balance(patient) >= Decimal("300.00"):
                firsts.append((first.service_date, patient.pk, patient))
    return min(firsts)[2] if firsts else None


def _plan_with_overdue_instalment(patient, charges, admin, today: dt.date) -> None:
    # Starts the day after the first charge, at least 40 days ago: the second monthly instalment is overdue.
    start = min(charges[0].service_date + dt.timedelta(days=1), today - dt.timedelta(days=40))
    plan = payment_plans.payment_plan_create(
        patient=patient,
        instalments=4,
        first_due=start + dt.timedelta(days=7),
        note="Demo plan: second instalment missed.",
        by=admin,
        starts_on=start,
    )
    first = plan.instalments.order_by("due_on").first()
    billing.payment_record(
        patient=patient,
        amount=first.amount,
        method=PaymentMethod.CARD,
        on=min(first.due_on, today),
        reference="DEMO-PLAN-1",
        by=admin,
    )
