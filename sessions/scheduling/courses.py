"""Course lifecycle: plan a course (its first phase booked), pause, resume, end, and the end of a phase
(the course then awaits the prescriber's review; called by the discharge service).

Each write runs in ``transaction.atomic()`` with the course row locked and names the actor."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited, audited_save
from clinic.models import Chair, ClinicSettings, Patient, User
from sessions.billing.charges import charge_release_fee
from sessions.models import (
    IN_CLINIC_STATUSES,
    Course,
    CourseStatus,
    Protocol,
    ProtocolPhase,
    SessionStatus,
    TreatmentSession,
)
from sessions.scheduling.booking import insert_slots, renumber
from sessions.scheduling.plan_preview import PlanChanged, first_phase, plan_changes
from sessions.scheduling.planning import plan_phase


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
    previewed: list[tuple[str, int]] | None = None,
) -> Course:
    """Create a course and book its first phase as concrete sessions.

    With ``previewed`` (the plan the admin saw, from its signed token) nothing is booked unless the plan
    is still exactly that: ``PlanChanged`` says what differs."""
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
    phase = first_phase(protocol)
    slots = plan_phase(
        phase=phase,
        start_date=start_date,
        weekdays=weekdays,
        time=time,
        patient=patient,
        preferred_chair=preferred_chair,
    )
    if previewed is not None:
        changes = plan_changes(previewed, slots, ClinicSettings.load().tz)
        if changes:
            raise PlanChanged(changes)
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
    audited(course, by=by, reason=f"Course planned: {len(slots)} sessions of {phase.name}")
    course.save()
    insert_slots(slots, course=course, by=by, reason="Planned with the course")
    return course


def cancel_future_sessions(course: Course, *, by: User, reason: str, keep_phase: ProtocolPhase | None = None) -> int:
    future = course.sessions.filter(status=SessionStatus.SCHEDULED, planned_start__gt=timezone.now())
    if keep_phase is not None:
        future = future.exclude(phase=keep_phase)
    future = list(future.select_related("course"))
    for session in future:
        session.status = SessionStatus.CANCELLED
        session.status_reason = reason[:300]
        session.version += 1
        audited(session, by=by, reason=reason)
        session.save(update_fields=["status", "status_reason", "version", "updated_at"])
        charge_release_fee(session=session, by=by, late=False)
    return len(future)


def usable_chair(course: Course) -> Chair | None:
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
    cancelled = cancel_future_sessions(course, by=by, reason=f"Course paused: {reason.strip()}")
    course.status = CourseStatus.PAUSED
    course.status_reason = reason.strip()[:300]
    audited(course, by=by, reason=f"Paused ({cancelled} upcoming sessions released): {reason.strip()}")
    course.save(update_fields=["status", "status_reason"])
    renumber(course, by=by)
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
            preferred_chair=usable_chair(course),
            count=left,
            first_index=first,
            first_of_course=first == 1,
        )
        insert_slots(slots, course=course, by=by, reason="Planned on resuming the course")
    course.status = CourseStatus.ACTIVE if left else CourseStatus.AWAITING_REVIEW
    course.status_reason = reason.strip()[:300]
    audited(course, by=by, reason=f"Resumed; {left} sessions booked")
    course.save(update_fields=["status", "status_reason"])
    return course


@transaction.atomic
def course_end(*, course: Course, by: User, reason: str) -> Course:
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.status == CourseStatus.ENDED:
        raise ValidationError("This course has already ended.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for ending the course."})
    cancelled = cancel_future_sessions(course, by=by, reason=f"Course ended: {reason.strip()}")
    course.status = CourseStatus.ENDED
    course.status_reason = reason.strip()[:300]
    audited(course, by=by, reason=f"Ended ({cancelled} upcoming sessions released): {reason.strip()}")
    course.save(update_fields=["status", "status_reason"])
    renumber(course, by=by)
    return course


def phase_end(*, session: TreatmentSession, by: User | None) -> Course:
    """After the last session of the course's current phase, the course awaits its review.

    Called by the discharge service inside its transaction, with the discharging user.
    """
    course = Course.objects.select_for_update().get(pk=session.course_id)
    if course.status != CourseStatus.ACTIVE or session.phase_id != course.current_phase_id:
        return course
    still_open = course.sessions.filter(
        phase_id=course.current_phase_id, status__in=(SessionStatus.SCHEDULED, *IN_CLINIC_STATUSES)
    ).exclude(pk=session.pk)
    if not still_open.exists():
        course.status = CourseStatus.AWAITING_REVIEW
        audited_save(
            course, by=by, reason="Phase completed: awaiting the prescriber's review", update_fields=["status"]
        )
    return course
