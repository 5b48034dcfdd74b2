"""Check-in: the checklist (identity, fasting, ride home, medications, contraindications, REMS enrolment)
and the ride's arrival.

Check-in opens the clinic's ``checkin_early_minutes`` before the booking (never before opening); when the
booked chair is still occupied by another patient (checked in, dosing, observing), the nurse chooses one
of the free chairs able to serve the protocol and the booking moves there."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_save
from clinic.models import Chair, ClinicSettings, User
from clinic.places import opening_on
from sessions.models import (
    CheckIn,
    Ride,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring.state import RECORDING_STATUSES, checked_time, ensure_status, lock, transition
from sessions.scheduling.occupancy import (
    chair_occupant,
    free_chairs_for,
    lock_chair,
    move_to_free_chair,
    occupied_message,
)

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


def _ride(session: TreatmentSession) -> Ride:
    """The session's ride (a new one, saved by the caller with the actor, for a session booked without)."""
    return Ride.objects.filter(session=session).first() or Ride(session=session)


def checkin_opens_at(session: TreatmentSession, settings: ClinicSettings | None = None) -> dt.datetime:
    """The earliest check-in: the clinic's minutes before the booking, and not before the day's opening."""
    settings = settings or ClinicSettings.load()
    opens = session.planned_start - dt.timedelta(minutes=settings.checkin_early_minutes)
    day = timezone.localtime(session.planned_start, settings.tz).date()
    hours = opening_on(day)
    opening = dt.datetime.combine(day, hours[0], tzinfo=settings.tz) if hours else None
    return max(opens, opening) if opening and opening <= session.planned_start else opens


def checkin_time_blocker(session: TreatmentSession, at: dt.datetime | None = None) -> str:
    """Why a scheduled session cannot be checked in now (recorded at ``at``, default now); empty when it can.

    The window is judged at the moment the nurse acts; a check-in recorded for an earlier time stays on the
    booking's day."""
    settings = ClinicSettings.load()
    tz = settings.tz
    now = timezone.now()
    day = timezone.localtime(session.planned_start, tz).date()
    if day != timezone.localtime(at or now, tz).date():
        return f"This session is booked for {day:%Y-%m-%d}; check in on the day."
    opens = checkin_opens_at(session, settings)
    if now < opens:
        return (
            f"Check-in opens at {opens.astimezone(tz):%H:%M} for the "
            f"{session.planned_start.astimezone(tz):%H:%M} booking ({settings.checkin_early_minutes} minutes before, "
            "not before opening); ask the patient to wait."
        )
    return ""


def checkin_chair_choices(session: TreatmentSession) -> tuple[str, list[Chair]]:
    """When the booked chair is occupied: the message and the free chairs to move to; ("", []) otherwise."""
    occupant = chair_occupant(session.chair_id, exclude_pk=session.pk)
    if occupant is None:
        return "", []
    return occupied_message(session, occupant), free_chairs_for(session)


def _place_in_chair(session: TreatmentSession, chair: Chair | None, by: User) -> None:
    """Keep the booked chair when it is free, or move to the chosen free chair; refuse otherwise.

    The chair the patient is about to sit in is locked first (``lock_chair``), so two check-ins into one chair
    run one after the other: the second sees the first patient in it."""
    lock_chair(chair.pk if chair is not None else session.chair_id)
    if chair is not None and chair.pk != session.chair_id:
        move_to_free_chair(session=session, chair=chair, by=by, reason="Checked in to a free chair")
        return
    message, free = checkin_chair_choices(session)
    if not message:
        return
    if free:
        names = ", ".join(c.name for c in free)
        raise ValidationError({"chair": f"{message} Choose a free chair ({names}); the booking moves there."})
    raise ValidationError(
        {"chair": f"{message} No other chair able to serve this protocol is free: check in when it is discharged."}
    )


def session_check_in(
    *,
    session: TreatmentSession,
    by: User,
    checklist: dict,
    at: dt.datetime | None = None,
    chair: Chair | None = None,
) -> CheckIn:
    """Scheduled → checked in with the checklist (into a free chair); on a checked-in session, update the
    checklist."""
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN, doing="check in")
        patient = session.patient
        if session.status == SessionStatus.SCHEDULED:
            blocker = checkin_time_blocker(session, at)
            if blocker:
                raise ValidationError(blocker)
            _place_in_chair(session, chair, by)
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
            at = checked_time(at, what="The check-in time")
            checkin = CheckIn(session=session, by=by, at=at)
        for key, value in values.items():
            setattr(checkin, key, value if value is not None else "")
        checkin.full_clean()
        audited_save(checkin, by=by)
        ride = _ride(session)
        ride.driver_name, ride.driver_phone = checkin.ride_name, checkin.ride_phone
        if ride.status != RideStatus.CONFIRMED:
            ride.status, ride.confirmed_at, ride.confirmed_by = RideStatus.CONFIRMED, timezone.now(), by
        audited_save(ride, by=by)
        if session.status == SessionStatus.SCHEDULED:
            session.checked_in_at = checkin.at
            transition(session, SessionStatus.CHECKED_IN, by=by, reason="Checked in", fields=["checked_in_at"])
        return checkin


def ride_arrived(*, session: TreatmentSession, by: User, at: dt.datetime | None = None) -> Ride:
    with transaction.atomic():
        session = lock(session)
        ensure_status(session, *RECORDING_STATUSES, doing="record the ride")
        ride = _ride(session)
        ride.arrived_at = checked_time(at, what="The arrival time")
        audited_save(ride, by=by, reason="Ride arrived")
        return ride
