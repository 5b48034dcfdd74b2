"""What live monitoring adds to shared pages (the patient page, the booking page) and to the audit trail."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef
from django.urls import reverse
from django.utils import timezone

from clinic.audit import register_patient_history
from clinic.compiled import compiled_rows
from clinic.models import ClinicSettings
from clinic.panels import panel_values, register_panel, register_value
from clinic.rows import decode_rows, instances, json_rows
from sessions.models import (
    Administration,
    AdverseEvent,
    Alert,
    Amendment,
    Assessment,
    CheckIn,
    Course,
    Discharge,
    DoseChange,
    DosingDecision,
    MissedCheck,
    SessionStatus,
    TreatmentSession,
    VitalsKind,
    VitalsReading,
)
from sessions.monitoring import titration
from sessions.monitoring.amendments import amended_vitals
from sessions.monitoring.forms_titration import DoseChangeForm
from sessions.monitoring.selectors import keep_prefetched

CHART_SESSIONS = 16


def _bp_series(sessions: list[TreatmentSession], cs: ClinicSettings) -> dict:
    """Systolic (and diastolic, for the tooltip) pre-dose, at about 40 minutes and at discharge, per session,
    as amended; ``amended`` holds, per series and point, the original reading of a corrected value."""
    labels, pre, forty, end = [], [], [], []
    dpre, dforty, dend = [], [], []
    apre, aforty, aend = [], [], []
    for s in sessions:
        readings = amended_vitals(s)
        predose = [r for r in readings if r.kind == VitalsKind.PREDOSE]
        obs = [r for r in readings if r.kind == VitalsKind.OBSERVATION]
        p = predose[-1] if predose else None
        f = None
        if s.first_dose_at and obs:
            target = s.first_dose_at + dt.timedelta(minutes=cs.bp_check_minutes)
            near = [r for r in obs if abs(r.taken_at - target) <= dt.timedelta(minutes=15)]
            f = min(near, key=lambda r: abs(r.taken_at - target)) if near else None
        e = obs[-1] if obs else None
        labels.append(f"#{s.number} {timezone.localtime(s.planned_start):%m-%d}")
        for series, dseries, aseries, r in ((pre, dpre, apre, p), (forty, dforty, aforty, f), (end, dend, aend, e)):
            series.append(r.systolic if r else None)
            dseries.append(r.diastolic if r else None)
            mark = r.amended.get("bp") if r else None
            aseries.append(f"amended; recorded {mark.original} — {mark.reason}" if mark else None)
    return {
        "labels": labels,
        "predose": pre,
        "forty": forty,
        "discharge": end,
        "diastolic": [dpre, dforty, dend],
        "amended": [apre, aforty, aend],
    }


def _amended_points(sessions: list[TreatmentSession]) -> list[dict]:
    """Every corrected blood pressure of the charted sessions, for the list under the chart."""
    points = []
    for s in sessions:
        for r in amended_vitals(s):
            mark = r.amended.get("bp")
            if mark:
                points.append({"session": s, "reading": r, "mark": mark})
    return points


VITALS_FIELDS = ("pk", "session_id", "kind", "taken_at", "systolic", "diastolic", "heart_rate", "spo2")
AMENDMENT_FIELDS = ("pk", "session_id", "vitals_id", "assessment_id", "corrects", "values", "reason", "at")
AMENDMENT_BY = ("by_id", "by__first_name", "by__last_name", "by__username", "by__title")


def _charted_sessions(patient) -> list[TreatmentSession]:
    """The last sessions held, oldest first, each with its readings and amendments in the same query (its SQL
    compiled once per process: only the patient changes)."""
    sessions = compiled_rows("charted_sessions", _charted_rows, patient=patient.pk)
    for s in sessions:
        keep_prefetched(s, "vitals", instances(VitalsReading, decode_rows(s.__dict__.pop("_vitals"))))
        amendments = instances(Amendment, decode_rows(s.__dict__.pop("_amendments")))
        keep_prefetched(s, "amendments", amendments)
    sessions.reverse()
    return sessions


def _charted_rows(*, patient: int):
    return (
        TreatmentSession.objects.filter(patient_id=patient)
        .exclude(status__in=[SessionStatus.SCHEDULED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
        .select_related("course__protocol")
        .annotate(
            _vitals=json_rows(VitalsReading.objects.filter(session=OuterRef("pk")), **{f: f for f in VITALS_FIELDS}),
            _amendments=json_rows(
                Amendment.objects.filter(session=OuterRef("pk")), **{f: f for f in AMENDMENT_FIELDS + AMENDMENT_BY}
            ),
        )
        .order_by("-planned_start")[:CHART_SESSIONS]
    )


@register_value("patient", "monitoring_alerts")
def _open_alerts():
    rows = Alert.objects.open().filter(patient=OuterRef("pk"), session__isnull=True)
    return json_rows(rows, pk="pk", kind="kind", message="message", raised_at="raised_at")


@register_panel("patient", order=30, template="sessions/monitoring/_patient_panel.html")
def patient_monitoring_panel(request, patient) -> dict:
    cs = ClinicSettings.load()
    sessions = _charted_sessions(patient)
    values = panel_values(patient)
    if values is not None and "monitoring_alerts" in values:  # loaded by the patient page's selector
        open_alerts = sorted(instances(Alert, values["monitoring_alerts"]), key=lambda a: a.raised_at, reverse=True)
    else:
        open_alerts = list(Alert.objects.open().filter(patient=patient, session__isnull=True).order_by("-raised_at"))
    return {
        "patient": patient,
        "bp_data": _bp_series(sessions, cs),
        "amended_points": _amended_points(sessions),
        "has_sessions": bool(sessions),
        "recent_sessions": list(reversed(sessions))[:8],
        "open_alerts": open_alerts,
    }


def dose_panel_context(request, course: Course, form: DoseChangeForm | None = None) -> dict:
    """What the course page's dose panel and this page show (one selector for both)."""
    sessions = titration.changeable_sessions(course)
    upcoming = list(sessions)
    if form is None and upcoming:
        form = DoseChangeForm(action=reverse("course_dose_change", args=[course.pk]), sessions=sessions)
    return {
        "course": course,
        "upcoming": [(s, titration.planned_text(s)) for s in upcoming],
        "changes": list(course.dose_changes.select_related("by", "first_session")[:20]),
        "form": form,
        "can_change_dose": titration.can_change_dose(request.user),
        "sources": titration.DOSE_SOURCES,
    }


