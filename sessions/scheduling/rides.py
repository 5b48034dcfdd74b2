"""Rides home: the driver, the pickup time and the confirmation of each booking's ride."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited
from clinic.models import User
from sessions.models import (
    IN_CLINIC_STATUSES,
    Ride,
    RideKind,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)


@transaction.atomic
def ride_update(
    *,
    session: TreatmentSession,
    by: User,
    kind: str,
    driver_name: str,
    driver_phone: str,
    notes: str = "",
    confirm: bool = False,
) -> Ride:
    """Enter or change the ride home; ``confirm`` marks it confirmed (it needs a named driver)."""
    session = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    if session.status not in (SessionStatus.SCHEDULED, *IN_CLINIC_STATUSES):
        raise ValidationError("The ride of a finished or cancelled session cannot be changed.")
    ride = Ride.objects.filter(session=session).first() or Ride(session=session)
    driver_name, driver_phone = driver_name.strip(), driver_phone.strip()
    if confirm and not driver_name:
        raise ValidationError({"driver_name": "Name who drives before confirming the ride."})
    if confirm and kind == RideKind.COMPANION and not driver_phone:
        raise ValidationError({"driver_phone": "Give the driver's phone number so the clinic can call them."})
    ride.kind = kind
    ride.driver_name = driver_name
    ride.driver_phone = driver_phone
    ride.notes = notes.strip()[:200]
    if confirm:
        ride.status = RideStatus.CONFIRMED
        ride.confirmed_at = timezone.now()
        ride.confirmed_by = by
    else:
        ride.status = RideStatus.PLANNED if driver_name else RideStatus.MISSING
        ride.confirmed_at = None
        ride.confirmed_by = None
    ride.full_clean(exclude=["session"])
    audited(ride, by=by, reason="Ride confirmed" if confirm else "Ride updated")
    ride.save()
    return ride
