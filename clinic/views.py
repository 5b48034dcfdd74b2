"""Clinic pages: home by role, health check, patients, staff, chairs, settings, rota.

Views stay thin: look up through an access helper, validate a form, call a service, redirect.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import services
from .access import admin_required, clinical_required, patient_for
from .audit import patient_trail
from .compiled import compiled_rows
from .forms import (
    ArchiveForm,
    ChairForm,
    ClinicSettingsForm,
    OpeningHoursFormSet,
    PatientForm,
    PatientSearchForm,
    PortalInviteForm,
    StaffForm,
    StaffShiftForm,
    apply_service_errors,
)
from .holds import upcoming_holds
from .models import Chair, ClinicSettings, OpeningHours, Patient, Role, StaffShift, User, Weekday
from .panels import panels_for, take_values, with_values

HISTORY_ROWS = 50  # the patient page's audit trail: the latest changes, the rest in the audit log


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page."""
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_patient:
        return redirect("portal_home")
    if request.user.is_admin:
        return redirect("admin_home")
    return redirect("staff_home")


# ---- Patients -------------------------------------------------------------------------------


@clinical_required
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    patients = Patient.objects.all()
    if form.is_valid():
        patients = patients.search(form.cleaned_data["q"])
        if not form.cleaned_data["archived"]:
            patients = patients.active()
    else:
        patients = patients.active()
    page = Paginator(patients.select_related("user"), 25).get_page(request.GET.get("page"))
    return render(request, "clinic/patient_list.html", {"form": form, "page": page})


