"""Phase windows: a fixed-length phase (TRD induction weeks 1–4, the MDSI 4 weeks, the IV series) runs from
its start for its weeks plus the clinic's ``phase_slip_days``. A booking moved beyond that is refused, or
allowed only by a prescriber with a reason; the course page marks such sessions out of window."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from clinic.models import ClinicSettings, User
from sessions.models import RELEASED_STATUSES, Course, ProtocolPhase, TreatmentSession


def _first_phase_id(course: Course) -> int | None:
    return course.protocol.phases.order_by("order").values_list("pk", flat=True).first()


def _anchor(course: Course, phase: ProtocolPhase, others: list[TreatmentSession], tz, first_id) -> dt.date | None:
    """The phase's first day: the course's start for its first phase, else its earliest other session."""
    if phase.pk == first_id:
        return course.start_date
    days = [s.planned_start.astimezone(tz).date() for s in others if s.phase_id == phase.pk]
    return min(days) if days else None


def window_end(
    course: Course,
    phase: ProtocolPhase,
    others: list[TreatmentSession],
    settings: ClinicSettings,
    first_id: int | None = None,
) -> dt.date | None:
    """The last day a session of ``phase`` may be on; None for an open-ended phase."""
    if phase.weeks is None:
        return None
    start = _anchor(course, phase, others, settings.tz, first_id or _first_phase_id(course))
    if start is None:
        return None
    return start + dt.timedelta(days=phase.weeks * 7 - 1 + settings.phase_slip_days)


def session_window_end(session: TreatmentSession, settings: ClinicSettings | None = None) -> dt.date | None:
    """The last day the session's phase allows it to be on (None: open-ended), for the move form."""
    settings = settings or ClinicSettings.load()
    others = list(session.course.sessions.exclude(pk=session.pk).exclude(status__in=RELEASED_STATUSES))
    return window_end(session.course, session.phase, others, settings)


def check_phase_window(*, session: TreatmentSession, start: dt.datetime, by: User, reason: str = "") -> str:
    """Refuse a move beyond the phase's window unless a prescriber gives a reason; returns the audit note
    ("" inside the window)."""
    settings = ClinicSettings.load()
    last = session_window_end(session, settings)
    day = start.astimezone(settings.tz).date()
    if last is None or day <= last:
        return ""
    beyond = (
        f"{day:%a %d %b %Y} is beyond the window of {session.phase.name} (until {last:%a %d %b %Y}: its "
        f"{session.phase.weeks} weeks and {settings.phase_slip_days} days' allowed slip)."
    )
    if not by.is_prescriber:
        raise ValidationError({"date": f"{beyond} Choose an earlier day, or ask a prescriber to move it."})
    if not reason.strip():
        raise ValidationError({"window_reason": f"{beyond} Give your reason to move it there."})
    return f"Beyond the phase window: {reason.strip()}"


def out_of_window_ids(
    course: Course, sessions: list[TreatmentSession], settings: ClinicSettings | None = None
) -> set[int]:
    """The sessions of the course (as listed, phases loaded) that sit beyond their phase's window."""
    settings = settings or ClinicSettings.load()
    held = [s for s in sessions if s.status not in RELEASED_STATUSES]
    ends: dict[int, dt.date | None] = {}
    found = set()
    first_id = _first_phase_id(course) if held else None
    for session in held:
        if session.phase_id not in ends:
            ends[session.phase_id] = window_end(course, session.phase, held, settings, first_id)
        last = ends[session.phase_id]
        if last is not None and session.planned_start.astimezone(settings.tz).date() > last:
            found.add(session.pk)
    return found
