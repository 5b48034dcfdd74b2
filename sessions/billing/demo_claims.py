"""Demo revenue cycle: billing provider and NPIs, diagnoses, E/M codes, claims sent as an 837P,
an 835 already imported (paid, partly paid, denied claims — one denial to work) and one 835 file
left under media/demo/ to import by hand. Synthetic throughout."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from clinic.demo import DemoContext, register_demo_step
from clinic.models import User
from sessions.billing import claim_files, claims, coding
from sessions.billing import remittance as remittances
from sessions.billing.claim_check import work_out
from sessions.billing.identifiers import NPI_PREFIX, luhn_check_digit
from sessions.billing.x12_835 import ClaimPayment, Remit, ServicePayment, write_835
from sessions.models import Claim, ClaimStatus, Course, Payer, PayerKind, SessionStatus, TreatmentSession, VisitCoding

CENT = Decimal("0.01")
DEMO_835 = "remittance-demo.835"
DIAGNOSES = {"esketamine-trd": "F33.2", "esketamine-mdsi": "F33.2, R45.851", "iv-ketamine": "F33.1"}
PAYER_IDS = {
    "Medicare Part B": "MCR13202",
    "State Medicaid": "MCD00410",
    "Blue Harbor Health": "BHH61101",
    "Summit Mutual": "SUM77002",
}


def demo_npi(n: int) -> str:
    base = f"1{n:08d}"
    return base + str(luhn_check_digit(NPI_PREFIX + base))


def demo_835_path() -> Path:
    """media/demo/ (git-ignored) unless ``DEMO_DATA_DIR`` says otherwise."""
    return Path(getattr(settings, "DEMO_DATA_DIR", Path(settings.BASE_DIR) / "media" / "demo")) / DEMO_835


def _setup(admin: User) -> None:
    coding.billing_provider_save(
        by=admin,
        name="Demo Ketamine Clinic",
        npi=demo_npi(4321),
        tax_id="12-3456789",
        address_line="100 Harbor Street",
        city="Albany",
        state="NY",
        zip_code="12207-1234",
        phone="+1 518 555 0100",
        place_of_service="11",
        ketamine_ndc="42023-0113-10",
    )
    for i, prescriber in enumerate(User.objects.filter(is_prescriber=True).order_by("pk"), start=1):
        coding.prescriber_npi_save(by=admin, prescriber=prescriber, npi=demo_npi(7000 + i))
    for payer in Payer.objects.all():
        payer.payer_id = PAYER_IDS.get(payer.name, payer.payer_id)
        payer.wants_rems_note = payer.kind == PayerKind.MEDICARE
        payer.save()
    for course in Course.objects.select_related("protocol").filter(diagnoses__isnull=True):
        coding.course_diagnoses_save(by=admin, course=course, codes=DIAGNOSES.get(course.protocol.slug, "F33.2"))


def _em_codes(ctx: DemoContext) -> None:
    visits = TreatmentSession.objects.filter(status=SessionStatus.DISCHARGED, coding__isnull=True).select_related(
        "course"
    )
    for session in visits:
        VisitCoding.objects.create(
            session=session, em_code=ctx.rng.choice(["99213", "99214"]), chosen_by=session.course.prescriber
        )


def _c(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _outcome(claim: Claim, kind: str) -> ClaimPayment:
    """paid: allowed 80% (CO-45 the rest), the payer 80% of it, the patient 20% (Medicare coinsurance) or a
    deductible; partial: the E/M line denied CO-97 (bundled); denied: every line CO-50."""
    services = []
    for line in claim.lines.order_by("position"):
        if kind == "denied" or (kind == "partial" and line.position > 1):
            reason = "50" if kind == "denied" else "97"
            services.append(
                ServicePayment(
                    line.code,
                    line.modifiers,
                    line.amount,
                    Decimal("0.00"),
                    line.units,
                    line.control_number,
                    Decimal("0.00"),
                    [("CO", reason, line.amount)],
                )
            )
            continue
        allowed = _c(line.amount * Decimal("0.8"))
        patient = _c(allowed * Decimal("0.2"))
        group_reason = "2" if claim.payer.kind == PayerKind.MEDICARE else "1"
        services.append(
            ServicePayment(
                line.code,
                line.modifiers,
                line.amount,
                allowed - patient,
                line.units,
                line.control_number,
                allowed,
                [("CO", "45", line.amount - allowed), ("PR", group_reason, patient)],
            )
        )
    return ClaimPayment(
        claim.control_number,
        "4" if kind == "denied" else "1",
        claim.total,
        sum((s.paid for s in services), Decimal("0")),
        sum((s.patient_responsibility for s in services), Decimal("0")),
        f"DEMO{claim.pk:06d}",
        services,
        claim.patient.last_name,
        claim.patient.first_name,
        claim.member_id,
    )


def _file(payer: Payer, payments: list[ClaimPayment], *, check: str, control: int, provider_npi: str) -> str:
    remit = Remit(
        payer.name, payer.payer_id, check, timezone.localdate(), sum((p.paid for p in payments), Decimal("0")), payments
    )
    return write_835(
        remit, control=control, payee_name="Demo Ketamine Clinic", payee_npi=provider_npi, now=timezone.now()
    )


@register_demo_step(45, "billing: claims sent, paid, partly paid and denied, and an 835 to import")
def seed_claims(ctx: DemoContext) -> None:
    if Claim.objects.exists():
        return
    admin = ctx.users.get("admin") or User.objects.filter(role="admin").first()
    _setup(admin)
    _em_codes(ctx)
    built = claims.claims_build(by=admin)
    ready = [claims.claim_mark_ready(claim=c, by=admin) for c in built if not work_out(c).problems]
    if not ready:
        return
    claim_files.claims_export(claims=ready, by=admin)
    sent = list(
        Claim.objects.filter(status=ClaimStatus.SUBMITTED)
        .select_related("payer", "patient")
        .order_by("service_date", "pk")
    )
    cutoff = ctx.today - dt.timedelta(days=7)
    older = [c for c in sent if c.service_date <= cutoff]
    recent = [c for c in sent if c.service_date > cutoff]
    provider_npi = demo_npi(4321)
    by_payer: dict[int, list[Claim]] = {}
    for c in older:
        by_payer.setdefault(c.payer_id, []).append(c)
    for n, payer_claims in enumerate(by_payer.values(), start=1):
        payments = []
        for i, claim in enumerate(payer_claims):
            kind = "paid"
            if claim.payer.kind != PayerKind.MEDICARE and len(claim.lines.all()) > 1:
                kind = "denied" if i == 0 else "partial" if i == 1 else "paid"
            payments.append(_outcome(claim, kind))
        content = _file(
            payer_claims[0].payer, payments, check=f"EFT{9000 + n}", control=100 + n, provider_npi=provider_npi
        )
        remittances.remittance_import_835(content=content, filename=f"era-{n}.835", by=admin)
    if recent:
        payer = recent[0].payer
        payments = [_outcome(c, "paid") for c in recent if c.payer_id == payer.pk]
        path = demo_835_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            _file(payer, payments, check="EFT9999", control=199, provider_npi=provider_npi), encoding="utf-8"
        )
