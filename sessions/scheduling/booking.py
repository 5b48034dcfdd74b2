"""Booking services: book, reschedule, cancel and no-show single sessions; insert a planned series.

Each write runs in ``transaction.atomic()``. Overlaps are refused twice: the service checks inside the
transaction (on SQLite the write transaction is serialised with BEGIN IMMEDIATE), and on PostgreSQL an
exclusion constraint holds the line against concurrent requests; its IntegrityError becomes a
``BookingConflict`` naming the clashing booking and offering the next free slots.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.audit import audited, audited_bulk_create
from clinic.models import Chair, ClinicSettings, Patient, User
from sessions.billing.charges import charge_release_fee
from sessions.models import (
    Course,
    CourseStatus,
    PhaseKind,
    ProtocolPhase,
    Ride,
    RideKind,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.scheduling.diary import ClinicDiary, Slot
from sessions.scheduling.planning import cannot_serve, check_patient_may_book, min_days_between, next_free_slots
from sessions.scheduling.series import renumber
from sessions.scheduling.windows import check_phase_window

CHANGED_MESSAGE = "This booking changed since you opened it (someone else saved it first). Reload to see the change."


class BookingConflict(ValidationError):
    """A chair or patient clash: names the conflicting booking and carries the next free slots."""

    def __init__(self, message: str, *, conflict: TreatmentSession | None = None, suggestions: list[Slot] = ()):
        super().__init__(message, code="conflict")
        self.conflict = conflict
        self.suggestions = list(suggestions)


def describe(session: TreatmentSession, tz) -> str:
    start = session.planned_start.astimezone(tz)
    end = session.planned_end.astimezone(tz)
    return (
        f"booking #{session.pk} ({session.patient.full_name}, session {session.number}) in {session.chair.name} "
        f"{start:%a %d %b %H:%M}–{end:%H:%M}"
    )


def _conflict(
    *,
    chair_id: int,
    patient_id: int,
    start: dt.datetime,
    end: dt.datetime,
    phase: ProtocolPhase,
    patient: Patient | None,
    exclude_pk: int | None = None,
    course: Course | None = None,
) -> BookingConflict | None:
    qs = (
        TreatmentSession.objects.overlapping(start, end)
        .filter(Q(chair_id=chair_id) | Q(patient_id=patient_id))
        .select_related("patient", "chair")
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    clash = qs.order_by("planned_start").first()
    if clash is None:
        return None
    tz = ClinicSettings.load().tz
    who = "The patient already has" if clash.patient_id == patient_id else f"{clash.chair.name} is taken by"
    ignore = (exclude_pk,) if exclude_pk else ()
    keep_away_from, spacing_days = [], 0
    if course is not None:
        # Offer only slots the course's spacing allows, so a suggestion can actually be taken.
        others = course.sessions.holding_time().exclude(pk=exclude_pk).values_list("planned_start", flat=True)
        keep_away_from = [other.astimezone(tz).date() for other in others]
        spacing_days = min_days_between(phase, ClinicSettings.load())
    suggestions = next_free_slots(
        phase=phase,
        after=start - dt.timedelta(minutes=1),
        patient=patient,
        limit=3,
        ignore_session_ids=ignore,
        keep_away_from=keep_away_from,
        spacing_days=spacing_days,
    )
    return BookingConflict(f"{who} {describe(clash, tz)}.", conflict=clash, suggestions=suggestions)


def _is_overlap_error(exc: IntegrityError) -> bool:
    return "no_overlap" in str(exc)


def _default_ride(session: TreatmentSession, patient: Patient) -> Ride:
    if patient.usual_ride_name:
        return Ride(
            session=session,
            kind=RideKind.COMPANION,
            driver_name=patient.usual_ride_name,
            driver_phone=patient.usual_ride_phone,
            status=RideStatus.PLANNED,
        )
    return Ride(session=session, status=RideStatus.MISSING)


def insert_slots(slots: list[Slot], *, course: Course, by: User | None, reason: str) -> list[TreatmentSession]:
    """Create the sessions and their rides in a fixed number of queries whatever the series' length."""
    sessions = [
        TreatmentSession(
            course=course,
            patient=course.patient,
            phase=slot.phase,
            chair=slot.chair,
            number=slot.index,
            planned_start=slot.start,
            planned_end=slot.end,
            planned_dose_mg=slot.dose_mg,
            created_by=by,
        )
        for slot in slots
    ]
    try:
        with transaction.atomic():
            sessions = audited_bulk_create(TreatmentSession, sessions, by=by, reason=reason)
    except IntegrityError as exc:
        if not _is_overlap_error(exc):
            raise
        for slot in slots:
            conflict = _conflict(
                chair_id=slot.chair.pk,
                patient_id=course.patient_id,
                start=slot.start,
                end=slot.end,
                phase=slot.phase,
                patient=course.patient,
            )
            if conflict:
                raise conflict from None
        raise BookingConflict("Another booking was saved for the same chair or patient at the same time.") from None
    audited_bulk_create(Ride, [_default_ride(s, course.patient) for s in sessions], by=by, reason=reason)
    return sessions


