"""Pages for what claims need: the billing provider and prescriber NPIs (admin), a course's diagnoses
(prescriber or admin) and the visit's E/M code (prescriber)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clinic.access import admin_required, clinical_required, patient_row_or_404, prescriber_required
from clinic.forms import apply_service_errors
from clinic.models import User
from sessions.billing import coding
from sessions.billing.forms_coding import BillingProviderForm, DiagnosesForm, EmCodeForm, PrescriberNpiForm
from sessions.billing.views import _form_page
from sessions.models import BillingProvider, Course, CourseDiagnoses, PrescriberNpi, TreatmentSession, VisitCoding


@admin_required
def billing_provider(request: HttpRequest) -> HttpResponse:
    form = BillingProviderForm(request.POST or None, instance=BillingProvider.load())
    if request.method == "POST" and form.is_valid():
        try:
            coding.billing_provider_save(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Billing provider saved.")
            return redirect("billing_provider")
    npis = {row.user_id: row.npi for row in PrescriberNpi.objects.all()}
    prescribers = [
        (u, npis.get(u.pk, "")) for u in User.objects.filter(is_prescriber=True, is_active=True).order_by("last_name")
    ]
    return render(
        request,
        "sessions/billing/provider.html",
        {"form": form, "prescribers": prescribers},
        status=400 if form.is_bound and form.errors else 200,
    )


@admin_required
def prescriber_npi(request: HttpRequest, pk: int) -> HttpResponse:
    prescriber = get_object_or_404(User, pk=pk, is_prescriber=True)
    current = PrescriberNpi.objects.filter(user=prescriber).first()
    form = PrescriberNpiForm(request.POST or None, initial={"npi": current.npi if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            coding.prescriber_npi_save(by=request.user, prescriber=prescriber, npi=form.cleaned_data["npi"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"NPI of {prescriber.get_full_name() or prescriber} saved.")
            return redirect("billing_provider")
    title = f"NPI of {prescriber.get_full_name() or prescriber}"
    return _form_page(request, form, title=title, back=reverse("billing_provider"))


@clinical_required
def course_diagnoses(request: HttpRequest, pk: int) -> HttpResponse:
    if not coding.can_set_diagnoses(request.user):
        raise PermissionDenied("Only a prescriber or an admin records a course's diagnoses.")
    course = patient_row_or_404(request, Course.objects.select_related("patient", "protocol"), pk=pk)
    current = CourseDiagnoses.objects.filter(course=course).first()
    form = DiagnosesForm(request.POST or None, initial={"codes": ", ".join(current.code_list) if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            coding.course_diagnoses_save(by=request.user, course=course, codes=form.cleaned_data["codes"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Diagnoses saved.")
            return redirect(course.get_absolute_url())
    intro = "Every claim for this course's sessions carries these codes; the first is the primary diagnosis."
    return _form_page(
        request, form, title=f"Diagnoses: {course}", back=course.get_absolute_url(), intro=intro, patient=course.patient
    )


@prescriber_required
def visit_coding(request: HttpRequest, pk: int) -> HttpResponse:
    session = patient_row_or_404(request, TreatmentSession.objects.select_related("patient", "course__protocol"), pk=pk)
    if not coding.can_choose_em_code(request.user, session):
        reason = coding.em_code_locked_reason(session) or "The E/M code is chosen for a visit that took place."
        raise PermissionDenied(reason)
    current = VisitCoding.objects.filter(session=session).first()
    initial = {"em_code": current.em_code, "clinician_minutes": current.clinician_minutes} if current else {}
    form = EmCodeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            coding.visit_em_code_choose(
                by=request.user,
                session=session,
                em_code=form.cleaned_data["em_code"],
                clinician_minutes=form.cleaned_data["clinician_minutes"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "E/M code saved.")
            return redirect("booking_detail", session.pk)
    title = f"E/M code: {session.patient}, {session.planned_start:%Y-%m-%d}"
    return _form_page(
        request, form, title=title, back=reverse("booking_detail", args=[session.pk]), patient=session.patient
    )
