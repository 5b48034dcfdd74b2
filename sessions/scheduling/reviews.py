"""The end-of-phase review: a prescriber's decision (continue, change frequency, return to the previous
schedule, stop); the next phase is booked from it.

The review is possible only when the current phase's sessions are done (given, deferred, or missed and
cancelled, which the series already accounts for); a maintenance phase with a missed session may return to
the previous schedule at once. Stopping the course before then is its own action, ``course_stop_early``,
with the prescriber's reason."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic.audit import audited, audited_save
from clinic.models import ClinicSettings, User
from sessions.models import (
    IN_CLINIC_STATUSES,
    Course,
    CourseReview,
    CourseStatus,
    PhaseKind,
    ProtocolPhase,
    ReviewDecision,
    SessionStatus,
)
from sessions.scheduling.booking import insert_slots, renumber
from sessions.scheduling.courses import cancel_future_sessions, course_end, usable_chair
from sessions.scheduling.planning import plan_phase

REVIEWABLE = (CourseStatus.ACTIVE, CourseStatus.AWAITING_REVIEW)


def review_blocker(course: Course, *, decision: str | None = None) -> str:
    """Why the end-of-phase review cannot be recorded now; empty when it can."""
    if course.status not in REVIEWABLE:
        return f"A course that is {course.get_status_display().lower()} cannot be reviewed."
    phase = course.current_phase
    phase_sessions = course.sessions.filter(phase_id=phase.pk)
    if (
        decision == ReviewDecision.RETURN_TO_PREVIOUS
        and phase.kind == PhaseKind.MAINTENANCE
        and phase_sessions.filter(status=SessionStatus.NO_SHOW).exists()
    ):
        return ""
    still_open = list(
        phase_sessions.filter(status__in=(SessionStatus.SCHEDULED, *IN_CLINIC_STATUSES)).order_by("planned_start")
    )
    if not still_open:
        return ""
    first = still_open[0]
    when = first.planned_start.astimezone(ClinicSettings.load().tz)
    return (
        f"The review of {phase.name} is possible once its sessions are done: {len(still_open)} still scheduled "
        f"or in clinic (next: session {first.number} on {when:%a %d %b %Y %H:%M}). "
        "To stop the course now, use Stop early with your reason."
    )


def can_review(course: Course, *, decision: str | None = None) -> bool:
    return not review_blocker(course, decision=decision)


def can_stop_early(course: Course, user: User) -> bool:
    return user.is_prescriber and course.status in (*REVIEWABLE, CourseStatus.PAUSED)


@transaction.atomic
def course_stop_early(*, course: Course, by: User, reason: str) -> CourseReview:
    """A prescriber stops the course before its phase ends: recorded as a review (stop) with the reason,
    and the course ends with its upcoming sessions released."""
    if not by.is_prescriber:
        raise ValidationError("Only a prescriber can stop a course early.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for stopping the course early."})
    course = Course.objects.select_for_update().select_related("current_phase").get(pk=course.pk)
    if not can_stop_early(course, by):
        raise ValidationError(f"A course that is {course.get_status_display().lower()} cannot be stopped.")
    review = CourseReview(
        course=course,
        phase=course.current_phase,
        next_phase=None,
        decision=ReviewDecision.STOP,
        notes=f"Stopped early: {reason}",
        reviewed_by=by,
    )
    audited_save(review, by=by, reason=f"Stopped early: {reason}")
    course_end(course=course, by=by, reason=f"Stopped early by the prescriber: {reason}")
    return review


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
    blocker = review_blocker(course, decision=decision)
    if blocker:
        raise ValidationError(blocker)
    phase = course.current_phase
    if decision == ReviewDecision.STOP:
        target = None
    elif decision == ReviewDecision.RETURN_TO_PREVIOUS:
        target = phase.previous_phase()
        if target is None:
            raise ValidationError({"decision": "There is no earlier, more frequent schedule in this protocol."})
    elif decision == ReviewDecision.CHANGE_FREQUENCY:
        target = next_phase or phase.following_phase() or phase
        if not interval_weeks:
            raise ValidationError({"interval_weeks": "Give the new frequency (every how many weeks)."})
    else:
        target = next_phase or phase.following_phase()
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
    audited_save(review, by=by, reason=f"Review: {review.get_decision_display()}")
    if target is None:
        course_end(course=course, by=by, reason=f"Stopped at review: {notes.strip() or 'prescriber decision'}")
        return review

    # Continuing keeps the rest of the current phase and books the next one after it; returning to the
    # previous schedule replaces everything still ahead.
    keep = None if decision == ReviewDecision.RETURN_TO_PREVIOUS else phase
    cancel_future_sessions(
        course, by=by, reason=f"Replaced after review ({review.get_decision_display().lower()})", keep_phase=keep
    )
    renumber(course, by=by)
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
        preferred_chair=usable_chair(course),
        count=sessions_to_plan,
        interval_weeks=interval_weeks,
        after=last_day,
        first_index=len(remaining) + 1,
        first_of_course=not remaining,
    )
    insert_slots(slots, course=course, by=by, reason=f"Planned after review: {review.get_decision_display()}")
    course.current_phase = target
    course.status = CourseStatus.ACTIVE
    audited(course, by=by, reason=f"Review: {review.get_decision_display()} → {target.name}")
    course.save(update_fields=["current_phase", "status"])
    return review
