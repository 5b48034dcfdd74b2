"""Claim pages (admin): the list with *Build claims*, one claim with its lines and checks, and the
lifecycle actions (each a POST to its own URL; the services decide what is allowed)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic.access import admin_required, patient_row_or_404
from clinic.forms import apply_service_errors
from sessions.billing import claim_files
from sessions.billing import claims as claim_services
from sessions.billing.claim_check import work_out
from sessions.billing.remittance import claim_money
from sessions.models import Claim, ClaimBatch, ClaimStatus


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="As the clearinghouse or payer report says it.")


def _claims():
    return Claim.objects.select_related("patient", "payer", "original")


@admin_required
def claim_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        built = claim_services.claims_build(by=request.user)
        messages.success(
            request, f"{len(built)} claim(s) built." if built else "No discharged session waits for a claim."
        )
        return redirect("billing_claims")
    status = request.GET.get("status", "")
    rows = _claims().order_by("-service_date", "-pk")
    if status in ClaimStatus.values:
        rows = rows.filter(status=status)
    counts = {s: 0 for s in ClaimStatus.values}
    for value in Claim.objects.values_list("status", flat=True):
        counts[value] += 1
    statuses = [(value, label, counts[value]) for value, label in ClaimStatus.choices]
    waiting = len(claim_services.unclaimed_keys())
    batches = ClaimBatch.objects.defer("content")[:10]
    context = {"claims": rows[:200], "statuses": statuses, "status": status, "waiting": waiting, "batches": batches}
    context["ready"] = counts[ClaimStatus.READY]
    return render(request, "sessions/billing/claims.html", context)


def _detail(request: HttpRequest, claim: Claim, *, status: int = 200, reject_form=None) -> HttpResponse:
    worked = work_out(claim)
    context = {
        "claim": claim,
        "worked": worked,
        "sent_lines": list(claim.lines.all()) if claim.lines.exists() else None,
        "reject_form": reject_form or RejectForm(),
        "can_correct": claim_services.can_correct(claim),
        "corrections": list(claim.corrections.all()),
        "money": claim_money(claim) if claim.lines.exists() else None,
    }
    return render(request, "sessions/billing/claim.html", context, status=status)


@admin_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, patient_row_or_404(request, _claims(), pk=pk))


def _act(request: HttpRequest, pk: int, call, done: str) -> HttpResponse:
    claim = patient_row_or_404(request, _claims(), pk=pk)
    try:
        result = call(claim)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        claim.refresh_from_db()
        return _detail(request, claim, status=400)
    messages.success(request, done)
    return redirect("billing_claim", result.pk)


@admin_required
@require_POST
def claim_ready(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: claim_services.claim_mark_ready(claim=c, by=request.user),
        "Claim checked: ready to send.",
    )


@admin_required
@require_POST
def claim_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda c: claim_services.claim_reopen(claim=c, by=request.user), "Claim back to draft.")


@admin_required
@require_POST
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda c: claim_services.claim_submit(claim=c, by=request.user), "Claim marked submitted.")


@admin_required
@require_POST
def claim_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda c: claim_services.claim_acknowledge(claim=c, by=request.user, accepted=True),
        "Claim accepted.",
    )


@admin_required
@require_POST
def claim_reject(request: HttpRequest, pk: int) -> HttpResponse:
    claim = patient_row_or_404(request, _claims(), pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            claim_services.claim_acknowledge(
                claim=claim, by=request.user, accepted=False, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Claim marked rejected.")
            return redirect("billing_claim", claim.pk)
    return _detail(request, claim, status=400, reject_form=form)


@admin_required
@require_POST
def claim_correct(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda c: claim_services.claim_correct(claim=c, by=request.user), "Correction opened as a draft."
    )


@admin_required
@require_POST
def claim_void(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda c: claim_services.claim_void(claim=c, by=request.user), "Void claim ready to send.")


@admin_required
@require_POST
def claims_export(request: HttpRequest) -> HttpResponse:
    ready = list(_claims().filter(status=ClaimStatus.READY).order_by("payer__name", "service_date", "pk"))
    try:
        batch = claim_files.claims_export(claims=ready, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("billing_claims")
    messages.success(request, f"{batch.claim_count} claim(s) submitted in {batch.filename}.")
    return redirect("billing_claims")


@admin_required
def claim_batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(ClaimBatch, pk=pk)
    response = HttpResponse(batch.content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
    return response


@admin_required
def claim_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    claim = patient_row_or_404(request, _claims(), pk=pk)
    response = HttpResponse(claim_files.cms1500_pdf(claim), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="CMS-1500-{claim.control_number}.pdf"'
    return response
