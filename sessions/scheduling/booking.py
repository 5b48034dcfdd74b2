"""Booking services: plan a course, book, reschedule, cancel, no-show, rides, reviews, pause/resume/end.

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
from simple_history.utils import bulk_create_with_history

from clinic.models import Chair, ClinicSettings, Patient, User
from sessions.models import (
    IN_CLINIC_STATUSES,
    Course,
    CourseReview,
    CourseStatus,
    PhaseKind,
    Protocol,
    ProtocolPhase,
    ReviewDecision,
    Ride,
    RideKind,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.scheduling.planning import (
    ClinicDiary,
    Slot,
    check_patient_may_book,
    min_days_between,
    next_free_slots,
    plan_phase,
)
from sessions.signals import session_released

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


def _insert(slots: list[Slot], *, course: Course, by: User | None, reason: str) -> list[TreatmentSession]:
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
            sessions = bulk_create_with_history(
                sessions, TreatmentSession, default_user=by, default_change_reason=reason
            )
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
    bulk_create_with_history(
        [_default_ride(s, course.patient) for s in sessions], Ride, default_user=by, default_change_reason=reason
    )
    return sessions


def renumber(course: Course) -> None:
    """Number the sessions that still count (not cancelled / no-show) 1..n in time order."""
    for i, session in enumerate(course.sessions.holding_time().order_by("planned_start", "pk"), start=1):
        if session.number != i:
            session.number = i
            session._change_reason = "Series renumbered"
            session.save(update_fields=["number", "updated_at"])


# ---- Courses ------------------------------------------------------------------------------


@transaction.atomic
def course_create(
    *,
    patient: Patient,
    protocol: Protocol,
    prescriber: User,
    start_date: dt.date,
    weekdays: list[int],
    time: dt.time,
    by: User,
    preferred_chair: Chair | None = None,
) -> Course:
    """Create a course and book its first phase as concrete sessions."""
    open_course = (
        Course.objects.filter(patient=patient).exclude(status=CourseStatus.ENDED).select_related("protocol").first()
    )
    if open_course is not None:
        raise ValidationError(
            {
                "patient": f"{patient.full_name} already has a course that is "
                f"{open_course.get_status_display().lower()} ({open_course.protocol.name}, from "
                f"{open_course.start_date:%d %b %Y}); end it before planning another."
            }
        )
    if not protocol.is_active:
        raise ValidationError({"protocol": "This protocol is inactive."})
    if not prescriber.is_prescriber or not prescriber.is_active:
        raise ValidationError({"prescriber": "Choose an active prescriber."})
    phase = protocol.phases.order_by("order").first()
    if phase is None:
        raise ValidationError({"protocol": "This protocol has no phases to plan."})
    slots = plan_phase(
        phase=phase,
        start_date=start_date,
        weekdays=weekdays,
        time=time,
        patient=patient,
        preferred_chair=preferred_chair,
    )
    course = Course(
        patient=patient,
        protocol=protocol,
        prescriber=prescriber,
        start_date=start_date,
        preferred_weekdays=",".join(str(d) for d in weekdays),
        preferred_time=time,
        preferred_chair=preferred_chair,
        current_phase=phase,
        created_by=by,
    )
    course._change_reason = f"Course planned: {len(slots)} sessions of {phase.name}"
    course.save()
    _insert(slots, course=course, by=by, reason="Planned with the course")
    return course


def _cancel_future(course: Course, *, by: User, reason: str, keep_phase: ProtocolPhase | None = None) -> int:
    future = course.sessions.filter(status=SessionStatus.SCHEDULED, planned_start__gt=timezone.now())
    if keep_phase is not None:
        future = future.exclude(phase=keep_phase)
    future = list(future.select_related("course"))
    for session in future:
        session.status = SessionStatus.CANCELLED
        session.status_reason = reason[:300]
        session.version += 1
        session._change_reason = reason[:100]
        session.save(update_fields=["status", "status_reason", "version", "updated_at"])
        session_released.send(sender=TreatmentSession, session=session, by=by, late=False)
    return len(future)


def _usable_chair(course: Course) -> Chair | None:
    """The course's preferred chair while it is active; after it is taken out of use, any free chair."""
    chair = course.preferred_chair
    return chair if chair is not None and chair.is_active else None


def _phase_sessions_left(course: Course, phase: ProtocolPhase) -> int:
    planned = phase.planned_session_count
    if planned is None:
        return 0
    done = course.sessions.filter(phase=phase).holding_time().count()
    return max(planned - done, 0)


