"""Each role's home page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinic.access import admin_required, clinical_required, patient_required, portal_patient
from clinic.models import Chair, ClinicSettings, Patient
from clinic.panels import load_values, panels_for
from sessions.models import (
    RELEASED_STATUSES,
    AppointmentRequest,
    Course,
    CourseStatus,
    RequestStatus,
    RideStatus,
    TreatmentSession,
)
from sessions.monitoring.board import board_context
from sessions.monitoring.forms import AcknowledgeForm
from sessions.monitoring.selectors import day_sessions
from sessions.scheduling.calendars import board_for_day, calendar_days, on_site_today, unconfirmed_rides
from sessions.scheduling.portal import _upcoming_and_past, preparation


def _session_link_name() -> str:
    """The live session page once monitoring provides it; the booking page until then."""
    try:
        reverse("session_detail", args=[1])
    except NoReverseMatch:
        return "booking_detail"
    return "session_detail"


@clinical_required
def staff_home(request: HttpRequest) -> HttpResponse:
    settings = ClinicSettings.load()
    today = timezone.localdate(timezone=settings.tz)
    # The page's one read of the day's sessions: the day by chair and the cards of patients in a chair.
    day_rows = day_sessions(today, settings.tz)
    context = {
        **board_for_day(day_rows),
        "today": today,
        "tz": settings.tz,
        "link_name": _session_link_name(),
        "auto_refresh": request.headers.get("X-Auto-Refresh") == "1",
    }
    if request.htmx:  # the day by chair alone (the cards refresh themselves from the monitor board)
        return render(request, "sessions/scheduling/_day_board.html", context)
    # Where the danger is first: open alerts and every patient in a chair, then the day by chair.
    context.update(
        board=board_context(day_rows=day_rows),
        ack_form=AcknowledgeForm(),
        on_home=True,
        on_site=on_site_today(settings),
    )
    return render(request, "sessions/staff_home.html", context)


@admin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    settings = ClinicSettings.load()
    today = timezone.localdate(timezone=settings.tz)
    start = dt.datetime.combine(today, dt.time.min, tzinfo=settings.tz)
    counts = TreatmentSession.objects.filter(
        planned_start__gte=start, planned_start__lt=start + dt.timedelta(days=1)
    ).aggregate(
        total=Count("pk", filter=~Q(status__in=RELEASED_STATUSES)),
        unconfirmed=Count("pk", filter=~Q(status__in=RELEASED_STATUSES) & ~Q(ride__status=RideStatus.CONFIRMED)),
    )
    (cal,) = calendar_days(today, 1, settings=settings)
    context = {
        "counts": counts,
        "rides_2_days": unconfirmed_rides(2, settings).count(),
        "warnings": cal.warnings,
        "active_patients": Patient.objects.active().count(),
        "active_courses": Patient.objects.active().filter(courses__status=CourseStatus.ACTIVE).distinct().count(),
        "awaiting_review": Course.objects.filter(status=CourseStatus.AWAITING_REVIEW).count(),
        "open_requests": AppointmentRequest.objects.filter(status=RequestStatus.OPEN).count(),
        "chairs": Chair.objects.filter(is_active=True).count(),
        "today": today,
    }
    return render(request, "sessions/admin_home.html", context)


@patient_required
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    upcoming, past = _upcoming_and_past(patient)
    # The page's selector: the panels of other areas read these instead of querying again.
    patient.portal_upcoming = upcoming
    load_values("portal", patient)
    settings = ClinicSettings.load()
    context = {
        "patient": patient,
        "upcoming": upcoming,
        "past": past,
        "tz": settings.tz,
        "steps": preparation(upcoming[0].course.protocol.is_esketamine if upcoming else False),
        "feed_url": request.build_absolute_uri(reverse("calendar_feed", args=[patient.calendar_token])),
        "panels": panels_for("portal", request, patient),
    }
    return render(request, "sessions/portal_home.html", context)
