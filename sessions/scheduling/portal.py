"""The patient portal's appointment pages, calendar files and the private calendar feed."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clinic.access import patient_required, portal_patient
from clinic.compiled import compiled_rows
from clinic.forms import apply_service_errors
from clinic.models import ClinicSettings, Patient
from clinic.services import patient_calendar_renew
from sessions.models import RELEASED_STATUSES, SessionStatus, TreatmentSession
from sessions.scheduling import requests as change_requests
from sessions.scheduling import rides
from sessions.scheduling.calendars import with_series
from sessions.scheduling.forms import AppointmentRequestForm, RideForm
from sessions.scheduling.ics import calendar_for


def preparation(is_esketamine: bool) -> list[str]:
    """What to do before a session (SPRAVATO patient information; the same sense for IV ketamine)."""
    steps = [
        "No food for 2 hours before your appointment.",
        "No drinks (including water) for 30 minutes before.",
    ]
    if is_esketamine:
        steps.append("If you use a nasal corticosteroid or decongestant spray, take it at least 1 hour before.")
    steps += [
        "Bring your ride home, or make sure they will collect you at the pickup time.",
        "Do not drive or operate machinery until the next day, after a restful sleep.",
    ]
    return steps


def _own_session(request: HttpRequest, pk: int) -> TreatmentSession:
    patient = portal_patient(request)
    qs = with_series(TreatmentSession.objects.with_related())
    return get_object_or_404(qs, pk=pk, patient=patient)


def _upcoming_and_past(patient: Patient, limit: int = 20):
    """The next ``limit`` visits (not cancelled) and the last ``limit``, in one query: each row is
    ranked within its part (soonest first, most recent first) and only the first ``limit`` are read.
    Its SQL is compiled once per process (``clinic.compiled``): only the patient and the time change."""
    now = timezone.now()
    rows = compiled_rows(("portal_visits", limit), partial(_visits, limit=limit), patient=patient.pk, now=now)
    upcoming, past = [], []
    for s in rows:
        (upcoming if s.planned_end >= now else past).append(s)
    upcoming.sort(key=lambda s: (s.planned_start, -s.pk))
    past.sort(key=lambda s: (s.planned_start, s.pk), reverse=True)
    return upcoming, past


def _visits(*, patient: int, now: dt.datetime, limit: int):
    is_upcoming = Q(planned_end__gte=now)
    rank = Window(
        RowNumber(),
        partition_by=[Case(When(is_upcoming, then=Value(1)), default=Value(0))],
        order_by=[
            Case(When(is_upcoming, then=F("planned_start"))).asc(nulls_last=True),
            F("planned_start").desc(),
            F("pk").desc(),
        ],
    )
    return (
        with_series(TreatmentSession.objects.filter(patient_id=patient).with_related())
        .filter(~is_upcoming | ~Q(status__in=RELEASED_STATUSES))
        .annotate(portal_rank=rank)
        .filter(portal_rank__lte=limit)
    )


@patient_required
def portal_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own_session(request, pk)
    return _appointment_page(request, session)


def _appointment_page(
    request: HttpRequest, session: TreatmentSession, ride_form=None, status=200, change_form=None
) -> HttpResponse:
    editable = session.status == SessionStatus.SCHEDULED
    context = {
        "requests": list(session.requests.order_by("-created_at")),
        "change_refusal": change_requests.request_refusal(session),
        "change_form": change_form
        or AppointmentRequestForm(action=reverse("portal_appointment_request", args=[session.pk])),
        "s": session,
        "tz": ClinicSettings.load().tz,
        "steps": preparation(session.course.protocol.is_esketamine),
        "editable": editable,
        "ride_form": ride_form or RideForm.for_session(session, action=reverse("portal_ride", args=[session.pk])),
    }
    return render(request, "sessions/portal/appointment.html", context, status=status)


@patient_required
@require_POST
def portal_ride(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own_session(request, pk)
    form = RideForm(request.POST, action=reverse("portal_ride", args=[pk]))
    if form.is_valid():
        try:
            rides.ride_update(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            confirmed = form.cleaned_data["confirm"]
            messages.success(request, "Thank you: your ride is confirmed." if confirmed else "Your ride is saved.")
            return redirect("portal_appointment", pk)
    return _appointment_page(request, _own_session(request, pk), ride_form=form, status=400)


@patient_required
@require_POST
def portal_appointment_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient asks to cancel or move this appointment; the clinic replies on this page."""
    session = _own_session(request, pk)
    form = AppointmentRequestForm(request.POST, action=reverse("portal_appointment_request", args=[pk]))
    if form.is_valid():
        try:
            change_requests.appointment_request_create(
                session=session,
                kind=form.cleaned_data["kind"],
                preferred_start=form.preferred_start(),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, "Your request is sent. The clinic will reply on this page; until then the appointment stands."
            )
            return redirect("portal_appointment", pk)
    return _appointment_page(request, _own_session(request, pk), change_form=form, status=400)


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@patient_required
def portal_appointment_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own_session(request, pk)
    day = session.planned_start.astimezone(ClinicSettings.load().tz)
    return _ics_response(calendar_for([session]), f"appointment-{day:%Y-%m-%d}.ics")


@patient_required
@require_POST
def portal_feed_reset(request: HttpRequest) -> HttpResponse:
    """Revoke the private calendar address: the old link stops working at once."""
    patient = portal_patient(request)
    patient_calendar_renew(patient=patient, by=request.user)
    messages.success(request, "Your calendar link was renewed; the old link no longer works.")
    return redirect("portal_home")


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A patient's private feed, reached by its unguessable token alone (calendar apps cannot log in)."""
    patient = Patient.objects.filter(calendar_token=token, archived_at__isnull=True).first()
    if patient is None or len(token) < 20:
        raise Http404
    since = timezone.now() - dt.timedelta(days=30)
    sessions = patient.sessions.filter(planned_end__gte=since).order_by("planned_start")
    return _ics_response(calendar_for(sessions), "appointments.ics")
