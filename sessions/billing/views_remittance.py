"""Remittance pages (admin): import an 835, a remittance with its unmatched payments, a payment
entered by hand for a claim, and the denials work queue with its actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic.access import admin_required, patient_row_or_404
from clinic.forms import apply_service_errors
from sessions.billing import denials
from sessions.billing import remittance as remittances
from sessions.billing.forms_remittance import AppealForm, ClaimPaymentForm, ResolveForm, Upload835Form
from sessions.models import Claim, Remittance


@admin_required
def remittance_list(request: HttpRequest) -> HttpResponse:
    form = Upload835Form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        name, content = form.cleaned_data["file"]
        try:
            remittance, fresh = remittances.remittance_import_835(content=content, filename=name, by=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if fresh:
                messages.success(request, f"{name} imported.")
            else:
                messages.info(request, f"{name} was imported before: nothing changed.")
            return redirect("billing_remittance", remittance.pk)
    rows = Remittance.objects.select_related("payer").defer("content")[:100]
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "sessions/billing/remittances.html", {"form": form, "remittances": rows}, status=status)


@admin_required
def remittance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = get_object_or_404(Remittance.objects.select_related("payer"), pk=pk)
    payments = remittance.line_payments.select_related("claim__patient", "claim_line").prefetch_related("adjustments")
    context = {"remittance": remittance, "payments": payments, "resolve_form": ResolveForm()}
    return render(request, "sessions/billing/remittance.html", context)


@admin_required
@require_POST
def remittance_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = get_object_or_404(Remittance, pk=pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            denials.remittance_resolve_unmatched(remittance=remittance, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Unmatched payments marked resolved.")
    else:
        messages.error(request, "Say how the unmatched payments were resolved.")
    return redirect("billing_remittance", remittance.pk)


@admin_required
def claim_payment(request: HttpRequest, pk: int) -> HttpResponse:
    claim = patient_row_or_404(request, Claim.objects.select_related("patient", "payer"), pk=pk)
    lines = list(claim.lines.order_by("position"))
    form = ClaimPaymentForm(request.POST or None, lines=lines, initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            remittances.remittance_record(
                claim=claim,
                by=request.user,
                entries=form.entries(),
                paid_on=form.cleaned_data["paid_on"],
                check_number=form.cleaned_data["check_number"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Payment posted.")
            return redirect("billing_claim", claim.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "sessions/billing/claim_payment.html", {"claim": claim, "form": form}, status=status)


def _denials_page(request: HttpRequest, *, refused: AppealForm | None = None, claim_pk: int | None = None):
    """The queue, each denial with its appeal form; a refused appeal keeps its input and errors beside the fields."""
    rows = []
    for denial in denials.denial_queue():
        form = refused if refused is not None and denial.claim.pk == claim_pk else None
        form = form or AppealForm(initial={"on": timezone.localdate()}, prefix=f"appeal-{denial.claim.pk}")
        rows.append((denial, form))
    status = 400 if refused is not None else 200
    return render(request, "sessions/billing/denials.html", {"rows": rows}, status=status)


@admin_required
def denial_list(request: HttpRequest) -> HttpResponse:
    return _denials_page(request)


@admin_required
@require_POST
def claim_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    claim = patient_row_or_404(request, Claim.objects.all(), pk=pk)
    form = AppealForm(request.POST, prefix=f"appeal-{claim.pk}")
    if form.is_valid():
        try:
            denials.claim_appeal(claim=claim, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    if form.errors:
        return _denials_page(request, refused=form, claim_pk=claim.pk)
    messages.success(request, f"Appeal of {claim.control_number} recorded.")
    return redirect("billing_denials")


@admin_required
@require_POST
def claim_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    claim = patient_row_or_404(request, Claim.objects.select_related("payer"), pk=pk)
    try:
        denials.claim_transfer_to_patient(claim=claim, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The denied amount of {claim.control_number} is now the patient's.")
    return redirect("billing_denials")