def _locked(session: TreatmentSession, version: int | None) -> TreatmentSession:
    current = (
        TreatmentSession.objects.select_for_update()
        .select_related("course__protocol", "patient", "phase__protocol", "chair")
        .get(pk=session.pk)
    )
    if version is not None and current.version != version:
        raise ValidationError(CHANGED_MESSAGE, code="stale")
    return current


def _check_slot(
    *,
    phase: ProtocolPhase,
    patient: Patient,
    start: dt.datetime,
    chair: Chair,
    exclude_pk: int | None = None,
    course: Course | None = None,
) -> dt.datetime:
    """Validate a single visit; returns its end."""
    settings = ClinicSettings.load()
    if start <= timezone.now():
        raise ValidationError({"date": "That time is in the past; choose a later time."})
    if not chair.is_active:
        raise ValidationError({"chair": f"{chair.name} is inactive; choose an active chair."})
    if not chair.serves(phase.protocol.chair_need):
        raise ValidationError({"chair": cannot_serve(chair, phase.protocol.chair_need)})
    check_patient_may_book(patient, phase)
    day = start.astimezone(settings.tz).date()
    diary = ClinicDiary.load(start=day, end=day, settings=settings)
    from sessions.scheduling.planning import visit_minutes

    end = start + dt.timedelta(minutes=visit_minutes(phase, settings))
    if not diary.fits_opening_hours(start, end):
        opening = diary.opening(day)
        hours = f"{opening[0]:%H:%M}–{opening[1]:%H:%M}" if opening else "closed"
        closure = diary.closures.get(day)
        if closure is not None:
            hours += f", {closure.reason}"
        raise ValidationError(
            {
                "time": f"Outside opening hours ({day:%A}: {hours}); the visit would end at {end.astimezone(settings.tz):%H:%M}."
            }
        )
    conflict = _conflict(
        chair_id=chair.pk,
        patient_id=patient.pk,
        start=start,
        end=end,
        phase=phase,
        patient=patient,
        exclude_pk=exclude_pk,
        course=course,
    )
    if conflict:
        raise conflict
    return end


def _check_spacing(session_or_none, *, course: Course, phase: ProtocolPhase, start: dt.datetime) -> int:
    """Refuse a visit too close to another of the course; -> how many of the others start before it."""
    settings = ClinicSettings.load()
    need = min_days_between(phase, settings)
    day = start.astimezone(settings.tz).date()
    others = course.sessions.holding_time()
    if session_or_none is not None:
        others = others.exclude(pk=session_or_none.pk)
    earlier = 0
    for other in others.only("planned_start", "number"):
        earlier += other.planned_start <= start
        gap = abs((other.planned_start.astimezone(settings.tz).date() - day).days)
        if gap < need:
            raise ValidationError(
                {
                    "date": f"Only {gap} day(s) from session {other.number} on "
                    f"{other.planned_start.astimezone(settings.tz):%a %d %b}; {phase.name} needs at least {need}."
                }
            )
    return earlier


@transaction.atomic
def session_book(
    *, course: Course, start: dt.datetime, chair: Chair, by: User, phase: ProtocolPhase | None = None
) -> TreatmentSession:
    """Book one extra session (e.g. a make-up for a missed one) in a given chair and time."""
    course = Course.objects.select_for_update().select_related("patient", "current_phase__protocol").get(pk=course.pk)
    if course.status in (CourseStatus.PAUSED, CourseStatus.ENDED):
        raise ValidationError(f"The course is {course.get_status_display().lower()}; resume it first.")
    phase = phase or course.current_phase
    end = _check_slot(phase=phase, patient=course.patient, start=start, chair=chair, course=course)
    earlier = _check_spacing(None, course=course, phase=phase, start=start)
    # Booked with its place in the series: only the sessions after it are renumbered.
    slot = Slot(earlier + 1, phase, start, end, chair, phase.default_dose_mg)
    (session,) = insert_slots([slot], course=course, by=by, reason="Booked")
    session.number = renumber(course, by=by)[session.pk]
    return session


def can_move_bookings(user: User) -> bool:
    """Admins move bookings; so do prescribers (clinical staff with prescriber rights), who alone may move
    one beyond its phase's window. Nurses do not."""
    return user.is_admin or (user.is_clinical and user.is_prescriber)


