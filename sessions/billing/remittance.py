"""Posting what payers paid (README, "Remittance"): per claim line the allowed amount, the payment,
the patient's responsibility (PR-1 deductible, PR-2 coinsurance, PR-3 copay) and the adjustments
with their group and reason codes. Contractual adjustments (CO-45, CO-253) are written off; the
patient's balance becomes the responsibility the payer stated (an insurance adjustment for the
difference from the estimate); a claim becomes paid, partially paid or denied.

A line is paid once: an X12 835 file is imported in one transaction, the same file (or the same
check number from the same payer) twice changes nothing, payments that match no claim line are
listed on the remittance for a person to resolve, and a refused file is kept for review.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_create, audited_save
from clinic.models import User
from sessions.billing.pricing import ZERO, clinic_currency
from sessions.billing.x12_835 import X835Error, parse_835
from sessions.models import (
    SENT_STATUSES,
    Adjustment,
    AdjustmentDirection,
    AdjustmentKind,
    Claim,
    ClaimLine,
    ClaimStatus,
    LineAdjustment,
    LinePayment,
    Payer,
    Remittance,
    RemittanceSource,
    RemittanceStatus,
)
from sessions.models.billing import Charge

CONTRACTUAL = {("CO", "45"), ("CO", "253")}
GROUPS = ("CO", "PR", "OA", "PI", "CR")
PR_FIELDS = {"1": "deductible", "2": "coinsurance", "3": "copay"}


@dataclass
class LineEntry:
    claim_line: ClaimLine
    paid: Decimal
    allowed: Decimal = ZERO
    adjustments: list[tuple[str, str, Decimal]] = field(default_factory=list)


def _check_entry(entry: LineEntry) -> None:
    line = entry.claim_line
    where = f"Line {line.control_number} ({line.code})"
    if entry.paid < 0:
        raise ValidationError({"paid": f"{where}: a payment cannot be negative."})
    if entry.paid > line.amount:
        raise ValidationError({"paid": f"{where}: the payment {entry.paid} is larger than the {line.amount} billed."})
    for group, reason, _ in entry.adjustments:
        if group not in GROUPS or not reason:
            raise ValidationError(
                {"adjustments": f"{where}: adjustment group must be one of {', '.join(GROUPS)} with a reason code."}
            )
    total = entry.paid + sum((a for _, _, a in entry.adjustments), ZERO)
    if total != line.amount:
        raise ValidationError(
            {
                "adjustments": f"{where}: paid {entry.paid} plus adjustments must equal the {line.amount} billed (they make {total})."
            }
        )
    if line.payments.exists():
        raise ValidationError(f"{where} is already paid: a line is posted once.")


def post_lines(*, remittance: Remittance, entries: list[LineEntry], by: User | None) -> list[Claim]:
    """Write the line payments and settle each claim touched (status, write-offs, patient's share)."""
    claims: dict[int, Claim] = {}
    for entry in entries:
        _check_entry(entry)
        line = entry.claim_line
        pr = {name: ZERO for name in PR_FIELDS.values()}
        for group, reason, amount in entry.adjustments:
            if group == "PR" and reason in PR_FIELDS:
                pr[PR_FIELDS[reason]] += amount
        payment = audited_create(
            LinePayment,
            dict(
                remittance=remittance,
                claim_id=line.claim_id,
                claim_line=line,
                allowed=entry.allowed,
                paid=entry.paid,
                **pr,
            ),
            by=by,
            reason="Payer's payment posted",
            validate=False,
        )
        for group, reason, amount in entry.adjustments:
            audited_create(
                LineAdjustment,
                dict(payment=payment, group=group, reason=reason, amount=amount),
                by=by,
                reason=f"{group}-{reason}",
                validate=False,
            )
        claims[line.claim_id] = line.claim
    for claim in claims.values():
        settle(claim=claim, remittance=remittance, by=by)
    return list(claims.values())


@dataclass
class ClaimMoney:
    billed: Decimal
    paid: Decimal
    contractual: Decimal
    patient: Decimal  # the payer's patient responsibility plus denied amounts transferred to the patient
    denied: Decimal  # adjusted by the payer but neither written off nor the patient's
    open: Decimal  # billed − paid − contractual − patient: still to be paid, worked or transferred
    reasons: list[str]


def claim_money(claim: Claim) -> ClaimMoney:
    lines = list(claim.lines.prefetch_related("payments__adjustments"))
    billed = sum((line.amount for line in lines), ZERO)
    paid = contractual = pr = denied = ZERO
    reasons: list[str] = []
    for line in lines:
        for p in line.payments.all():
            paid += p.paid
            for a in p.adjustments.all():
                if (a.group, a.reason) in CONTRACTUAL:
                    contractual += a.amount
                elif a.group == "PR":
                    pr += a.amount
                else:
                    denied += a.amount
                    reasons.append(f"{a.group}-{a.reason}")
    patient = pr + claim.transferred_to_patient
    return ClaimMoney(
        billed, paid, contractual, patient, denied, billed - paid - contractual - patient, sorted(set(reasons))
    )


def _patient_share(charge: Charge, *, remittance: Remittance, by) -> None:
    stated = sum(
        (a.amount for a in LineAdjustment.objects.filter(payment__claim_line__charge=charge, group="PR")), ZERO
    )
    adjusted = sum((a.signed_amount for a in Adjustment.objects.filter(charge=charge, remittance__isnull=False)), ZERO)
    current = charge.patient_part + adjusted
    difference = stated - current
    if difference == 0:
        return
    audited_create(
        Adjustment,
        dict(
            charge=charge,
            patient_id=charge.patient_id,
            kind=AdjustmentKind.INSURANCE,
            direction=AdjustmentDirection.INCREASE if difference > 0 else AdjustmentDirection.REDUCE,
            amount=abs(difference),
            reason=f"Patient responsibility per the payer: {stated} (estimate was {charge.patient_part})",
            on=remittance.paid_on or timezone.localdate(),
            remittance=remittance,
            currency=charge.currency,
            created_by=by,
        ),
        by=by,
        reason="Patient's share per remittance",
        validate=False,
    )


def settle(*, claim: Claim, remittance: Remittance, by) -> Claim:
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    lines = list(claim.lines.prefetch_related("payments__adjustments"))
    posted = [line for line in lines if line.payments.all()]
    denied_lines = [
        line
        for line in posted
        if sum((p.paid for p in line.payments.all()), ZERO) == 0
        and not any(a.group == "PR" for p in line.payments.all() for a in p.adjustments.all())
    ]
    money = claim_money(claim)
    if posted and len(denied_lines) == len(lines):
        status = ClaimStatus.DENIED
    elif denied_lines or len(posted) < len(lines):
        status = ClaimStatus.PARTIALLY_PAID
    else:
        status = ClaimStatus.PAID
    for charge in {line.charge for line in posted}:
        _patient_share(charge, remittance=remittance, by=by)
    claim.status = status
    claim.status_changed_at = timezone.now()
    claim.status_reason = ", ".join(money.reasons)[:300]
    return audited_save(claim, by=by, reason=f"Remittance {remittance.pk}: {claim.get_status_display().lower()}")


def remittance_record(
    *, claim: Claim, by: User, entries: list[LineEntry], paid_on=None, check_number: str = ""
) -> Remittance:
    """A payment entered by hand from a paper remittance, for the lines of one sent claim."""
    if claim.status not in SENT_STATUSES:
        raise ValidationError("Payments are recorded for a submitted claim.")
    if not entries:
        raise ValidationError("Enter at least one line's payment.")
    with transaction.atomic():
        remittance = audited_create(
            Remittance,
            dict(
                source=RemittanceSource.MANUAL,
                payer=claim.payer,
                check_number=check_number,
                paid_on=paid_on or timezone.localdate(),
                total_paid=sum((e.paid for e in entries), ZERO),
                currency=clinic_currency(),
                created_by=by,
            ),
            by=by,
            reason="Remittance entered",
            validate=False,
        )
        post_lines(remittance=remittance, entries=entries, by=by)
        return remittance


def _payer_of(name: str, payer_id: str) -> Payer:
    payer = (Payer.objects.filter(payer_id=payer_id).first() if payer_id else None) or Payer.objects.filter(
        name__iexact=name
    ).first()
    if payer is None:
        raise X835Error(f"The file's payer “{name or payer_id}” is not one of the clinic's payers.")
    return payer


def _import(content: str, *, filename: str, sha: str, by) -> Remittance:
    remit = parse_835(content)
    payer = _payer_of(remit.payer_name, remit.payer_id)
    if (
        remit.check_number
        and Remittance.objects.filter(
            payer=payer, check_number=remit.check_number, status=RemittanceStatus.POSTED
        ).exists()
    ):
        return Remittance.objects.get(payer=payer, check_number=remit.check_number, status=RemittanceStatus.POSTED)
    remittance = audited_create(
        Remittance,
        dict(
            source=RemittanceSource.X12_835,
            payer=payer,
            filename=filename[:200],
            content=content,
            sha256=sha,
            check_number=remit.check_number,
            paid_on=remit.paid_on,
            total_paid=remit.total_paid,
            currency=clinic_currency(),
            created_by=by,
        ),
        by=by,
        reason="835 imported",
        validate=False,
    )
    entries, unmatched = [], []
    for cp in remit.claims:
        claim = Claim.objects.filter(control_number=cp.claim_id).select_related("payer").first()
        if claim is None:
            unmatched.append({"claim": cp.claim_id, "line": "", "paid": str(cp.paid), "why": "no claim with this id"})
            continue
        if claim.payer_id != payer.pk:
            raise X835Error(
                f"Claim {cp.claim_id} was sent to {claim.payer}, not {payer}: this file is not for these claims."
            )
        if cp.payer_claim_number and not claim.payer_claim_number:
            claim.payer_claim_number = cp.payer_claim_number
            audited_save(claim, by=by, reason="Payer's claim number", update_fields=["payer_claim_number"])
        for s in cp.services:
            line = claim.lines.filter(control_number=s.control_number).first() if s.control_number else None
            if line is None or line.payments.exists():
                why = "already paid" if line is not None else "no line with this control number"
                unmatched.append({"claim": cp.claim_id, "line": s.control_number, "paid": str(s.paid), "why": why})
                continue
            entries.append(LineEntry(line, s.paid, s.allowed or ZERO, list(s.adjustments)))
    post_lines(remittance=remittance, entries=entries, by=by)
    if unmatched:
        remittance.unmatched = unmatched
        audited_save(remittance, by=by, reason=f"{len(unmatched)} payment(s) unmatched", update_fields=["unmatched"])
    return remittance


def remittance_import_835(*, content: str, filename: str = "", by: User | None) -> tuple[Remittance, bool]:
    """Import an 835 file: (the remittance, True) when posted now; (the earlier one, False) when this file
    was imported before. A refused file changes nothing, is kept for review, and raises with the reason."""
    sha = hashlib.sha256(content.encode()).hexdigest()
    earlier = Remittance.objects.filter(sha256=sha, status=RemittanceStatus.POSTED).first()
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            before = Remittance.objects.filter(status=RemittanceStatus.POSTED).count()
            remittance = _import(content, filename=filename, sha=sha, by=by)
            fresh = Remittance.objects.filter(status=RemittanceStatus.POSTED).count() > before
    except (X835Error, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        audited_create(
            Remittance,
            dict(
                source=RemittanceSource.X12_835,
                status=RemittanceStatus.FAILED,
                filename=filename[:200],
                content=content,
                sha256=sha,
                error=message,
                currency=clinic_currency(),
                created_by=by,
            ),
            by=by,
            reason="835 refused, kept for review",
            validate=False,
        )
        raise ValidationError(f"The 835 file was not imported: {message}") from exc
    return remittance, fresh
