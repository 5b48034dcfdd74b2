"""Each role's home page."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.access import admin_required, clinical_required, patient_required, portal_patient
from clinic.models import Chair, ClinicSettings, Patient

from ..models import RELEASED_STATUSES, CourseStatus, RideStatus, TreatmentSession


def _today_sessions():
    tz = ClinicSettings.load().tz
    return TreatmentSession.objects.on_day(timezone.localdate(timezone=tz), tz)


@clinical_required
def staff_home(request: HttpRequest) -> HttpResponse:
    sessions = _today_sessions().with_related().exclude(status__in=RELEASED_STATUSES)
    return render(request, "sessions/staff_home.html", {"sessions": sessions, "today": timezone.localdate()})


@admin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    today = _today_sessions()
    counts = today.aggregate(
        total=Count("pk", filter=~Q(status__in=RELEASED_STATUSES)),
        unconfirmed=Count("pk", filter=~Q(status__in=RELEASED_STATUSES) & ~Q(ride__status=RideStatus.CONFIRMED)),
    )
    context = {
        "counts": counts,
        "active_patients": Patient.objects.active().count(),
        "active_courses": Patient.objects.active().filter(courses__status=CourseStatus.ACTIVE).distinct().count(),
        "chairs": Chair.objects.filter(is_active=True).count(),
        "today": timezone.localdate(),
    }
    return render(request, "sessions/admin_home.html", context)


@patient_required
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = portal_patient(request)
    upcoming = (
        patient.sessions.filter(planned_start__gte=timezone.now())
        .exclude(status__in=RELEASED_STATUSES)
        .with_related()[:10]
    )
    return render(request, "sessions/portal_home.html", {"patient": patient, "upcoming": upcoming})