@transaction.atomic
def session_reschedule(
    *,
    session: TreatmentSession,
    start: dt.datetime,
    chair: Chair,
    by: User,
    version: int | None,
    window_reason: str = "",
) -> TreatmentSession:
    """Move a booking (an admin or a prescriber); beyond its phase's window only a prescriber may, with
    ``window_reason``."""
    if not can_move_bookings(by):
        raise ValidationError("Only an admin or a prescriber can move a booking; ask one of them.")
    session = _locked(session, version)
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(f"A session that is {session.get_status_display().lower()} cannot be moved.")
    window_note = check_phase_window(session=session, start=start, by=by, reason=window_reason)
    end = _check_slot(
        phase=session.phase,
        patient=session.patient,
        start=start,
        chair=chair,
        exclude_pk=session.pk,
        course=session.course,
    )
    _check_spacing(session, course=session.course, phase=session.phase, start=start)
    old = session.planned_start
    session.planned_start, session.planned_end, session.chair = start, end, chair
    session.version += 1
    tz = ClinicSettings.load().tz
    note = f"Rescheduled from {old.astimezone(tz):%Y-%m-%d %H:%M}"
    if window_note:  # the prescriber's reason first: the history column is short
        note = f"{window_note} ({note.lower()})"
    audited(session, by=by, reason=note)
    try:
        with transaction.atomic():
            session.save(update_fields=["planned_start", "planned_end", "chair", "version", "updated_at"])
    except IntegrityError as exc:
        if not _is_overlap_error(exc):
            raise
        conflict = _conflict(
            chair_id=chair.pk,
            patient_id=session.patient_id,
            start=start,
            end=end,
            phase=session.phase,
            patient=session.patient,
            exclude_pk=session.pk,
            course=session.course,
        )
        raise conflict or BookingConflict("Another booking was saved for this time.") from None
    renumber(session.course, by=by)
    session.refresh_from_db()
    return session


def can_no_show(session: TreatmentSession, *, now: dt.datetime | None = None) -> bool:
    """A booking can be marked no-show once its start time has passed and it is still scheduled."""
    return session.can_move_to(SessionStatus.NO_SHOW) and session.planned_start <= (now or timezone.now())


def is_late_cancellation(session: TreatmentSession, settings: ClinicSettings | None = None) -> bool:
    settings = settings or ClinicSettings.load()
    return session.planned_start - timezone.now() < dt.timedelta(hours=settings.late_cancel_hours)


@transaction.atomic
def session_cancel(*, session: TreatmentSession, by: User, reason: str, version: int | None = None) -> TreatmentSession:
    session = _locked(session, version)
    session.check_transition(SessionStatus.CANCELLED)
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the cancellation."})
    late = is_late_cancellation(session)
    session.status = SessionStatus.CANCELLED
    session.status_reason = reason.strip()[:300]
    session.version += 1
    audited(session, by=by, reason=f"Cancelled{' (late)' if late else ''}: {reason.strip()}")
    session.save(update_fields=["status", "status_reason", "version", "updated_at"])
    charge_release_fee(session=session, by=by, late=late)
    renumber(session.course, by=by)
    return session


@transaction.atomic
def session_no_show(
    *, session: TreatmentSession, by: User, reason: str = "", version: int | None = None
) -> TreatmentSession:
    session = _locked(session, version)
    session.check_transition(SessionStatus.NO_SHOW)
    if session.planned_start > timezone.now():
        raise ValidationError("A session cannot be marked as a no-show before its start time.")
    session.status = SessionStatus.NO_SHOW
    session.status_reason = (reason.strip() or "Did not attend")[:300]
    session.version += 1
    audited(session, by=by, reason="Marked as no-show")
    session.save(update_fields=["status", "status_reason", "version", "updated_at"])
    charge_release_fee(session=session, by=by, late=True)
    renumber(session.course, by=by)
    return session


def missed_session_options(session: TreatmentSession, *, limit: int = 3) -> dict:
    """What the clinic may do after a missed session.

    Induction (and other fixed phases): keep the schedule going — offer the next free slots that keep
    the spacing from the course's other sessions. Maintenance: offer returning to the previous, more
    frequent schedule, which a prescriber decides at a review.
    """
    course = session.course
    phase = session.phase
    settings = ClinicSettings.load()
    if phase.kind == PhaseKind.MAINTENANCE:
        return {"kind": "maintenance", "previous_phase": phase.previous_phase(), "slots": []}
    tz = settings.tz
    others = [
        s.planned_start.astimezone(tz).date()
        for s in course.sessions.holding_time().exclude(pk=session.pk).only("planned_start")
    ]
    slots = next_free_slots(
        phase=phase,
        after=max(session.planned_start, timezone.now()),
        patient=course.patient,
        keep_away_from=others,
        spacing_days=min_days_between(phase, settings),
        limit=limit,
        one_per_day=True,
    )
    return {"kind": "induction" if phase.kind == PhaseKind.INDUCTION else "fixed", "slots": slots}