@transaction.atomic
def course_pause(*, course: Course, by: User, reason: str) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status not in (CourseStatus.ACTIVE, CourseStatus.AWAITING_REVIEW):
        raise ValidationError(f"A course that is {course.get_status_display().lower()} cannot be paused.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for pausing."})
    cancelled = _cancel_future(course, by=by, reason=f"Course paused: {reason.strip()}")
    course.status = CourseStatus.PAUSED
    course.status_reason = reason.strip()[:300]
    course._change_reason = f"Paused ({cancelled} upcoming sessions released): {reason.strip()}"[:100]
    course.save(update_fields=["status", "status_reason"])
    renumber(course)
    return course


@transaction.atomic
def course_resume(*, course: Course, by: User, start_date: dt.date, reason: str = "") -> Course:
    """Resume a paused course and book the rest of its current phase from ``start_date``."""
    course = Course.objects.select_for_update().select_related("patient", "current_phase__protocol").get(pk=course.pk)
    if course.status != CourseStatus.PAUSED:
        raise ValidationError("Only a paused course can be resumed.")
    phase = course.current_phase
    left = _phase_sessions_left(course, phase)
    if left:
        first = course.sessions.holding_time().count() + 1
        slots = plan_phase(
            phase=phase,
            start_date=start_date,
            weekdays=course.weekday_list,
            time=course.preferred_time,
            patient=course.patient,
            preferred_chair=_usable_chair(course),
            count=left,
            first_index=first,
            first_of_course=first == 1,
        )
        _insert(slots, course=course, by=by, reason="Planned on resuming the course")
    course.status = CourseStatus.ACTIVE if left else CourseStatus.AWAITING_REVIEW
    course.status_reason = reason.strip()[:300]
    course._change_reason = f"Resumed; {left} sessions booked"
    course.save(update_fields=["status", "status_reason"])
    return course


@transaction.atomic
def course_end(*, course: Course, by: User, reason: str) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status == CourseStatus.ENDED:
        raise ValidationError("This course has already ended.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for ending the course."})
    cancelled = _cancel_future(course, by=by, reason=f"Course ended: {reason.strip()}")
    course.status = CourseStatus.ENDED
    course.status_reason = reason.strip()[:300]
    course._change_reason = f"Ended ({cancelled} upcoming sessions released): {reason.strip()}"[:100]
    course.save(update_fields=["status", "status_reason"])
    renumber(course)
    return course


def previous_phase(phase: ProtocolPhase) -> ProtocolPhase | None:
    return phase.protocol.phases.filter(order__lt=phase.order).order_by("-order").first()


def following_phase(phase: ProtocolPhase) -> ProtocolPhase | None:
    return phase.protocol.phases.filter(order__gt=phase.order).order_by("order").first()


@transaction.atomic
def course_review(
    *,
    course: Course,
    by: User,
    decision: str,
    notes: str = "",
    next_phase: ProtocolPhase | None = None,
    interval_weeks: int | None = None,
    sessions_to_plan: int | None = None,
    start_date: dt.date | None = None,
) -> CourseReview:
    """A prescriber's end-of-phase decision; the next phase is then booked from it."""
    if not by.is_prescriber:
        raise ValidationError("Only a prescriber can record a course review.")
    course = (
        Course.objects.select_for_update()
        .select_related("patient", "protocol", "current_phase__protocol")
        .get(pk=course.pk)
    )
    if course.status not in (CourseStatus.ACTIVE, CourseStatus.AWAITING_REVIEW):
        raise ValidationError(f"A course that is {course.get_status_display().lower()} cannot be reviewed.")
    phase = course.current_phase
    if decision == ReviewDecision.STOP:
        target = None
    elif decision == ReviewDecision.RETURN_TO_PREVIOUS:
        target = previous_phase(phase)
        if target is None:
            raise ValidationError({"decision": "There is no earlier, more frequent schedule in this protocol."})
    elif decision == ReviewDecision.CHANGE_FREQUENCY:
        target = next_phase or following_phase(phase) or phase
        if not interval_weeks:
            raise ValidationError({"interval_weeks": "Give the new frequency (every how many weeks)."})
    else:
        target = next_phase or following_phase(phase)
        if target is None:
            raise ValidationError(
                {"decision": "This protocol has no further phase: choose stop, or change the frequency."}
            )
    if target is not None and target.protocol_id != course.protocol_id:
        raise ValidationError({"next_phase": "Choose a phase of this course's protocol."})

    review = CourseReview(
        course=course,
        phase=phase,
        next_phase=target,
        decision=decision,
        interval_weeks=interval_weeks,
        sessions_to_plan=sessions_to_plan,
        notes=notes.strip(),
        reviewed_by=by,
    )
    review.save()
    if target is None:
        course_end(course=course, by=by, reason=f"Stopped at review: {notes.strip() or 'prescriber decision'}")
        return review

    # Continuing keeps the rest of the current phase and books the next one after it; returning to the
    # previous schedule replaces everything still ahead.
    keep = None if decision == ReviewDecision.RETURN_TO_PREVIOUS else phase
    _cancel_future(
        course, by=by, reason=f"Replaced after review ({review.get_decision_display().lower()})", keep_phase=keep
    )
    renumber(course)
    remaining = list(course.sessions.holding_time().order_by("planned_start"))
    tz = ClinicSettings.load().tz
    last_day = remaining[-1].planned_start.astimezone(tz).date() if remaining else None
    today = timezone.localdate(timezone=tz)
    begin = start_date or max(today, (last_day + dt.timedelta(days=1)) if last_day else today)
    slots = plan_phase(
        phase=target,
        start_date=begin,
        weekdays=course.weekday_list,
        time=course.preferred_time,
        patient=course.patient,
        preferred_chair=_usable_chair(course),
        count=sessions_to_plan,
        interval_weeks=interval_weeks,
        after=last_day,
        first_index=len(remaining) + 1,
        first_of_course=not remaining,
    )
    _insert(slots, course=course, by=by, reason=f"Planned after review: {review.get_decision_display()}")
    course.current_phase = target
    course.status = CourseStatus.ACTIVE
    course._change_reason = f"Review: {review.get_decision_display()} → {target.name}"[:100]
    course.save(update_fields=["current_phase", "status"])
    return review


