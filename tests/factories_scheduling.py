"""Helpers for scheduling tests: a clinic with opening hours and chairs, and frozen clinic time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from clinic.models import Chair, OpeningHours

from .factories import ChairFactory, open_weekdays

NY = zoneinfo.ZoneInfo("America/New_York")
# A Monday morning before the clinic opens.
MONDAY = dt.date(2030, 1, 7)
NOW = dt.datetime(2030, 1, 7, 7, 0, tzinfo=NY)


def clinic(chairs: int = 2) -> list[Chair]:
    open_weekdays(dt.time(8), dt.time(18))
    OpeningHours.objects.filter(weekday__gt=4).delete()
    return [ChairFactory(name=f"Chair {i}") for i in range(1, chairs + 1)]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


def ensure_protocols() -> None:
    """Transactional tests flush the database afterwards, data-migration rows included: put them back."""
    from sessions.models import Protocol, ProtocolPhase
    from sessions.scheduling.protocols import install_protocols

    install_protocols(Protocol, ProtocolPhase)


def finish_phase(course) -> None:
    """Every open session of the course's current phase given (as if discharged): its review may follow."""
    from sessions.models import SessionStatus

    course.refresh_from_db()
    course.sessions.filter(phase_id=course.current_phase_id, status=SessionStatus.SCHEDULED).update(
        status=SessionStatus.DISCHARGED
    )
    course.refresh_from_db()
