"""The denials work queue: claims the payer denied in whole or part with an amount still open, and
what a person does about each — correct and resubmit (a replacement claim), appeal (a note and a
date), or transfer the denied amount to the patient."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_create, audited_save
from clinic.models import User
from sessions.billing.pricing import ZERO
from sessions.billing.remittance import CONTRACTUAL, ClaimMoney, claim_money
from sessions.models import Adjustment, AdjustmentDirection, AdjustmentKind, Claim, ClaimStatus, Remittance

DENIED_STATUSES = (ClaimStatus.DENIED, ClaimStatus.PARTIALLY_PAID)


@dataclass
class Denial:
    claim: Claim
    money: ClaimMoney

    @property
    def age_days(self) -> int:
        changed = self.claim.status_changed_at or self.claim.created_at
        return (timezone.now() - changed).days


def denial_queue() -> list[Denial]:
    rows = (
        Claim.objects.filter(status__in=DENIED_STATUSES)
        .select_related("patient", "payer")
        .order_by("status_changed_at", "pk")
    )
    return [d for d in (Denial(c, claim_money(c)) for c in rows) if d.money.open > 0]


def claim_appeal(*, claim: Claim, by: User, note: str, on: dt.date) -> Claim:
    """Record that the denial is appealed: what was sent and when (the claim stays in the queue)."""
    if not note.strip():
        raise ValidationError({"note": "Say what the appeal argues or encloses."})
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.status not in DENIED_STATUSES:
            raise ValidationError("Only a denied or partly paid claim is appealed.")
        if on > timezone.localdate():
            raise ValidationError({"on": "The appeal date cannot be in the future."})
        claim.appeal_note = note.strip()
        claim.appealed_on = on
        return audited_save(claim, by=by, reason="Denial appealed")


def claim_transfer_to_patient(*, claim: Claim, by: User) -> Claim:
    """Move the denied, still-open amount of each denied line to the patient's balance."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.status not in DENIED_STATUSES:
            raise ValidationError("Only a denied or partly paid claim is transferred to the patient.")
        moved = ZERO
        remittance = None
        for line in claim.lines.prefetch_related("payments__adjustments", "payments__remittance"):
            payments = list(line.payments.all())
            if not payments:
                continue
            remittance = payments[-1].remittance
            denied = sum(
                (
                    a.amount
                    for p in payments
                    for a in p.adjustments.all()
                    if a.group != "PR" and (a.group, a.reason) not in CONTRACTUAL
                ),
                ZERO,
            )
            if denied <= 0:
                continue
            reasons = ", ".join(
                sorted({f"{a.group}-{a.reason}" for p in payments for a in p.adjustments.all() if a.group != "PR"})
            )
            audited_create(
                Adjustment,
                dict(
                    charge=line.charge,
                    patient_id=claim.patient_id,
                    kind=AdjustmentKind.INSURANCE,
                    direction=AdjustmentDirection.INCREASE,
                    amount=denied,
                    reason=f"Denied by {claim.payer} ({reasons}): transferred to the patient",
                    on=timezone.localdate(),
                    remittance=remittance if isinstance(remittance, Remittance) else None,
                    currency=claim.currency,
                    created_by=by,
                ),
                by=by,
                reason="Denied amount transferred to the patient",
                validate=False,
            )
            moved += denied
        open_before = claim_money(claim).open
        if moved <= 0 or open_before <= 0:
            raise ValidationError("Nothing denied is left to transfer on this claim.")
        claim.transferred_to_patient += min(moved, open_before)
        return audited_save(claim, by=by, reason="Denied amount transferred to the patient")


def remittance_resolve_unmatched(*, remittance: Remittance, by: User, note: str) -> Remittance:
    """A person has dealt with the payments that matched no claim line (posted by hand, refunded …)."""
    if not remittance.unmatched:
        raise ValidationError("This remittance has no unmatched payment.")
    if not note.strip():
        raise ValidationError({"note": "Say how the unmatched payments were resolved."})
    remittance.unmatched_resolved_note = note.strip()[:300]
    return audited_save(
        remittance, by=by, reason="Unmatched payments resolved", update_fields=["unmatched_resolved_note"]
    )
