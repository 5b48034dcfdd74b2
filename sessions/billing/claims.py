"""Claims: built per patient, payer and date of service from discharged sessions' charges, checked
against the payer's rules, then sent; never edited after submission (README, "Claims").

Lifecycle: draft → ready → submitted → accepted / rejected → paid / partially paid / denied; a sent
claim is corrected by a replacement (frequency 7) or withdrawn by a void (frequency 8), and the one
corrected becomes *corrected* or *void* when that claim is submitted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_create, audited_save
from clinic.models import User
from sessions.billing.claim_check import Problem, work_out
from sessions.billing.pricing import clinic_currency
from sessions.models import (
    OPEN_STATUSES,
    Charge,
    ChargeKind,
    Claim,
    ClaimLine,
    ClaimStatus,
    Frequency,
    PayerKind,
    SessionStatus,
)

CONTROL_PREFIX = "KC"


def _lock(claim: Claim) -> Claim:
    return Claim.objects.select_for_update(of=("self",)).select_related("payer", "original").get(pk=claim.pk)


def _new_claim(*, by: User | None, reason: str, **values) -> Claim:
    claim = audited_create(
        Claim, dict(currency=clinic_currency(), created_by=by, **values), by=by, reason=reason, validate=False
    )
    claim.control_number = f"{CONTROL_PREFIX}{claim.pk:07d}"
    audited_save(claim, by=by, reason="Claim id given", update_fields=["control_number"])
    return claim


def unclaimed_keys() -> list[tuple[int, int, object]]:
    """(patient, payer, date) of insured session charges with no claim yet."""
    charges = (
        Charge.objects.filter(kind=ChargeKind.SESSION, payer__isnull=False, session__status=SessionStatus.DISCHARGED)
        .exclude(payer__kind=PayerKind.SELF_PAY)
        .values_list("patient_id", "payer_id", "service_date")
        .distinct()
    )
    claimed = set(Claim.objects.values_list("patient_id", "payer_id", "service_date"))
    return sorted({key for key in charges if key not in claimed}, key=lambda k: (k[2], k[0]))


def claims_build(*, by: User | None) -> list[Claim]:
    """A draft claim for each patient, payer and date of service whose session charges have none yet."""
    built = []
    with transaction.atomic():
        for patient_id, payer_id, day in unclaimed_keys():
            if Claim.objects.filter(patient_id=patient_id, payer_id=payer_id, service_date=day).exists():
                continue
            built.append(
                _new_claim(by=by, reason="Claim built", patient_id=patient_id, payer_id=payer_id, service_date=day)
            )
    return built


def _set_status(claim: Claim, status: str, *, by, reason: str, **values) -> Claim:
    claim.status = status
    claim.status_changed_at = timezone.now()
    for name, value in values.items():
        setattr(claim, name, value)
    return audited_save(claim, by=by, reason=reason)


def problems_error(problems: list[Problem]) -> ValidationError:
    return ValidationError([f"{p.field}: {p.message}" for p in problems])


def claim_mark_ready(*, claim: Claim, by: User) -> Claim:
    """Draft → ready once every check passes; otherwise the problems, each naming its field."""
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status != ClaimStatus.DRAFT:
            raise ValidationError(
                f"Only a draft claim is made ready; this one is {claim.get_status_display().lower()}."
            )
        problems = work_out(claim).problems
        if problems:
            raise problems_error(problems)
        return _set_status(claim, ClaimStatus.READY, by=by, reason="Claim checked and ready")


def claim_reopen(*, claim: Claim, by: User) -> Claim:
    """Ready → draft (to correct its sources before sending)."""
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status != ClaimStatus.READY:
            raise ValidationError("Only a ready claim goes back to draft.")
        return _set_status(claim, ClaimStatus.DRAFT, by=by, reason="Claim back to draft")


def claim_submit(*, claim: Claim, by: User) -> Claim:
    """Ready → submitted: the checks run again, then the lines and what was sent are written for good."""
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status != ClaimStatus.READY:
            raise ValidationError("Only a ready claim is submitted: check it first.")
        worked = work_out(claim)
        if worked.problems:
            _set_status(claim, ClaimStatus.DRAFT, by=by, reason="Claim failed its checks at submission")
            raise problems_error(worked.problems)
        for position, line in enumerate(worked.lines, start=1):
            audited_create(
                ClaimLine,
                dict(
                    claim=claim,
                    charge=line.charge,
                    position=position,
                    control_number=f"{claim.control_number}-{position}",
                    code=line.code,
                    modifiers=line.modifiers,
                    units=line.units,
                    amount=line.amount,
                    ndc=line.ndc,
                    ndc_quantity=line.ndc_quantity,
                    ndc_unit=line.ndc_unit,
                    description=line.description[:120],
                ),
                by=by,
                reason="Claim line sent",
                validate=False,
            )
        if claim.original_id:
            original = _lock(claim.original)
            done = ClaimStatus.VOID if claim.frequency == Frequency.VOID else ClaimStatus.CORRECTED
            _set_status(
                original, done, by=by, reason=f"{original.get_status_display()} by claim {claim.control_number}"
            )
        return _set_status(
            claim,
            ClaimStatus.SUBMITTED,
            by=by,
            reason="Claim submitted",
            coverage=worked.coverage,
            authorisation=worked.authorisation,
            member_id=worked.coverage.member_id if worked.coverage else "",
            diagnosis_codes=",".join(worked.diagnoses),
            rendering_npi=worked.rendering_npi,
            note=worked.note,
            total=worked.total,
            submitted_at=timezone.now(),
            submitted_by=by,
        )


def claim_acknowledge(*, claim: Claim, by: User, accepted: bool, reason: str = "") -> Claim:
    """The clearinghouse's or payer's answer to a submitted claim: accepted, or rejected with its reason."""
    with transaction.atomic():
        claim = _lock(claim)
        if claim.status != ClaimStatus.SUBMITTED:
            raise ValidationError("Only a submitted claim is accepted or rejected.")
        if not accepted and not reason.strip():
            raise ValidationError({"reason": "Say why the claim was rejected (as the payer's report gives it)."})
        status = ClaimStatus.ACCEPTED if accepted else ClaimStatus.REJECTED
        return _set_status(claim, status, by=by, reason=f"Claim {status}", status_reason=reason.strip()[:300])


def can_correct(claim: Claim) -> bool:
    return (claim.is_sent or claim.status == ClaimStatus.REJECTED) and claim.frequency != Frequency.VOID


def claim_correct(*, claim: Claim, by: User) -> Claim:
    """A new draft that corrects a sent claim: a replacement (frequency 7) of one the payer took, or a
    fresh original of a rejected one (it never reached the payer)."""
    with transaction.atomic():
        claim = _lock(claim)
        if not can_correct(claim):
            raise ValidationError("Only a sent or rejected claim is corrected; a draft is simply fixed and checked.")
        if claim.corrections.filter(status__in=OPEN_STATUSES).exists():
            raise ValidationError("A correction of this claim is already open.")
        frequency = Frequency.ORIGINAL if claim.status == ClaimStatus.REJECTED else Frequency.REPLACEMENT
        return _new_claim(
            by=by,
            reason="Correction of claim " + (claim.control_number or ""),
            patient_id=claim.patient_id,
            payer_id=claim.payer_id,
            service_date=claim.service_date,
            frequency=frequency,
            original=claim,
            payer_claim_number=claim.payer_claim_number,
        )


def claim_void(*, claim: Claim, by: User) -> Claim:
    """A void (frequency 8) of a claim the payer took, ready to send with the same lines."""
    with transaction.atomic():
        claim = _lock(claim)
        if not claim.is_sent or claim.frequency == Frequency.VOID:
            raise ValidationError("Only a claim the payer has received is voided.")
        if claim.corrections.filter(status__in=OPEN_STATUSES).exists():
            raise ValidationError("A correction of this claim is already open.")
        void = _new_claim(
            by=by,
            reason="Void of claim " + (claim.control_number or ""),
            patient_id=claim.patient_id,
            payer_id=claim.payer_id,
            service_date=claim.service_date,
            frequency=Frequency.VOID,
            original=claim,
            payer_claim_number=claim.payer_claim_number,
        )
        return _set_status(void, ClaimStatus.READY, by=by, reason="Void ready to send")
