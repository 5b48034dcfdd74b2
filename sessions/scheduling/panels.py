"""Scheduling's panels on shared pages: a patient's courses and next appointments."""

from __future__ import annotations

from django.utils import timezone

from clinic.panels import register_panel
from sessions.models import RELEASED_STATUSES
from sessions.scheduling.calendars import with_series


@register_panel("patient", order=20, template="sessions/scheduling/_patient_panel.html")
def patient_courses(request, patient) -> dict:
    courses = list(patient.courses.select_related("protocol", "current_phase").order_by("-start_date")[:10])
    upcoming = list(
        with_series(patient.sessions.with_related())
        .filter(planned_start__gte=timezone.now())
        .exclude(status__in=RELEASED_STATUSES)
        .order_by("planned_start")[:5]
    )
    return {"patient": patient, "courses": courses, "upcoming": upcoming}
