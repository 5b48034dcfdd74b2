"""The live session: each state change and each recorded reading is one service function.

State machine (``TRANSITIONS`` in models/scheduling.py): scheduled → checked in → dosing →
observing → discharged, or checked in → deferred. Every transition locks the session row
(``select_for_update``), checks the current state, saves with a change reason for the audit
trail and bumps ``version``. Readings are appended rows, so two nurses recording on the same
session at once never overwrite each other. A signed (discharged) record is read-only:
corrections are amendments (``amendment_add``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.models import ClinicSettings, User
from sessions.models import (
    ESKETAMINE_DEVICE_MG,
    Administration,
    AdministrationKind,
    AdverseEvent,
    Amendment,
    Assessment,
    CheckIn,
    Decision,
    DeviceReceipt,
    DosingDecision,
    Drug,
    DrugLot,
    Ride,
    RideStatus,
    Scale,
    SessionStatus,
    TreatmentSession,
    VitalsKind,
    VitalsReading,
)
from sessions.models.monitoring import CADSS6_ITEMS
from sessions.monitoring import alerts

CLOCK_SKEW = dt.timedelta(minutes=2)  # a reading "now" from a tablet whose clock runs a little fast
RECORDING_STATUSES = (SessionStatus.CHECKED_IN, SessionStatus.DOSING, SessionStatus.OBSERVING)


# ---- helpers --------------------------------------------------------------------------------


def lock(session: TreatmentSession) -> TreatmentSession:
    """The session row, locked for this transaction, with what the rules need."""
    return (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("course__protocol", "phase", "patient")
        .get(pk=session.pk)
    )


def ensure_writable(session: TreatmentSession) -> None:
    if session.is_signed:
        raise ValidationError("This session is signed and read-only. Record a correction as an amendment.")


def ensure_status(session: TreatmentSession, *statuses: str, doing: str) -> None:
    ensure_writable(session)
    if session.status not in statuses:
        raise ValidationError(f"Cannot {doing}: the session is {session.get_status_display().lower()}.")


def _when(at: dt.datetime | None, *, not_before: dt.datetime | None = None, what: str = "The time") -> dt.datetime:
    now = timezone.now()
    at = at or now
    if at > now + CLOCK_SKEW:
        raise ValidationError(f"{what} cannot be in the future.")
    if not_before and at < not_before - CLOCK_SKEW:
        raise ValidationError(f"{what} cannot be before {timezone.localtime(not_before):%H:%M}.")
    return at


def _save(session: TreatmentSession, *, by: User, reason: str, fields: list[str]) -> None:
    session.version += 1
    session._change_reason = reason
    session._history_user = by
    session.save(update_fields=[*fields, "version", "updated_at"])


def _transition(session: TreatmentSession, status: str, *, by: User, reason: str, fields: list[str]) -> None:
    session.check_transition(status)
    session.status = status
    _save(session, by=by, reason=reason, fields=["status", *fields])


def _create(model_cls, *, by: User, audit: str = "", **values):
    if any(f.name == "by" for f in model_cls._meta.fields):
        values["by"] = by
    obj = model_cls(**values)
    obj.full_clean()
    obj._history_user = by
    if audit:
        obj._change_reason = audit
    obj.save()
    return obj


# ---- check-in -------------------------------------------------------------------------------

CHECKLIST_FIELDS = (
    "identity_confirmed",
    "no_food_2h",
    "no_drink_30min",
    "nasal_spray_ok",
    "ride_name",
    "ride_phone",
    "med_benzodiazepines",
    "med_nonbenzo_hypnotics",
    "med_opioids",
    "med_psychostimulants",
    "med_maois",
    "medication_changes",
    "contraindications_unchanged",
    "rems_enrolled",
    "pregnancy",
    "notes",
)


def session_check_in(*, session: TreatmentSession, by: User, checklist: dict, at: dt.datetime | None = None) -> CheckIn:
    """Scheduled → checked in with the checklist; on a checked-in session, update the checklist."""
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN, doing="check in")
        patient = session.patient
        if session.status == SessionStatus.SCHEDULED:
            tz = ClinicSettings.load().tz
            day = timezone.localtime(session.planned_start, tz).date()
            if day != timezone.localtime(at or timezone.now(), tz).date():
                raise ValidationError(f"This session is booked for {day:%Y-%m-%d}; check in on the day.")
        errors: dict[str, str] = {}
        if not checklist.get("identity_confirmed"):
            errors["identity_confirmed"] = "Confirm the patient's identity before check-in."
        if not checklist.get("contraindications_unchanged"):
            errors["contraindications_unchanged"] = "Confirm that the contraindication screen is unchanged."
        if patient.contraindications():
            errors["contraindications_unchanged"] = (
                "A contraindication is recorded on the patient's record: " + ", ".join(patient.contraindications())
            )
        if session.is_esketamine and not (checklist.get("rems_enrolled") and patient.is_rems_enrolled):
            errors["rems_enrolled"] = (
                "The patient must be enrolled in the SPRAVATO REMS before the first esketamine dose "
                f"(record shows: {patient.get_rems_status_display().lower()})."
            )
        if not (checklist.get("ride_name") or "").strip() or not (checklist.get("ride_phone") or "").strip():
            errors["ride_name"] = "A ride home with the driver's name and phone is required."
        if errors:
            raise ValidationError(errors)
        values = {k: checklist.get(k) for k in CHECKLIST_FIELDS if k in checklist}
        checkin = CheckIn.objects.filter(session=session).first()
        if checkin is None:
            at = _when(at, what="The check-in time")
            checkin = CheckIn(session=session, by=by, at=at)
        for key, value in values.items():
            setattr(checkin, key, value if value is not None else "")
        checkin.full_clean()
        checkin._history_user = by
        checkin.save()
        ride, _ = Ride.objects.get_or_create(session=session)
        ride.driver_name, ride.driver_phone = checkin.ride_name, checkin.ride_phone
        if ride.status != RideStatus.CONFIRMED:
            ride.status, ride.confirmed_at, ride.confirmed_by = RideStatus.CONFIRMED, timezone.now(), by
        ride._history_user = by
        ride.save()
        if session.status == SessionStatus.SCHEDULED:
            session.checked_in_at = checkin.at
            _transition(session, SessionStatus.CHECKED_IN, by=by, reason="Checked in", fields=["checked_in_at"])
        return checkin


def ride_arrived(*, session: TreatmentSession, by: User, at: dt.datetime | None = None) -> Ride:
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, *RECORDING_STATUSES, doing="record the ride")
        ride, _ = Ride.objects.get_or_create(session=session)
        ride.arrived_at = _when(at, what="The arrival time")
        ride._history_user = by
        ride._change_reason = "Ride arrived"
        ride.save()
        return ride


# ---- vitals and the dosing decision ---------------------------------------------------------


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
        reading = _create(
            VitalsReading,
            by=by,
            session=session,
            kind=kind,
            taken_at=_when(taken_at, not_before=session.checked_in_at, what="The reading time"),
            systolic=systolic,
            diastolic=diastolic,
            heart_rate=heart_rate,
            spo2=spo2,
        )
        alerts.evaluate_vitals(reading, cs=ClinicSettings.load())
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
        obj = _create(
            DosingDecision,
            by=by,
            session=session,
            reading=reading,
            decision=decision,
            reason=reason,
            at=timezone.now(),
        )
        if decision == Decision.DEFER:
            _defer(session, by=by, reason=f"Prescriber deferred: {reason}")
        return obj


def _defer(session: TreatmentSession, *, by: User, reason: str) -> None:
    session.status_reason = reason[:300]
    _transition(session, SessionStatus.DEFERRED, by=by, reason=f"Deferred: {reason}"[:100], fields=["status_reason"])


def session_defer(*, session: TreatmentSession, by: User, reason: str) -> TreatmentSession:
    """Checked in → deferred: not dosed today, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for deferring."})
    with transaction.atomic():
        session = lock(session)
        ensure_writable(session)
        _defer(session, by=by, reason=reason)
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
        _transition(session, SessionStatus.DOSING, by=by, reason="Dosing started", fields=[])
        return session


