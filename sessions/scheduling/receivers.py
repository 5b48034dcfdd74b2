"""Scheduling's signal receivers: a finished phase waits for the prescriber's review."""

from django.dispatch import receiver

from sessions.models import IN_CLINIC_STATUSES, Course, CourseStatus, SessionStatus
from sessions.signals import session_discharged


@receiver(session_discharged, dispatch_uid="scheduling_phase_end")
def phase_end_awaits_review(sender, session, by=None, **kwargs) -> None:
    """After the last session of the course's current phase, the course awaits its review."""
    course = Course.objects.select_for_update().get(pk=session.course_id)
    if course.status != CourseStatus.ACTIVE or session.phase_id != course.current_phase_id:
        return
    still_open = course.sessions.filter(
        phase_id=course.current_phase_id, status__in=(SessionStatus.SCHEDULED, *IN_CLINIC_STATUSES)
    ).exclude(pk=session.pk)
    if not still_open.exists():
        course.status = CourseStatus.AWAITING_REVIEW
        course._change_reason = "Phase completed: awaiting the prescriber's review"
        course.save(update_fields=["status"])
