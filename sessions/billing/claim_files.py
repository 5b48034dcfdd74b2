"""Claim files: a batch of ready claims exported as one X12 5010 837P file (submitted in the same
transaction, and only if pyx12 accepts the file), and a printable CMS-1500 (02/12) PDF per claim."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string

from clinic.audit import audited_create, audited_save
from clinic.models import ClinicSettings, User
from sessions.billing import claims as claim_services
from sessions.billing import x12
from sessions.billing.claim_check import work_out
from sessions.models import BillingProvider, Claim, ClaimBatch, ClaimStatus


def claims_export(*, claims: list[Claim], by: User) -> ClaimBatch:
    """Submit the ready claims and write their 837P file; nothing changes unless every claim passes its
    checks and the file passes the 5010 implementation rules."""
    if not claims:
        raise ValidationError("Choose at least one ready claim to export.")
    with transaction.atomic():
        sent = []
        for claim in claims:
            if claim.status != ClaimStatus.READY:
                raise ValidationError(
                    f"{claim} is {claim.get_status_display().lower()}: only ready claims are exported."
                )
            try:
                sent.append(claim_services.claim_submit(claim=claim, by=by))
            except ValidationError as exc:
                raise ValidationError([f"{claim}: {m}" for m in exc.messages]) from exc
        batch = audited_create(
            ClaimBatch,
            dict(content="", claim_count=len(sent), created_by=by),
            by=by,
            reason="837P exported",
            validate=False,
        )
        claims_sent = list(
            Claim.objects.filter(pk__in=[c.pk for c in sent]).select_related("patient", "payer", "authorisation")
        )
        content = x12.write_837p(claims_sent, control=batch.pk)
        errors = x12.validate_837p(content)
        if errors:
            raise ValidationError(["The 837P file does not pass the 5010 rules; nothing was sent:", *errors[:10]])
        batch.content = content
        audited_save(batch, by=by, reason="837P file written", update_fields=["content"])
        for claim in claims_sent:
            claim.batch = batch
            audited_save(claim, by=by, reason=f"In 837P batch {batch.pk}", update_fields=["batch"])
        return batch


def cms1500_context(claim: Claim) -> dict:
    """What the form's boxes show: as sent once submitted, otherwise as the claim would be sent."""
    worked = work_out(claim)
    sent = list(claim.lines.select_related("charge__session__course__prescriber")) if claim.lines.exists() else None
    lines = sent if sent is not None else worked.lines
    charges = worked.charges
    prescriber = charges[0].session.course.prescriber if charges else None
    codes = claim.code_list if sent is not None else worked.diagnoses
    provider = BillingProvider.load()
    return {
        "claim": claim,
        "patient": claim.patient,
        "payer": claim.payer,
        "member_id": claim.member_id if sent is not None else (worked.coverage.member_id if worked.coverage else ""),
        "authorisation": claim.authorisation.number
        if claim.authorisation_id
        else (worked.authorisation.number if worked.authorisation else ""),
        "note": claim.note if sent is not None else worked.note,
        "diagnoses": list(zip("ABCDEFGHIJKL", codes, strict=False)),
        "pointer": "".join("ABCD"[: min(len(codes), 4)]),
        "lines": lines[:6],
        "total": sum(line.amount for line in lines),
        "provider": provider,
        "prescriber": prescriber,
        "rendering_npi": claim.rendering_npi if sent is not None else worked.rendering_npi,
        "clinic": ClinicSettings.load(),
        "draft": sent is None,
    }


def cms1500_pdf(claim: Claim) -> bytes:
    from weasyprint import HTML  # loads pango: only when a PDF is asked for

    html = render_to_string("sessions/billing/cms1500.html", cms1500_context(claim))
    return HTML(string=html).write_pdf()
