"""Helpers for remittance tests: sent claims and an 835 file paying them as a test says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from sessions.billing import claim_files, claims
from sessions.billing.x12_835 import ClaimPayment, Remit, ServicePayment, write_835
from sessions.models import Claim

D = Decimal


def send_all(by) -> list[Claim]:
    ready = [claims.claim_mark_ready(claim=c, by=by) for c in claims.claims_build(by=by)]
    batch = claim_files.claims_export(claims=ready, by=by)
    return list(batch.claims.order_by("pk"))


def pay(claim: Claim, outcomes: list[tuple], *, status="1") -> ClaimPayment:
    """``outcomes``: per line (paid, allowed, [(group, reason, amount), …])."""
    services = []
    for line, (paid, allowed, adjustments) in zip(claim.lines.order_by("position"), outcomes, strict=True):
        services.append(
            ServicePayment(
                line.code,
                line.modifiers,
                line.amount,
                D(paid),
                line.units,
                line.control_number,
                D(allowed),
                [(g, r, D(a)) for g, r, a in adjustments],
            )
        )
    pr = sum((s.patient_responsibility for s in services), D("0"))
    return ClaimPayment(
        claim.control_number,
        status,
        claim.total,
        sum((s.paid for s in services), D("0")),
        pr,
        f"PCN{claim.pk}",
        services,
        claim.patient.last_name,
        claim.patient.first_name,
        claim.member_id,
    )


def file_835(payer, payments: list[ClaimPayment], *, check="CHK1001", control=1) -> str:
    remit = Remit(
        payer.name, payer.payer_id, check, timezone.localdate(), sum((p.paid for p in payments), D("0")), payments
    )
    return write_835(
        remit,
        control=control,
        payee_name="Calm Clinic",
        payee_npi="1234567893",
        now=timezone.now().replace(microsecond=0) - dt.timedelta(minutes=1),
    )
