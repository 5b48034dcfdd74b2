"""Check-in: the checklist (identity, fasting, ride home, medications, contraindications, REMS enrolment)
and the ride's arrival."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited_save
from clinic.models import ClinicSettings, User
from sessions.models import (
    CheckIn,
    Ride,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring.state import RECORDING_STATUSES, checked_time, ensure_status, lock, transition

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