@clinical_required
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_save(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{patient} was added.")
            return redirect(patient)
    return render(request, "clinic/patient_form.html", {"form": form, "title": "New patient"})


def _patients_with_user():
    return Patient.objects.select_related("user")


def _patient_page_row(*, pk: int):
    return with_values("patient", _patients_with_user).filter(pk=pk)


@clinical_required
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The page's selector: the patient with every value the panels of other areas registered, in one query.
    patient = patient_for(request, pk, queryset=compiled_rows("patient_page", _patient_page_row, pk=pk))
    take_values("patient", patient)
    history, more = patient_trail(patient, 0, HISTORY_ROWS)
    return render(
        request,
        "clinic/patient_detail.html",
        {
            "patient": patient,
            "panels": panels_for("patient", request, patient),
            "history": history,
            "history_more": more,
            "today": timezone.localdate(),
        },
    )


@clinical_required
def patient_history_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's whole audit trail, a page of changes at a time (the record shows the latest)."""
    patient = patient_for(request, pk)
    try:
        number = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        number = 1
    entries, more = patient_trail(patient, (number - 1) * HISTORY_ROWS, HISTORY_ROWS)
    context = {"patient": patient, "entries": entries, "number": number, "has_next": more}
    return render(request, "clinic/patient_history.html", context)


@clinical_required
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    if patient.is_archived:
        messages.error(request, "Archived records cannot be edited; restore the patient first.")
        return redirect(patient)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_save(by=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Patient record saved.")
            return redirect(patient)
    return render(request, "clinic/patient_form.html", {"form": form, "title": f"Edit {patient}", "patient": patient})


@clinical_required
def patient_archive(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_archive(patient=patient, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{patient} was archived. The record is kept.")
        return redirect(patient)
    return render(request, "clinic/patient_archive.html", {"form": form, "patient": patient})


@clinical_required
@require_POST
def patient_restore(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    try:
        services.patient_restore(patient=patient, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{patient} was restored.")
    return redirect(patient)


@clinical_required
def patient_invite(request: HttpRequest, pk: int) -> HttpResponse:
    patient = patient_for(request, pk)
    initial = {"email": patient.email, "username": f"{patient.first_name}.{patient.last_name}".lower().replace(" ", "")}
    form = PortalInviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_invite(request=request, patient=patient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect(patient)
    return render(request, "clinic/patient_invite.html", {"form": form, "patient": patient})


# ---- Admin: staff, chairs, settings, rota -------------------------------------------------------


@admin_required
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = User.objects.filter(role__in=[Role.STAFF, Role.ADMIN]).order_by("-is_active", "last_name", "first_name")
    return render(request, "clinic/staff_list.html", {"staff": staff})


@admin_required
def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    member = get_object_or_404(User, pk=pk, role__in=[Role.STAFF, Role.ADMIN]) if pk else None
    form = StaffForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_save(by=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if member is None:
                link = services.invitation_link(request, user)
                messages.success(request, f"{user} was added. Send them this link to set a password: {link}")
            else:
                messages.success(request, f"{user} was saved.")
            return redirect("staff_list")
    title = f"Edit {member}" if member else "New staff member"
    return render(request, "clinic/simple_form.html", {"form": form, "title": title, "back": reverse("staff_list")})


@admin_required
def chair_list(request: HttpRequest) -> HttpResponse:
    return render(request, "clinic/chair_list.html", {"chairs": Chair.objects.all()})


@admin_required
def chair_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    chair = get_object_or_404(Chair, pk=pk) if pk else None
    form = ChairForm(request.POST or None, instance=chair)
    if request.method == "POST" and form.is_valid():
        try:
            chair = services.chair_save(by=request.user, chair=chair, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{chair} was saved.")
            if not chair.is_active:
                upcoming = upcoming_holds("chair", chair)
                if upcoming:
                    messages.warning(
                        request,
                        f"{chair} is inactive but still holds {upcoming} upcoming booking(s); "
                        "move them to another chair from the calendar.",
                    )
            return redirect("chair_list")
    title = f"Edit {chair}" if chair else "New chair"
    return render(request, "clinic/simple_form.html", {"form": form, "title": title, "back": reverse("chair_list")})


@admin_required
def clinic_settings(request: HttpRequest) -> HttpResponse:
    form = ClinicSettingsForm(request.POST or None, instance=ClinicSettings.load())
    if request.method == "POST" and form.is_valid():
        try:
            services.clinic_settings_save(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Clinic settings saved.")
            return redirect("clinic_settings")
    return render(request, "clinic/settings.html", {"form": form})


@admin_required
def opening_hours(request: HttpRequest) -> HttpResponse:
    existing = {h.weekday: h for h in OpeningHours.objects.all()}
    initial = [
        {
            "weekday": day,
            "opens": existing[day].opens if day in existing else None,
            "closes": existing[day].closes if day in existing else None,
            "closed": day not in existing,
        }
        for day in Weekday.values
    ]
    formset = OpeningHoursFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        hours = {
            form.cleaned_data["weekday"]: None
            if form.cleaned_data.get("closed")
            else (form.cleaned_data["opens"], form.cleaned_data["closes"])
            for form in formset
        }
        services.opening_hours_save(by=request.user, hours=hours)
        messages.success(request, "Opening hours saved.")
        return redirect("opening_hours")
    # One row per weekday; a tampered form count never reaches here as valid, but still renders.
    rows = zip(formset.forms, Weekday.labels, strict=False)
    return render(request, "clinic/opening_hours.html", {"formset": formset, "rows": rows})


@admin_required
def rota(request: HttpRequest) -> HttpResponse:
    start = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", "")) if request.GET.get("start") else start
    except ValueError:
        messages.error(request, "That is not a date; showing this week.")
    if abs(start - timezone.localdate()) > dt.timedelta(days=366 * 20):
        messages.error(request, "That date is too far away; showing this week.")
        start = timezone.localdate()
    start = start - dt.timedelta(days=start.weekday())
    days = [start + dt.timedelta(days=i) for i in range(7)]
    shifts = StaffShift.objects.filter(date__range=(days[0], days[-1])).select_related("staff")
    by_day = {d: [s for s in shifts if s.date == d] for d in days}
    form = StaffShiftForm(request.POST or None, initial={"date": start})
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_add(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Shift added.")
            return redirect(f"{reverse('rota')}?start={form.cleaned_data['date']:%Y-%m-%d}")
    return render(
        request,
        "clinic/rota.html",
        {
            "form": form,
            "by_day": by_day,
            "prev": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7),
        },
    )


@admin_required
@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(StaffShift, pk=pk)
    day = shift.date
    services.shift_remove(by=request.user, shift=shift)
    messages.success(request, "Shift removed.")
    return redirect(f"{reverse('rota')}?start={day:%Y-%m-%d}")
