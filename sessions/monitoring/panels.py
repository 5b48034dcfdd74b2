"""What live monitoring adds to shared pages (the patient page, the booking page) and to the audit trail."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from clinic.audit import register_patient_history
from clinic.models import ClinicSettings
from clinic.panels import register_panel
from sessions.models import (
    Administration,
    AdverseEvent,
    Alert,
    Amendment,
    Assessment,
    CheckIn,
    Discharge,
    SessionStatus,
    TreatmentSession,
    VitalsKind,
    VitalsReading,
)

CHART_SESSIONS = 16


def _bp_series(sessions: list[TreatmentSession], cs: ClinicSettings) -> dict:
    """Systolic (and diastolic, for the tooltip) pre-dose, at about 40 minutes and at discharge, per session."""
    labels, pre, forty, end = [], [], [], []
    dpre, dforty, dend = [], [], []
    for s in sessions:
        readings = sorted(s.vitals.all(), key=lambda r: (r.taken_at, r.pk))
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
        for series, dseries, r in ((pre, dpre, p), (forty, dforty, f), (end, dend, e)):
            series.append(r.systolic if r else None)
            dseries.append(r.diastolic if r else None)
    return {"labels": labels, "predose": pre, "forty": forty, "discharge": end, "diastolic": [dpre, dforty, dend]}


@register_panel("patient", order=30, template="sessions/monitoring/_patient_panel.html")
def patient_monitoring_panel(request, patient) -> dict:
    cs = ClinicSettings.load()
    sessions = list(
        TreatmentSession.objects.filter(patient=patient)
        .exclude(status__in=[SessionStatus.SCHEDULED, SessionStatus.CANCELLED, SessionStatus.NO_SHOW])
        .select_related("course__protocol")
        .prefetch_related(Prefetch("vitals", queryset=VitalsReading.objects.all()))
        .order_by("-planned_start")[:CHART_SESSIONS]
    )
    sessions.reverse()
    open_alerts = list(Alert.objects.open().filter(patient=patient, session__isnull=True).order_by("-raised_at"))
    return {
        "patient": patient,
        "bp_data": _bp_series(sessions, cs),
        "has_sessions": bool(sessions),
        "recent_sessions": list(reversed(sessions))[:8],
        "open_alerts": open_alerts,
    }


@register_panel("booking", order=10, template="sessions/monitoring/_booking_panel.html")
def booking_live_panel(request, session) -> dict | None:
    if not request.user.is_clinical or session.status in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW):
        return None
    tz = ClinicSettings.load().tz
    is_today = timezone.localtime(session.planned_start, tz).date() == timezone.localdate(timezone=tz)
    return {"session": session, "can_check_in": session.status == SessionStatus.SCHEDULED and is_today}


@register_patient_history
def monitoring_history(patient):
    sessions = TreatmentSession.objects.filter(patient_id=patient.pk).values("pk")
    yield "Check-in", CheckIn.history.filter(session_id__in=sessions)
    yield "Vitals", VitalsReading.history.filter(session_id__in=sessions)
    yield "Administration", Administration.history.filter(session_id__in=sessions)
    yield "Assessment", Assessment.history.filter(session_id__in=sessions)
    yield "Adverse event", AdverseEvent.history.filter(session_id__in=sessions)
    yield "Discharge", Discharge.history.filter(session_id__in=sessions)
    yield "Amendment", Amendment.history.filter(session_id__in=sessions)
    yield "Alert", Alert.history.filter(patient_id=patient.pk)
