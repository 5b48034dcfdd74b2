"""During observation: MOAA/S and CADSS assessments, adverse events, and amendments (corrections of a
record, the original left as it was)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicSettings, User
from sessions.models import (
    AdverseEvent,
    Amendment,
    Assessment,
    Scale,
    SessionStatus,
    TreatmentSession,
)
from sessions.models.monitoring import CADSS6_ITEMS
from sessions.monitoring import alerts
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


def amendment_add(
    *, session: TreatmentSession, by: User, subject: str, corrected: str, reason: str, original: str = ""
) -> Amendment:
    """A correction: the original record is left as it was; the amendment says what is right and why."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give the reason for the correction."})
    with transaction.atomic():
        session = TreatmentSession.objects.get(pk=session.pk)
        if session.status == SessionStatus.SCHEDULED:
            raise ValidationError("Nothing is recorded on this session yet.")
        return create_record(
            Amendment,
            by=by,
            session=session,
            subject=(subject or "").strip(),
            original=(original or "").strip(),
            corrected=(corrected or "").strip(),
            reason=reason.strip(),
            at=timezone.now(),
        )
