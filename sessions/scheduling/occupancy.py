"""Who is physically in a chair now (a session checked in, dosing or observing), and which chairs are free
for a patient arriving: check-in moves the booking to one of them when its own chair is still occupied."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.audit import audited
from clinic.models import Chair, User
from clinic.places import chairs_serving
from sessions.models import IN_CLINIC_STATUSES, TreatmentSession


def lock_chair(chair_id: int) -> None:
    """Serialise the check-ins into one chair for the rest of the transaction: on PostgreSQL a row lock on
    the chair (SELECT … FOR UPDATE); on SQLite the write transaction (BEGIN IMMEDIATE) already runs alone.
    Without it two nurses checking two patients into one free chair at the same moment would both find it
    free (their bookings need not overlap, so the exclusion constraint does not see it)."""
    list(Chair.objects.select_for_update().filter(pk=chair_id).values_list("pk", flat=True))


def chair_occupant(chair_id: int, *, exclude_pk: int | None = None) -> TreatmentSession | None:
    """The session physically in the chair (checked in, dosing or observing), if any."""
    qs = TreatmentSession.objects.filter(chair_id=chair_id, status__in=IN_CLINIC_STATUSES).select_related("patient")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("checked_in_at", "planned_start").first()


def occupied_message(session: TreatmentSession, occupant: TreatmentSession) -> str:
    return (
        f"{session.chair.name} is occupied by {occupant.patient.full_name} ({occupant.get_status_display().lower()})."
    )


def free_chairs_for(session: TreatmentSession) -> list[Chair]:
    """Active chairs able to serve the session's protocol, with nobody in them now and no other booking
    from now (or the booking's start, if later) to the end of the booking."""
    start = min(timezone.now(), session.planned_start)
    busy = set(
        TreatmentSession.objects.filter(status__in=IN_CLINIC_STATUSES)
        .exclude(pk=session.pk)
        .values_list("chair_id", flat=True)
    ) | set(
        TreatmentSession.objects.overlapping(start, session.planned_end)
        .exclude(pk=session.pk)
        .values_list("chair_id", flat=True)
    )
    return list(chairs_serving(session.course.protocol.chair_need).exclude(pk__in=busy).order_by("name"))


def move_to_free_chair(*, session: TreatmentSession, chair: Chair, by: User, reason: str) -> TreatmentSession:
    """Move a locked, scheduled session to a free chair (the caller holds the transaction and the lock)."""
    if chair.pk not in {c.pk for c in free_chairs_for(session)}:
        raise ValidationError({"chair": f"{chair.name} is not free for this visit; choose one of the free chairs."})
    old = session.chair
    session.chair = chair
    session.version += 1
    audited(session, by=by, reason=f"{reason}: moved from {old.name} to {chair.name}")
    try:
        with transaction.atomic():
            session.save(update_fields=["chair", "version", "updated_at"])
    except IntegrityError:
        raise ValidationError({"chair": f"{chair.name} was just taken; choose another free chair."}) from None
    return session
