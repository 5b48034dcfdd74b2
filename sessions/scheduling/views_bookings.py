"""Booking pages: one booking with its ride, move (reschedule), cancel and no-show; the rules live in the
booking and ride services."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clinic.access import admin_required, clinical_required, patient_row_or_404
from clinic.forms import apply_service_errors
from clinic.models import ClinicSettings
from clinic.panels import panels_for
from sessions.models import PhaseKind, SessionStatus, TreatmentSession
from sessions.scheduling import booking
from sessions.scheduling import rides as ride_services
from sessions.scheduling.forms import (
    CancelForm,
    RescheduleForm,
    RideForm,
    VersionForm,
)
from sessions.scheduling.windows import session_window_end


def _session(request: HttpRequest, pk: int) -> TreatmentSession:
    return patient_row_or_404(
        request, TreatmentSession.objects.with_related().select_related("course__prescriber", "phase__protocol"), pk=pk
    )


def _booking_page(request: HttpRequest, session: TreatmentSession, **forms) -> HttpResponse:
    settings = ClinicSettings.load()
    tz = settings.tz
    local = session.planned_start.astimezone(tz)
    context = {
        "s": session,
        "tz": tz,
        "series_total": session.course.sessions.holding_time().count(),
        "reschedule_form": forms.get("reschedule_form")
        or RescheduleForm(
            initial={"date": local.date(), "time": local.time(), "chair": session.chair_id, "version": session.version}
        ),
        "cancel_form": forms.get("cancel_form") or CancelForm(initial={"version": session.version}),
        "ride_form": forms.get("ride_form")
        or RideForm.for_session(session, action=reverse("booking_ride", args=[session.pk])),
        "suggestions": forms.get("suggestions", []),
        "can_move": booking.can_move_bookings(request.user),
        "late_cancel": booking.is_late_cancellation(session, settings),
        "can_no_show": booking.can_no_show(session),
        "missed": booking.missed_session_options(session) if session.status == SessionStatus.NO_SHOW else None,
        "panels": panels_for("booking", request, session),
        "window_end": session_window_end(session, settings) if session.status == SessionStatus.SCHEDULED else None,
        "PhaseKind": PhaseKind,
    }
    return render(request, "sessions/scheduling/booking_detail.html", context, status=forms.get("status", 200))


@clinical_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking_page(request, _session(request, pk))


def _mover_required(view):
    """Admins and prescribers (``booking.can_move_bookings``) move bookings; other clinical staff get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not booking.can_move_bookings(request.user):
            raise PermissionDenied("Only an admin or a prescriber can move a booking.")
        return view(request, *args, **kwargs)

    return clinical_required(wrapped)


@_mover_required
@require_POST
def booking_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = RescheduleForm(request.POST)
    suggestions = []
    if form.is_valid():
        try:
            booking.session_reschedule(
                session=session,
                start=form.start(),
                chair=form.cleaned_data["chair"],
                by=request.user,
                version=form.cleaned_data["version"],
                window_reason=form.cleaned_data["window_reason"],
            )
        except booking.BookingConflict as exc:
            form.add_error(None, exc)
            suggestions = exc.suggestions
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Booking moved.")
            return redirect("booking_detail", pk)
    session = _session(request, pk)
    return _booking_page(request, session, reschedule_form=form, suggestions=suggestions, status=400)


@admin_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            booking.session_cancel(
                session=session,
                by=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Booking cancelled; the chair is free again.")
            return redirect("booking_detail", pk)
    return _booking_page(request, _session(request, pk), cancel_form=form, status=400)


@clinical_required
@require_POST
def booking_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("The form was incomplete; reload the page.")
        booking.session_no_show(session=session, by=request.user, version=form.cleaned_data["version"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.warning(request, "Marked as a no-show.")
    return redirect("booking_detail", pk)


@clinical_required
@require_POST
def booking_ride(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = RideForm(request.POST, action=reverse("booking_ride", args=[pk]))
    if form.is_valid():
        try:
            ride_services.ride_update(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Ride saved.")
            return redirect("booking_detail", pk)
    return _booking_page(request, _session(request, pk), ride_form=form, status=400)
