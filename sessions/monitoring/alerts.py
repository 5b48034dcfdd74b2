"""Escalation alerts: raised from readings beyond the clinic's thresholds; they stay on the board
until a prescriber acknowledges them with the action taken.

Defaults (ClinicSettings, see THRESHOLD_SOURCES): blood pressure above 180/110 on two readings at
least 5 minutes apart, above 200/120 once, SpO2 below 92 %, heart rate above 120 on two readings
at least 5 minutes apart (sustained), MOAA/S of 3 or less.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_save
from clinic.models import ClinicSettings, Patient, User
from sessions.models import Alert, AlertKind, Assessment, Scale, TreatmentSession, VitalsReading


def raise_alert(
    *,
    patient: Patient,
    session: TreatmentSession | None,
    kind: str,
    message: str,
    by: User | None,
    at: dt.datetime | None = None,
) -> Alert | None:
    """Create an alert unless the same kind is already open for this session (or patient)."""
    open_same = Alert.objects.open().filter(patient=patient, session=session, kind=kind)
    if open_same.exists():
        return None
    alert = Alert(patient=patient, session=session, kind=kind, message=message[:300], raised_at=at or timezone.now())
    return audited_save(alert, by=by, reason="Alert raised")


def _sustained(reading: VitalsReading, earlier: list[VitalsReading], above, minutes: int) -> bool:
    """This reading and an earlier one at least ``minutes`` before are both above, none normal between."""
    for prior in sorted(earlier, key=lambda r: (r.taken_at, r.pk), reverse=True):
        if not above(prior):
            return False
        if reading.taken_at - prior.taken_at >= dt.timedelta(minutes=minutes):
            return True
    return False


def evaluate_vitals(reading: VitalsReading, *, cs: ClinicSettings, by: User | None) -> list[Alert]:
    session = reading.session
    earlier = [
        r
        for r in VitalsReading.objects.filter(session=session, taken_at__lte=reading.taken_at).exclude(pk=reading.pk)
        if r.taken_at >= reading.taken_at - dt.timedelta(minutes=60)
    ]
    found: list[tuple[str, str]] = []

    def bp_repeat(r: VitalsReading) -> bool:
        return r.systolic > cs.escalation_systolic_repeat or r.diastolic > cs.escalation_diastolic_repeat

    if reading.systolic > cs.escalation_systolic_once or reading.diastolic > cs.escalation_diastolic_once:
        found.append(
            (
                AlertKind.BP_ONCE,
                f"BP {reading.bp} is above {cs.escalation_systolic_once}/{cs.escalation_diastolic_once}.",
            )
        )
    elif bp_repeat(reading) and _sustained(reading, earlier, bp_repeat, cs.escalation_repeat_minutes):
        found.append(
            (
                AlertKind.BP_REPEAT,
                f"BP {reading.bp} above {cs.escalation_systolic_repeat}/{cs.escalation_diastolic_repeat} on two "
                f"readings {cs.escalation_repeat_minutes} or more minutes apart.",
            )
        )
    if reading.spo2 is not None and reading.spo2 < cs.escalation_spo2_min:
        found.append((AlertKind.SPO2, f"SpO2 {reading.spo2}% is below {cs.escalation_spo2_min}%."))

    def hr_high(r: VitalsReading) -> bool:
        return r.heart_rate is not None and r.heart_rate > cs.escalation_heart_rate

    if hr_high(reading) and _sustained(reading, earlier, hr_high, cs.escalation_repeat_minutes):
        found.append(
            (
                AlertKind.HEART_RATE,
                f"Heart rate {reading.heart_rate} above {cs.escalation_heart_rate} for "
                f"{cs.escalation_repeat_minutes} minutes or more.",
            )
        )
    raised = []
    for kind, message in found:
        alert = raise_alert(
            patient=session.patient, session=session, kind=kind, message=message, by=by, at=reading.taken_at
        )
        if alert:
            raised.append(alert)
    return raised


def evaluate_assessment(assessment: Assessment, *, cs: ClinicSettings, by: User | None) -> list[Alert]:
    if assessment.scale == Scale.MOAAS and assessment.score <= cs.escalation_moaas_max:
        session = assessment.session
        alert = raise_alert(
            patient=session.patient,
            session=session,
            kind=AlertKind.SEDATION,
            message=f"MOAA/S {assessment.score} (alert at {cs.escalation_moaas_max} or less).",
            by=by,
            at=assessment.taken_at,
        )
        return [alert] if alert else []
    return []


def alert_acknowledge(*, alert: Alert, by: User, action: str) -> Alert:
    if not by.is_prescriber:
        raise ValidationError("Only a prescriber can acknowledge an alert.")
    action = (action or "").strip()
    if not action:
        raise ValidationError({"action": "Write the action taken."})
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if not alert.is_open:
            raise ValidationError(f"This alert was already acknowledged by {alert.acknowledged_by}.")
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = by
        alert.action = action
        audited_save(
            alert, by=by, reason="Acknowledged", update_fields=["acknowledged_at", "acknowledged_by", "action"]
        )
        return alert
