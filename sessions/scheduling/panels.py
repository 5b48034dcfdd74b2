"""What scheduling adds to shared pages and records: a patient's courses and next appointments on the
patient page, the bookings a closure no longer fits on the closures page, and the upcoming bookings that
hold a patient or a chair (asked before archiving one)."""

from __future__ import annotations

from django.db.models import OuterRef
from django.utils import timezone

from clinic.compiled import compiled_rows
from clinic.holds import register_hold
from clinic.models import ClinicSettings
from clinic.panels import panel_values, register_panel, register_value
from clinic.rows import instances, json_rows
from sessions.models import RELEASED_STATUSES, Course, SessionStatus, TreatmentSession
from sessions.scheduling.calendars import with_series
from sessions.scheduling.closures import bookings_hit_by_closures


@register_value("patient", "scheduling_courses")
def _courses():
    fields = ("pk", "status", "start_date", "protocol_id", "protocol__name", "current_phase_id", "current_phase__name")
    return json_rows(Course.objects.filter(patient=OuterRef("pk")), **{f: f for f in fields})


@register_panel("patient", order=20, template="sessions/scheduling/_patient_panel.html")
def patient_courses(request, patient) -> dict:
    values = panel_values(patient)
    if values is not None and "scheduling_courses" in values:  # loaded by the patient page's selector
        courses = instances(Course, values["scheduling_courses"])
        courses = sorted(courses, key=lambda c: (c.start_date, c.pk), reverse=True)[:10]
    else:
        courses = list(patient.courses.select_related("protocol", "current_phase").order_by("-start_date")[:10])
    upcoming = compiled_rows("patient_upcoming", _upcoming_rows, patient=patient.pk, now=timezone.now())
    return {"patient": patient, "courses": courses, "upcoming": upcoming}


def _upcoming_rows(*, patient: int, now):
    """The patient's next five visits (its SQL compiled once per process: only the patient and the time change)."""
    return (
        with_series(TreatmentSession.objects.filter(patient_id=patient).with_related())
        .filter(planned_start__gte=now)
        .exclude(status__in=RELEASED_STATUSES)
        .order_by("planned_start")[:5]
    )


@register_panel("closures", order=10, template="sessions/scheduling/_closure_bookings.html")
def closure_bookings(request, _obj) -> dict:
    return {"hit": bookings_hit_by_closures(), "tz": ClinicSettings.load().tz}


@register_hold("patient")
def patient_upcoming_bookings(patient) -> int:
    return TreatmentSession.objects.filter(
        patient=patient, status=SessionStatus.SCHEDULED, planned_start__gt=timezone.now()
    ).count()


@register_hold("chair")
def chair_upcoming_bookings(chair) -> int:
    return TreatmentSession.objects.filter(
        chair=chair, status=SessionStatus.SCHEDULED, planned_start__gt=timezone.now()
    ).count()
