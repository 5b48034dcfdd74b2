"""Billing pages: prices and payers (admin), a patient's account, payments, receipts, statements,
the portal's costs page and the admin reports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic.access import (
    admin_required,
    clinical_required,
    patient_for,
    patient_required,
    patient_row_or_404,
    portal_patient,
)
from clinic.forms import apply_service_errors
from clinic.models import ClinicSettings
from sessions.billing import plans as payment_plans
from sessions.billing import services as billing
from sessions.billing import setup as billing_setup
from sessions.billing.authorisations import authorisation_status
from sessions.billing.forms import (
    AdjustmentForm,
    AuthorisationForm,
    CoverageForm,
    PayerForm,
    PaymentForm,
    PlanForm,
    PriceForm,
    RefundForm,
)
from sessions.billing.reports_claims import claims_money_rows
from sessions.models import RELEASED_STATUSES, Charge, Coverage, Payer, Payment, Price, PriorAuthorisation

FORM_TEMPLATE = "sessions/billing/form.html"


def _form_page(request, form, *, title: str, back: str, intro: str = "", patient=None) -> HttpResponse:
    context = {"form": form, "title": title, "back": back, "intro": intro, "patient": patient}
    return render(request, FORM_TEMPLATE, context, status=400 if form.is_bound and form.errors else 200)


@admin_required
def price_list(request: HttpRequest) -> HttpResponse:
    form = PriceForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            price = billing_setup.price_add(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Price added: {price}.")
            return redirect("billing_prices")
    today = timezone.localdate()
    prices = list(Price.objects.select_related("protocol").order_by("protocol__name", "dose_mg", "-effective_from"))
    current = set()
    seen = set()
    for p in prices:
        key = (p.protocol_id, p.dose_mg)
        if p.effective_from <= today and key not in seen:
            current.add(p.pk)
            seen.add(key)
    return render(
        request,
        "sessions/billing/prices.html",
        {"form": form, "prices": prices, "current": current, "today": today},
        status=400 if form.is_bound and form.errors else 200,
    )


@admin_required
def payer_list(request: HttpRequest) -> HttpResponse:
    form = PayerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payer = billing_setup.payer_save(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Payer {payer} added.")
            return redirect("billing_payers")
    return render(
        request,
        "sessions/billing/payers.html",
        {"form": form, "payers": Payer.objects.all()},
        status=400 if form.is_bound and form.errors else 200,
    )


@admin_required
def payer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    payer = get_object_or_404(Payer, pk=pk)
    form = PayerForm(request.POST or None, instance=payer)
    if request.method == "POST" and form.is_valid():
        try:
            billing_setup.payer_save(by=request.user, payer=payer, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Payer {payer} saved.")
            return redirect("billing_payers")
    return _form_page(request, form, title=f"Edit payer {payer}", back=reverse("billing_payers"))


def _account_context(patient, *, today=None) -> dict:
    today = today or timezone.localdate()
    ledger = billing.patient_ledger(patient)
    plan = payment_plans.active_plan(patient)
    return {
        "patient": patient,
        "ledger": ledger,
        "currency": ledger.currency,
        "plan": plan,
        "instalments": payment_plans.plan_rows(plan, today=today) if plan else [],
        "today": today,
        "insurance": claims_money_rows(patient_id=patient.pk),
    }


@clinical_required
def patient_billing(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    context = _account_context(patient)
    context["coverages"] = Coverage.objects.filter(patient=patient).select_related("payer")
    context["authorisations"] = authorisation_status(patient=patient)
    upcoming = (
        patient.sessions.filter(planned_start__gte=timezone.now())
        .exclude(status__in=RELEASED_STATUSES)
        .select_related("course__protocol", "patient")[:10]
    )
    context["estimates"] = billing.estimates_for_sessions(list(upcoming), patient=patient)
    return render(request, "sessions/billing/patient.html", context)


@admin_required
def coverage_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    form = CoverageForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            coverage = billing_setup.coverage_save(by=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Coverage saved: {coverage}.")
            return redirect("billing_patient", pk=patient.pk)
    return _form_page(
        request,
        form,
        title=f"Coverage for {patient}",
        back=reverse("billing_patient", args=[patient.pk]),
        intro="The latest coverage started on or before a session's day is the one used for it.",
    )


@admin_required
def coverage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    coverage = patient_row_or_404(request, Coverage.objects.select_related("patient", "payer"), pk=pk)
    form = CoverageForm(request.POST or None, instance=coverage)
    if request.method == "POST" and form.is_valid():
        try:
            billing_setup.coverage_save(
                by=request.user, patient=coverage.patient, coverage=coverage, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Coverage saved: {coverage}.")
            return redirect("billing_patient", pk=coverage.patient_id)
    return _form_page(
        request,
        form,
        title=f"Coverage for {coverage.patient}",
        back=reverse("billing_patient", args=[coverage.patient_id]),
        intro="Changes apply to estimates and to charges made from now on; charges already made keep their split.",
    )


@admin_required
def authorisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    auth = patient_row_or_404(request, PriorAuthorisation.objects.select_related("patient"), pk=pk)
    form = AuthorisationForm(request.POST or None, instance=auth)
    if request.method == "POST" and form.is_valid():
        try:
            billing_setup.authorisation_save(
                by=request.user, patient=auth.patient, authorisation=auth, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Prior authorisation {auth.number} saved.")
            return redirect("billing_patient", pk=auth.patient_id)
    return _form_page(
        request,
        form,
        title=f"Prior authorisation {auth.number}",
        back=reverse("billing_patient", args=[auth.patient_id]),
    )


@admin_required
def authorisation_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    form = AuthorisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth = billing_setup.authorisation_save(by=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Prior authorisation {auth.number} saved.")
            return redirect("billing_patient", pk=patient.pk)
    return _form_page(
        request, form, title=f"Prior authorisation for {patient}", back=reverse("billing_patient", args=[patient.pk])
    )


@clinical_required
def payment_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment = billing.payment_record(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Payment recorded; receipt {payment.receipt_number}.")
            return redirect("billing_receipt", pk=payment.pk)
    balance = billing.patient_balance(patient)
    return _form_page(
        request,
        form,
        title=f"Record a payment from {patient}",
        back=reverse("billing_patient", args=[patient.pk]),
        intro=f"Balance due: {max(balance, billing.ZERO)} {ClinicSettings.load().currency}.",
        patient=patient,
    )


@admin_required
def refund_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    form = RefundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            refund = billing.refund_record(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Refund recorded; receipt {refund.receipt_number}.")
            return redirect("billing_receipt", pk=refund.pk)
    credit = max(-billing.patient_balance(patient), billing.ZERO)
    return _form_page(
        request,
        form,
        title=f"Refund to {patient}",
        back=reverse("billing_patient", args=[patient.pk]),
        intro=f"Credit available to refund: {credit} {ClinicSettings.load().currency}.",
    )


@admin_required
def adjustment_create(request: HttpRequest, pk: int) -> HttpResponse:
    charge = patient_row_or_404(request, Charge.objects.select_related("patient"), pk=pk)
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            billing.adjustment_record(charge=charge, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Adjustment recorded.")
            return redirect("billing_patient", pk=charge.patient_id)
    return _form_page(
        request,
        form,
        title=f"Adjust the charge of {charge.service_date:%Y-%m-%d} for {charge.patient}",
        back=reverse("billing_patient", args=[charge.patient_id]),
        intro="A charge is never edited: a correction, write-off or insurance adjustment is recorded with its reason.",
    )


@admin_required
def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment_plans.payment_plan_create(patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Payment plan set up.")
            return redirect("billing_patient", pk=patient.pk)
    return _form_page(
        request,
        form,
        title=f"Payment plan for {patient}",
        back=reverse("billing_patient", args=[patient.pk]),
        intro="Instalments fall due monthly from the first date; a new plan replaces the current one.",
    )


def _receipt(request: HttpRequest, payment: Payment, *, back: str) -> HttpResponse:
    ledger = billing.patient_ledger(payment.patient)
    covered = _charges_covered(ledger, payment)
    return render(
        request,
        "sessions/billing/receipt.html",
        {"payment": payment, "patient": payment.patient, "ledger": ledger, "covered": covered, "back": back},
    )


def _charges_covered(ledger: billing.Ledger, payment: Payment) -> list[tuple[Charge, object]]:
    """Which charges this payment settled, oldest first (payments fall in date order on the oldest charges)."""
    if payment.is_refund:
        return []
    before = billing.ZERO
    for p in ledger.payments:
        if p.pk == payment.pk:
            break
        before += -p.amount if p.is_refund else p.amount
    after = before + payment.amount
    covered, start = [], billing.ZERO
    for row in ledger.rows:
        end = start + max(row.net, billing.ZERO)
        share = min(end, after) - max(start, before)
        if share > 0:
            covered.append((row.charge, share))
        start = end
    return covered


@clinical_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    payment = patient_row_or_404(request, Payment.objects.select_related("patient", "created_by"), pk=pk)
    return _receipt(request, payment, back=reverse("billing_patient", args=[payment.patient_id]))


@clinical_required
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    return render(
        request,
        "sessions/billing/statement.html",
        {**_account_context(patient), "back": reverse("billing_patient", args=[patient.pk])},
    )


def _upcoming(patient):
    return list(
        patient.sessions.filter(planned_start__gte=timezone.now())
        .exclude(status__in=RELEASED_STATUSES)
        .select_related("course__protocol", "patient")
        .order_by("planned_start")[:12]
    )


@patient_required
def portal_billing(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    context = _account_context(patient)
    context["estimates"] = billing.estimates_for_sessions(_upcoming(patient), patient=patient)
    context["coverage"] = billing.coverage_in_force(patient=patient, on=timezone.localdate())
    return render(request, "sessions/billing/portal.html", context)


@patient_required
def portal_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    patient = portal_patient(request)
    payment = Payment.objects.select_related("patient").filter(pk=pk, patient=patient).first()
    if payment is None:
        raise Http404
    return _receipt(request, payment, back=reverse("portal_billing"))


@patient_required
def portal_statement(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    return render(
        request, "sessions/billing/statement.html", {**_account_context(patient), "back": reverse("portal_billing")}
    )