# ---- administration -------------------------------------------------------------------------


def max_devices(session: TreatmentSession) -> int:
    """2 or 3 devices; day 1 of an esketamine course is 56 mg; never above the planned dose."""
    limit = 3
    if session.number == 1 and session.phase.first_dose_mg:
        limit = min(limit, session.phase.first_dose_mg // ESKETAMINE_DEVICE_MG)
    if session.planned_dose_mg:
        limit = min(limit, max(2, session.planned_dose_mg // ESKETAMINE_DEVICE_MG))
    return limit


def _check_lot(lot: DrugLot, drug: str, on: dt.date) -> None:
    if lot.drug != drug:
        raise ValidationError({"lot": f"Lot {lot.lot_number} is not {Drug(drug).label.lower()}."})
    if lot.expires_on < on:
        raise ValidationError({"lot": f"Lot {lot.lot_number} expired on {lot.expires_on:%Y-%m-%d}."})


def administer_device(
    *,
    session: TreatmentSession,
    by: User,
    lot: DrugLot,
    given_at: dt.datetime | None = None,
    receipt: DeviceReceipt | None = None,
) -> Administration:
    """One 28 mg esketamine device. The first starts the observation clock."""
    cs = ClinicSettings.load()
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.DOSING, doing="record a device")
        if not session.is_esketamine:
            raise ValidationError("This is not an esketamine session; record an infusion instead.")
        devices = list(session.administrations.filter(kind=AdministrationKind.DEVICE).order_by("number"))
        limit = max_devices(session)
        if len(devices) >= limit:
            raise ValidationError(
                f"All {limit} devices ({limit * ESKETAMINE_DEVICE_MG} mg) of this session are recorded"
                + (" — day 1 of the course is 56 mg." if session.number == 1 and limit == 2 else ".")
            )
        given_at = _when(given_at, not_before=session.checked_in_at, what="The device time")
        warning = ""
        if devices:
            previous = devices[-1]
            if given_at <= previous.given_at:
                raise ValidationError(
                    {
                        "given_at": f"Device {len(devices) + 1} cannot be given before or at the same time as "
                        f"device {previous.number} ({timezone.localtime(previous.given_at):%H:%M})."
                    }
                )
            gap = given_at - previous.given_at
            if gap < dt.timedelta(minutes=cs.device_interval_minutes):
                warning = (
                    f"Only {int(gap.total_seconds() // 60)} min after device {previous.number}; "
                    f"the label asks for {cs.device_interval_minutes} minutes' rest between devices."
                )
        _check_lot(lot, Drug.ESKETAMINE, timezone.localdate(given_at))
        if receipt is not None:
            if receipt.patient_id != session.patient_id:
                raise ValidationError({"receipt": "These devices were received for another patient."})
            if receipt.lot_id != lot.pk:
                raise ValidationError({"receipt": "The receipt is for another lot."})
            if receipt.use_by < timezone.localdate(given_at):
                warning = (warning + " " if warning else "") + (
                    f"Device received {receipt.received_on:%Y-%m-%d} is past its use-by date "
                    f"({receipt.use_by:%Y-%m-%d})."
                )
        number = len(devices) + 1
        adm = _create(
            Administration,
            by=by,
            session=session,
            kind=AdministrationKind.DEVICE,
            number=number,
            given_at=given_at,
            dose_mg=Decimal(ESKETAMINE_DEVICE_MG),
            lot=lot,
            receipt=receipt,
            warning=warning[:200],
        )
        fields = ["dose_given_mg"]
        if number == 1:
            session.first_dose_at = given_at
            fields.append("first_dose_at")
        session.dose_given_mg = Decimal(ESKETAMINE_DEVICE_MG * number)
        _save(session, by=by, reason=f"Device {number} given", fields=fields)
        return adm


def infusion_start(
    *,
    session: TreatmentSession,
    by: User,
    lot: DrugLot,
    weight_kg: Decimal,
    mg_per_kg: Decimal,
    started_at: dt.datetime | None = None,
) -> Administration:
    """IV ketamine: weight × mg/kg gives the dose; the start starts the observation clock."""
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.DOSING, doing="start the infusion")
        if session.is_esketamine:
            raise ValidationError("This is an esketamine session; record devices instead.")
        if session.administrations.filter(kind=AdministrationKind.INFUSION).exists():
            raise ValidationError("The infusion of this session is already recorded.")
        weight_kg, mg_per_kg = Decimal(weight_kg), Decimal(mg_per_kg)
        if not Decimal(20) <= weight_kg <= Decimal(350):
            raise ValidationError({"weight_kg": "Weight must be between 20 and 350 kg."})
        if not Decimal("0.05") <= mg_per_kg <= Decimal("1.50"):
            raise ValidationError({"mg_per_kg": "mg/kg must be between 0.05 and 1.5."})
        warning = ""
        if mg_per_kg > Decimal("0.75"):
            warning = "Above the usual range of 0.1–0.75 mg/kg."
        started_at = _when(started_at, not_before=session.checked_in_at, what="The infusion start")
        _check_lot(lot, Drug.KETAMINE, timezone.localdate(started_at))
        dose = (weight_kg * mg_per_kg).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        adm = _create(
            Administration,
            by=by,
            session=session,
            kind=AdministrationKind.INFUSION,
            number=1,
            given_at=started_at,
            dose_mg=dose,
            weight_kg=weight_kg,
            mg_per_kg=mg_per_kg,
            lot=lot,
            warning=warning,
        )
        session.first_dose_at = started_at
        session.dose_given_mg = dose
        _save(session, by=by, reason="Infusion started", fields=["first_dose_at", "dose_given_mg"])
        return adm


def infusion_end(*, session: TreatmentSession, by: User, ended_at: dt.datetime | None = None) -> Administration:
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.DOSING, SessionStatus.OBSERVING, doing="end the infusion")
        adm = session.administrations.select_for_update().filter(kind=AdministrationKind.INFUSION).first()
        if adm is None:
            raise ValidationError("Start the infusion first.")
        if adm.ended_at:
            raise ValidationError("The infusion end is already recorded.")
        ended_at = _when(ended_at, what="The infusion end")
        if ended_at <= adm.given_at:
            raise ValidationError({"ended_at": "The infusion must end after it started."})
        adm.ended_at = ended_at
        adm._history_user = by
        adm._change_reason = "Infusion ended"
        adm.save(update_fields=["ended_at"])
        session.infusion_minutes = math.ceil((ended_at - adm.given_at).total_seconds() / 60)
        _save(session, by=by, reason="Infusion ended", fields=["infusion_minutes"])
        return adm