# ---- Single sessions ----------------------------------------------------------------------------


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
    check_patient_may_book(patient, phase)
    day = start.astimezone(settings.tz).date()
    diary = ClinicDiary.load(start=day, end=day, settings=settings)
    from sessions.scheduling.planning import visit_minutes

    end = start + dt.timedelta(minutes=visit_minutes(phase, settings))
    if not diary.fits_opening_hours(start, end):
        opening = diary.opening(day)
        hours = f"{opening[0]:%H:%M}–{opening[1]:%H:%M}" if opening else "closed"
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


def _check_spacing(session_or_none, *, course: Course, phase: ProtocolPhase, start: dt.datetime) -> None:
    settings = ClinicSettings.load()
    need = min_days_between(phase, settings)
    day = start.astimezone(settings.tz).date()
    others = course.sessions.holding_time()
    if session_or_none is not None:
        others = others.exclude(pk=session_or_none.pk)
    for other in others.only("planned_start", "number"):
        gap = abs((other.planned_start.astimezone(settings.tz).date() - day).days)
        if gap < need:
            raise ValidationError(
                {
                    "date": f"Only {gap} day(s) from session {other.number} on "
                    f"{other.planned_start.astimezone(settings.tz):%a %d %b}; {phase.name} needs at least {need}."
                }
            )


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
    _check_spacing(None, course=course, phase=phase, start=start)
    slot = Slot(0, phase, start, end, chair, phase.default_dose_mg)
    (session,) = _insert([slot], course=course, by=by, reason="Booked")
    renumber(course)
    session.refresh_from_db()
    return session


@transaction.atomic
def session_reschedule(
    *, session: TreatmentSession, start: dt.datetime, chair: Chair, by: User, version: int | None
) -> TreatmentSession:
    session = _locked(session, version)
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(f"A session that is {session.get_status_display().lower()} cannot be moved.")
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
    session._change_reason = f"Rescheduled from {old.astimezone(tz):%Y-%m-%d %H:%M}"
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
    renumber(session.course)
    session.refresh_from_db()
    return session


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
    session._change_reason = f"Cancelled{' (late)' if late else ''}: {reason.strip()}"[:100]
    session.save(update_fields=["status", "status_reason", "version", "updated_at"])
    session_released.send(sender=TreatmentSession, session=session, by=by, late=late)
    renumber(session.course)
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
    session._change_reason = "Marked as no-show"
    session.save(update_fields=["status", "status_reason", "version", "updated_at"])
    session_released.send(sender=TreatmentSession, session=session, by=by, late=True)
    renumber(session.course)
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
        return {"kind": "maintenance", "previous_phase": previous_phase(phase), "slots": []}
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


# ---- Rides --------------------------------------------------------------------------------------


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
    ride._change_reason = "Ride confirmed" if confirm else "Ride updated"
    ride.save()
    return ride
