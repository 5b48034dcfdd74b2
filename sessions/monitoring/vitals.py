"""Vitals and the pre-dose decision: readings (appended, so two nurses never overwrite each other), the
prescriber's proceed / defer above the pre-dose limit, and the start of dosing."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicSettings, User
from sessions.models import (
    CheckIn,
    Decision,
    DosingDecision,
    SessionStatus,
    TreatmentSession,
    VitalsKind,
    VitalsReading,
)
from sessions.monitoring import alerts
from sessions.monitoring.state import (
    RECORDING_STATUSES,
    checked_time,
    create_record,
    ensure_status,
    ensure_writable,
    lock,
    transition,
)


def vitals_record(
    *,
    session: TreatmentSession,
    by: User,
    systolic: int,
    diastolic: int,
    heart_rate: int | None = None,
    spo2: int | None = None,
    taken_at: dt.datetime | None = None,
) -> VitalsReading:
    """Append a reading (pre-dose while checked in, observation after) and raise any alert."""
    with transaction.atomic():
        # No row lock: readings are appended, so two nurses recording at once both keep theirs.
        session = TreatmentSession.objects.select_related("patient", "course__protocol").get(pk=session.pk)
        ensure_status(session, *RECORDING_STATUSES, doing="record vitals")
        if systolic is not None and diastolic is not None and systolic <= diastolic:
            raise ValidationError({"systolic": "Systolic must be above diastolic."})
        kind = VitalsKind.PREDOSE if session.status == SessionStatus.CHECKED_IN else VitalsKind.OBSERVATION
        reading = create_record(
            VitalsReading,
            by=by,
            session=session,
            kind=kind,
            taken_at=checked_time(taken_at, not_before=session.checked_in_at, what="The reading time"),
            systolic=systolic,
            diastolic=diastolic,
            heart_rate=heart_rate,
            spo2=spo2,
        )
        alerts.evaluate_vitals(reading, cs=ClinicSettings.load(), by=by)
        return reading


def latest_predose(session: TreatmentSession) -> VitalsReading | None:
    readings = [r for r in session.vitals.all() if r.kind == VitalsKind.PREDOSE]
    return max(readings, key=lambda r: (r.taken_at, r.pk)) if readings else None


def predose_above_threshold(reading: VitalsReading | None, cs: ClinicSettings) -> bool:
    return reading is not None and (
        reading.systolic > cs.predose_systolic_max or reading.diastolic > cs.predose_diastolic_max
    )


def decision_for(session: TreatmentSession, reading: VitalsReading | None) -> DosingDecision | None:
    if reading is None:
        return None
    decisions = [d for d in session.decisions.all() if d.reading_id == reading.pk]
    return decisions[-1] if decisions else None


def dosing_decision_record(*, session: TreatmentSession, by: User, decision: str, reason: str) -> DosingDecision:
    """A prescriber's decision on a pre-dose blood pressure above the threshold: proceed or defer."""
    if not by.is_prescriber:
        raise ValidationError("Only a prescriber can decide whether to dose.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Write the reason for the decision."})
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose proceed or defer."})
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.CHECKED_IN, doing="record a dosing decision")
        reading = latest_predose(session)
        if reading is None:
            raise ValidationError("Record the pre-dose blood pressure first.")
        obj = create_record(
            DosingDecision,
            by=by,
            session=session,
            reading=reading,
            decision=decision,
            reason=reason,
            at=timezone.now(),
        )
        if decision == Decision.DEFER:
            defer(session, by=by, reason=f"Prescriber deferred: {reason}")
        return obj


def defer(session: TreatmentSession, *, by: User, reason: str) -> None:
    session.status_reason = reason[:300]
    transition(session, SessionStatus.DEFERRED, by=by, reason=f"Deferred: {reason}", fields=["status_reason"])


def session_defer(*, session: TreatmentSession, by: User, reason: str) -> TreatmentSession:
    """Checked in → deferred: not dosed today, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for deferring."})
    with transaction.atomic():
        session = lock(session)
        ensure_writable(session)
        defer(session, by=by, reason=reason)
        return session


def dosing_blockers(session: TreatmentSession, cs: ClinicSettings) -> list[str]:
    """Why dosing cannot start yet (empty when it can)."""
    blockers = []
    checkin = getattr(session, "checkin", None)
    if checkin is None:
        return ["The patient is not checked in."]
    if not (checkin.no_food_2h and checkin.no_drink_30min):
        blockers.append("Fasting is not confirmed (no food for 2 hours, no liquids for 30 minutes).")
    if session.is_esketamine and not checkin.nasal_spray_ok:
        blockers.append("Nasal corticosteroid / decongestant timing is not confirmed (at least 1 hour before).")
    if checkin.pregnancy == CheckIn.Pregnancy.PREGNANT:
        blockers.append("Possible pregnancy recorded at check-in: a prescriber must review (defer today).")
    reading = latest_predose(session)
    if reading is None:
        blockers.append("Record the pre-dose blood pressure.")
    elif predose_above_threshold(reading, cs):
        decision = decision_for(session, reading)
        if decision is None or decision.decision != Decision.PROCEED:
            blockers.append(
                f"Pre-dose BP {reading.bp} is above {cs.predose_systolic_max}/{cs.predose_diastolic_max}: "
                "a prescriber must record the decision to proceed or defer."
            )
    return blockers


def session_start_dosing(*, session: TreatmentSession, by: User) -> TreatmentSession:
    """Checked in → dosing, once the checklist, the pre-dose vitals and any needed decision are in."""
    with transaction.atomic():
        session = lock(session)
        ensure_writable(session)
        session.check_transition(SessionStatus.DOSING)
        blockers = dosing_blockers(session, ClinicSettings.load())
        if blockers:
            raise ValidationError(blockers)
        transition(session, SessionStatus.DOSING, by=by, reason="Dosing started", fields=[])
        return session
