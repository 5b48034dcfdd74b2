"""The numbering of a course's series: "Session N of M" counts the sessions that still hold a time."""

from __future__ import annotations

from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from clinic.audit import reason_text
from clinic.models import User
from sessions.models import Course, TreatmentSession


def renumber(course: Course, *, by: User | None) -> dict[int, int]:
    """Number the sessions that still count (not cancelled / no-show) 1..n in time order; -> pk: number.

    The sessions whose number changes are saved in one update, each with its own history row naming ``by``
    (one insert for all), however many follow a booking made in the middle of the series."""
    # Whole rows: each history row copies its session.
    sessions = list(course.sessions.holding_time().order_by("planned_start", "pk"))
    changed = []
    now = timezone.now()
    for i, session in enumerate(sessions, start=1):
        if session.number != i:
            session.number, session.updated_at = i, now
            changed.append(session)
    if changed:
        bulk_update_with_history(
            changed,
            TreatmentSession,
            ["number", "updated_at"],
            default_user=by,
            default_change_reason=reason_text("Series renumbered"),
        )
    return {session.pk: session.number for session in sessions}