def session_start_observing(*, session: TreatmentSession, by: User) -> TreatmentSession:
    """Dosing → observing: all devices given (2 or 3), or the infusion running."""
    with transaction.atomic():
        session = lock(session)
        ensure_writable(session)
        session.check_transition(SessionStatus.OBSERVING)
        adms = list(session.administrations.all())
        if session.is_esketamine:
            devices = [a for a in adms if a.kind == AdministrationKind.DEVICE]
            if len(devices) < 2:
                raise ValidationError("An esketamine dose is 2 or 3 devices (56 or 84 mg): record each device first.")
        elif not adms:
            raise ValidationError("Start the infusion first.")
        _transition(session, SessionStatus.OBSERVING, by=by, reason="Dosing complete; observing", fields=[])
        return session


# ---- assessments, adverse events, amendments ------------------------------------------------


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
        assessment = _create(
            Assessment,
            by=by,
            session=session,
            scale=scale,
            score=int(score),
            items=items,
            taken_at=_when(taken_at, not_before=session.checked_in_at, what="The assessment time"),
        )
        alerts.evaluate_assessment(assessment, cs=ClinicSettings.load())
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
        return _create(
            AdverseEvent,
            by=by,
            session=session,
            occurred_at=_when(occurred_at, what="The time of the event"),
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
        return _create(
            Amendment,
            by=by,
            session=session,
            subject=(subject or "").strip(),
            original=(original or "").strip(),
            corrected=(corrected or "").strip(),
            reason=reason.strip(),
            at=timezone.now(),
        )
