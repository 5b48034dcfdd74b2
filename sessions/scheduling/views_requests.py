"""Patients' requests to cancel or move an appointment, for the clinic to accept or decline; the rules live
in ``sessions/scheduling/requests.py`` and the booking service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic.access import admin_required, note_patient_access
from clinic.models import ClinicSettings
from sessions.models import AppointmentRequest, RequestStatus
from sessions.scheduling import requests as change_requests
from sessions.scheduling.forms import RequestDeclineForm


def _rows():
    return AppointmentRequest.objects.select_related("session__chair", "session__phase", "patient", "handled_by")


@admin_required
def appointment_requests(request: HttpRequest, decline_form=None, failed=None, status=200) -> HttpResponse:
    context = {
        "open": list(_rows().filter(status=RequestStatus.OPEN).order_by("created_at")),
        "handled": list(_rows().exclude(status=RequestStatus.OPEN).order_by("-handled_at")[:20]),
        "decline_form": decline_form,
        "failed": failed,
        "tz": ClinicSettings.load().tz,
    }
    return render(request, "sessions/scheduling/requests.html", context, status=status)


@admin_required
@require_POST
def appointment_request_accept(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(AppointmentRequest, pk=pk)
    try:
        change_requests.appointment_request_accept(request=item, by=request.user)
    except ValidationError as exc:
        messages.error(
            request, f"Not done: {' '.join(exc.messages)} Decline it with the reason, or move the booking yourself."
        )
        return redirect("appointment_requests")
    messages.success(request, "Done; the patient sees the change in the portal.")
    return redirect("appointment_requests")


@admin_required
@require_POST
def appointment_request_decline(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(AppointmentRequest, pk=pk)
    form = RequestDeclineForm(request.POST)
    if form.is_valid():
        try:
            change_requests.appointment_request_decline(
                request=item, by=request.user, response=form.cleaned_data["response"]
            )
        except ValidationError as exc:
            form.add_error("response" if hasattr(exc, "error_dict") else None, exc)
        else:
            messages.success(request, "Declined; the patient reads your reason in the portal.")
            return redirect("appointment_requests")
    note_patient_access(request, item.patient_id)  # the refused form is shown again, on that patient's request
    return appointment_requests(request, decline_form=form, failed=item.pk, status=400)