@register_panel("course", order=20, template="sessions/monitoring/_course_dose_panel.html")
def course_dose_panel(request, course) -> dict | None:
    """Planned doses and titration on the course page; the form (prescribers) posts to the dose page."""
    if not request.user.is_clinical:
        return None
    return dose_panel_context(request, course)


@register_panel("booking", order=10, template="sessions/monitoring/_booking_panel.html")
def booking_live_panel(request, session) -> dict | None:
    if not request.user.is_clinical or session.status in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW):
        return None
    tz = ClinicSettings.load().tz
    is_today = timezone.localtime(session.planned_start, tz).date() == timezone.localdate(timezone=tz)
    return {
        "session": session,
        "can_check_in": session.status == SessionStatus.SCHEDULED and is_today,
        "planned_dose": titration.planned_text(session),
    }


@register_patient_history
def monitoring_history(patient):
    sessions = TreatmentSession.objects.filter(patient_id=patient.pk).values("pk")
    yield "Check-in", CheckIn.history.filter(session_id__in=sessions)
    yield "Vitals", VitalsReading.history.filter(session_id__in=sessions)
    yield "Administration", Administration.history.filter(session_id__in=sessions)
    yield "Dosing decision", DosingDecision.history.filter(session_id__in=sessions)
    yield "Assessment", Assessment.history.filter(session_id__in=sessions)
    yield "Adverse event", AdverseEvent.history.filter(session_id__in=sessions)
    yield "Discharge", Discharge.history.filter(session_id__in=sessions)
    yield "Amendment", Amendment.history.filter(session_id__in=sessions)
    yield "Check not taken", MissedCheck.history.filter(session_id__in=sessions)
    yield "Dose change", DoseChange.history.filter(course__patient_id=patient.pk)
    yield "Alert", Alert.history.filter(patient_id=patient.pk)
