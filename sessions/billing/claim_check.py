"""What a claim would send, worked out from its sources, and every problem that stops it from being sent
(the payer's line rules in ``claim_rules.py`` plus coverage, member id, diagnoses, provider, NPIs and the
prior authorisation). Reads only; the writes are in ``claims.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from clinic.models import ClinicSettings, RemsStatus
from sessions.billing.claim_rules import (
    PROLONGED_CODES,
    Context,
    Problem,
    ProposedLine,
    charge_lines,
    line_problems,
)
from sessions.billing.pricing import ZERO, pick_coverage
from sessions.models import (
    SENT_STATUSES,
    BillingProvider,
    Charge,
    ChargeKind,
    Claim,
    ClaimLine,
    ClaimStatus,
    CourseDiagnoses,
    Coverage,
    Frequency,
    PayerKind,
    PrescriberNpi,
    PriorAuthorisation,
    SessionStatus,
    VisitCoding,
)


@dataclass
class Worked:
    """Everything a claim would send, worked out from its sources (or as sent, once submitted)."""

    claim: Claim
    charges: list[Charge]
    lines: list[ProposedLine]
    coverage: Coverage | None
    diagnoses: list[str]
    rendering_npi: str
    authorisation: PriorAuthorisation | None
    note: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


def claim_charges(claim: Claim) -> list[Charge]:
    """The session charges a claim bills: as sent, or those of its patient, payer and date of service."""
    if claim.is_sent or claim.status in (ClaimStatus.CORRECTED, ClaimStatus.VOID, ClaimStatus.REJECTED):
        ids = claim.lines.values_list("charge_id", flat=True)
        qs = Charge.objects.filter(pk__in=ids)
    else:
        qs = Charge.objects.filter(
            patient_id=claim.patient_id,
            payer_id=claim.payer_id,
            service_date=claim.service_date,
            kind=ChargeKind.SESSION,
        )
    return list(qs.select_related("session__course__protocol", "session__course__prescriber", "patient", "payer"))


def _authorisation(claim: Claim, charges: list[Charge], problems: list[Problem]) -> PriorAuthorisation | None:
    auths = [
        a
        for a in PriorAuthorisation.objects.filter(patient_id=claim.patient_id, payer_id=claim.payer_id)
        if a.starts_on <= claim.service_date <= a.ends_on
    ]
    if not claim.payer.requires_authorisation:
        return auths[0] if auths else None
    for charge in charges:
        protocol_id = charge.session.course.protocol_id
        fitting = [a for a in auths if a.protocol_id in (None, protocol_id)]
        if not fitting:
            problems.append(
                Problem(
                    "authorisation",
                    f"{claim.payer} requires a prior authorisation covering {claim.service_date:%Y-%m-%d}: record it "
                    "on the patient's billing page.",
                )
            )
            return None
        auth = fitting[0]
        used = Charge.objects.filter(
            patient_id=claim.patient_id,
            payer_id=claim.payer_id,
            kind=ChargeKind.SESSION,
            service_date__gte=auth.starts_on,
            service_date__lte=claim.service_date,
        ).count()
        if used > auth.sessions_authorised:
            problems.append(
                Problem(
                    "authorisation",
                    f"Authorisation {auth.number} covers {auth.sessions_authorised} sessions; this is session {used}: "
                    "ask the payer for more sessions.",
                )
            )
        return auth
    return None


def work_out(claim: Claim) -> Worked:
    """The claim's lines and every problem that stops it from being sent."""
    problems: list[Problem] = []
    charges = claim_charges(claim)
    payer = claim.payer
    provider = BillingProvider.load()
    coverage = pick_coverage(
        [c for c in Coverage.objects.filter(patient_id=claim.patient_id, payer=payer).select_related("payer")],
        claim.service_date,
    )
    lines: list[ProposedLine] = []
    prescribers = {c.session.course.prescriber for c in charges}
    courses = {c.session.course_id for c in charges}
    codings = {v.session_id: v for v in VisitCoding.objects.filter(session__in=[c.session_id for c in charges])}
    if claim.frequency == Frequency.VOID and claim.original_id:
        lines = [_as_proposed(line) for line in claim.original.lines.select_related("charge__session")]
    else:
        for charge in charges:
            if charge.session.status != SessionStatus.DISCHARGED:
                problems.append(
                    Problem(
                        "session",
                        f"The session of {charge.service_date:%Y-%m-%d} is not discharged: it cannot be billed.",
                    )
                )
            if charge.total <= 0:
                problems.append(
                    Problem(
                        "total",
                        f"The charge of {charge.service_date:%Y-%m-%d} is zero (no price in force): correct it first.",
                    )
                )
            lines += charge_lines(
                charge=charge,
                payer=payer,
                treatment=charge.session.course.protocol.treatment,
                em_code=getattr(codings.get(charge.session_id), "em_code", None),
                ketamine_ndc=provider.ketamine_ndc,
                clinician_minutes=getattr(codings.get(charge.session_id), "clinician_minutes", None),
            )
    diagnoses: list[str] = []
    for row in CourseDiagnoses.objects.filter(course_id__in=courses):
        diagnoses += [c for c in row.code_list if c not in diagnoses]
    npis = {row.user_id: row.npi for row in PrescriberNpi.objects.filter(user__in=prescribers)}
    prescriber = next(iter(prescribers), None)
    rendering_npi = npis.get(prescriber.pk, "") if prescriber else ""
    note = ""
    medicare_esk = payer.kind == PayerKind.MEDICARE and any(line.code in ("G2082", "G2083") for line in lines)
    if payer.wants_rems_note and medicare_esk:
        note = f"REMS {ClinicSettings.load().name} {provider.zip_code[:5]}"[:80]
    if payer.kind == PayerKind.SELF_PAY:
        problems.append(
            Problem("payer", "A self-pay charge is not billed to a payer: it stays on the patient's statement.")
        )
    if coverage is None:
        problems.append(
            Problem(
                "coverage",
                f"No coverage with {payer} is active on {claim.service_date:%Y-%m-%d}: check the coverage dates.",
            )
        )
    elif not coverage.member_id:
        problems.append(Problem("member_id", "The coverage has no member id: add it on the patient's billing page."))
    if not diagnoses:
        problems.append(
            Problem("diagnoses", "No diagnosis: record the course's ICD-10-CM codes (course page → Edit diagnoses).")
        )
    if provider.missing:
        problems.append(
            Problem(
                "billing_provider",
                f"Complete the billing provider (Manage → Billing provider): {', '.join(provider.missing)}.",
            )
        )
    if prescriber is not None and not rendering_npi:
        problems.append(
            Problem(
                "rendering_npi",
                f"{prescriber.get_full_name() or prescriber} has no NPI: set it under Manage → Billing provider.",
            )
        )
    if not payer.payer_id:
        problems.append(Problem("payer_id", f"{payer} has no electronic payer id: add it under Manage → Payers."))
    rems_enrolled = bool(charges) and charges[0].patient.rems_status == RemsStatus.ENROLLED
    if claim.frequency != Frequency.VOID:
        problems += line_problems(Context(payer=payer, rems_enrolled=rems_enrolled), lines)
    authorisation = _authorisation(claim, charges, problems)
    return Worked(claim, charges, lines, coverage, diagnoses, rendering_npi, authorisation, note, problems)


def _as_proposed(line: ClaimLine) -> ProposedLine:
    return ProposedLine(
        charge=line.charge,
        code=line.code,
        description=line.description,
        units=line.units,
        modifiers=line.modifiers,
        amount=line.amount,
        ndc=line.ndc,
        ndc_quantity=line.ndc_quantity,
        ndc_unit=line.ndc_unit,
        clinician_minutes=(  # locked with the E/M code once the claim was sent
            VisitCoding.objects.filter(session_id=line.charge.session_id)
            .values_list("clinician_minutes", flat=True)
            .first()
            if line.code in PROLONGED_CODES
            else None
        ),
    )


def session_claim_sent(session) -> bool:
    return ClaimLine.objects.filter(charge__session=session, claim__status__in=SENT_STATUSES).exists()
