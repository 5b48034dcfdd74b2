"""During observation: MOAA/S and CADSS assessments, adverse events, and amendments (corrections of a
record, the original left as it was)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicSettings, User
from sessions.models import (
    ESKETAMINE_DEVICE_MG,
    AdverseEvent,
    AmendedField,
    Amendment,
    Assessment,
    Scale,
    SessionStatus,
    TreatmentSession,
    VitalsReading,
)
from sessions.models.monitoring import CADSS6_ITEMS
from sessions.monitoring import alerts, amendments
from sessions.monitoring.state import RECORDING_STATUSES, checked_time, create_record, ensure_status


def assessment_record(
    *,
    session: TreatmentSession,
    by: User,
    scale: str,
    score: int | None = None,
    items: list[int] | None = None,
    taken_at: dt.datetime | None = None,
) -> Assessment:
    """MOAA/S (0–5) or CADSS (23 items, or the 6-item form), each item 0–4."""
    with transaction.atomic():
        session = TreatmentSession.objects.select_related("patient").get(pk=session.pk)
        ensure_status(session, *RECORDING_STATUSES, doing="record an assessment")
        items = list(items or [])
        if scale == Scale.MOAAS:
            if score is None or not 0 <= int(score) <= 5:
                raise ValidationError({"score": "MOAA/S is a score from 0 to 5."})
            items = []
        elif scale in (Scale.CADSS, Scale.CADSS6):
            expected = 23 if scale == Scale.CADSS else len(CADSS6_ITEMS)
            if len(items) != expected or any(i is None or not 0 <= int(i) <= 4 for i in items):
                raise ValidationError({"items": f"Score each of the {expected} CADSS items from 0 to 4."})
            items = [int(i) for i in items]
            score = sum(items)
        else:
            raise ValidationError({"scale": "Unknown scale."})
        assessment = create_record(
            Assessment,
            by=by,
            session=session,
            scale=scale,
            score=int(score),
            items=items,
            taken_at=checked_time(taken_at, not_before=session.checked_in_at, what="The assessment time"),
        )
        alerts.evaluate_assessment(assessment, cs=ClinicSettings.load(), by=by)
        return assessment


def adverse_event_record(
    *,
    session: TreatmentSession,
    by: User,
    description: str,
    severity: str,
    occurred_at: dt.datetime | None = None,
    action: str = "",
    serious: bool = False,
) -> AdverseEvent:
    with transaction.atomic():
        session = TreatmentSession.objects.get(pk=session.pk)
        ensure_status(session, *RECORDING_STATUSES, doing="record an adverse event")
        return create_record(
            AdverseEvent,
            by=by,
            session=session,
            occurred_at=checked_time(occurred_at, what="The time of the event"),
            description=(description or "").strip(),
            severity=severity,
            action=(action or "").strip(),
            serious=serious,
        )


def _reading_subject(reading, field: str) -> str:
    at = timezone.localtime(reading.taken_at).strftime("%H:%M")
    if isinstance(reading, Assessment):
        return f"{reading.get_scale_display().split(' (')[0]} at {at}"
    return f"{AmendedField(field).label} at {at} ({reading.get_kind_display().lower()})"


def amendment_add(
    *,
    session: TreatmentSession,
    by: User,
    reason: str,
    corrected: str,
    subject: str = "",
    original: str = "",
    corrects: str = "",
    vitals: VitalsReading | None = None,
    assessment: Assessment | None = None,
) -> Amendment:
    """A correction: the original record is left as it was; the amendment says what is right and why.

    Structured (``corrects`` a field of a reading, or the session's dose): the corrected value is
    checked like a new reading and every view shows it in place of the original
    (``sessions.monitoring.amendments``). Free text (``corrects`` empty): a note with subject and value.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for the correction."})
    with transaction.atomic():
        session = TreatmentSession.objects.select_related("course__protocol").get(pk=session.pk)
        if session.status == SessionStatus.SCHEDULED:
            raise ValidationError("Nothing is recorded on this session yet.")
        values: dict = {}
        if corrects in (AmendedField.BP, AmendedField.HEART_RATE, AmendedField.SPO2):
            if vitals is None or vitals.session_id != session.pk:
                raise ValidationError({"target": "Choose a reading of this session."})
            values = amendments.parse_correction(corrects, corrected)
            current = [r for r in amendments.amended_vitals(session) if r.pk == vitals.pk][0]
            shown = amendments.vitals_value(current, corrects)
            probe = copy.copy(current)
            amendments.apply_vitals(probe, corrects, values)
            corrected = amendments.vitals_value(probe, corrects)
            subject, original, assessment = (
                _reading_subject(vitals, corrects),
                amendments.vitals_value(vitals, corrects),
                None,
            )
        elif corrects == AmendedField.SCORE:
            if assessment is None or assessment.session_id != session.pk:
                raise ValidationError({"target": "Choose an assessment of this session."})
            values = amendments.parse_correction(corrects, corrected, reading=assessment)
            current = [a for a in amendments.amended_assessments(session) if a.pk == assessment.pk][0]
            shown, corrected = str(current.score), str(values["score"])
            subject, original, vitals = _reading_subject(assessment, corrects), str(assessment.score), None
        elif corrects == AmendedField.DOSE:
            if session.first_dose_at is None:
                raise ValidationError({"target": "No dose is recorded on this session yet."})
            values = amendments.parse_correction(corrects, corrected)
            dose = Decimal(values["dose_mg"])
            if session.is_esketamine and (dose % ESKETAMINE_DEVICE_MG or not 28 <= dose <= 84):
                raise ValidationError({"corrected": "An esketamine dose is 28, 56 or 84 mg (28 mg devices)."})
            current, _ = amendments.amended_dose(session)
            shown, corrected = amendments.dose_text(current), amendments.dose_text(dose)
            subject, original = "Dose given", amendments.dose_text(session.dose_given_mg)
            vitals = assessment = None
        elif corrects:
            raise ValidationError({"target": "Choose what is corrected."})
        else:
            subject, corrected, original = (subject or "").strip(), (corrected or "").strip(), (original or "").strip()
            if not subject:
                raise ValidationError({"subject": "Say what is corrected."})
            if not corrected:
                raise ValidationError({"corrected": "Give the correct value."})
            vitals = assessment = None
        if corrects and corrected == shown:
            raise ValidationError({"corrected": f"The record already reads {shown}."})
        return create_record(
            Amendment,
            by=by,
            audit=f"Amendment: {subject}",
            session=session,
            vitals=vitals,
            assessment=assessment,
            corrects=corrects,
            values=values,
            subject=subject,
            original=original,
            corrected=corrected,
            reason=reason,
            at=timezone.now(),
        )
