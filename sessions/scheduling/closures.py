"""Bookings that a closure day or reduced hours no longer fit: listed for the admin to move (the closures
page), and no reminder is sent for them. The closures themselves are the clinic's (``clinic.places``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.models import ClinicSettings, OpeningHours
from clinic.places import Closure, closures_between, hours_on
from sessions.models import SessionStatus, TreatmentSession


def bookings_hit_by_closures(now: dt.datetime | None = None) -> list[tuple[TreatmentSession, Closure]]:
    """Scheduled bookings from now on whose day is closed, or that fall outside its reduced hours."""
    now = now or timezone.now()
    tz = ClinicSettings.load().tz
    today = now.astimezone(tz).date()
    closures = {c.date: c for c in Closure.objects.filter(date__gte=today)}
    if not closures:
        return []
    weekly = {h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.all()}
    first, last = min(closures), max(closures)
    sessions = (
        TreatmentSession.objects.with_related()
        .filter(
            status=SessionStatus.SCHEDULED,
            planned_start__gt=now,
            planned_start__gte=dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            planned_start__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
        )
        .order_by("planned_start")
    )
    hit = []
    for session in sessions:
        day = session.planned_start.astimezone(tz).date()
        if day in closures and not _fits(session, day, weekly, closures, tz):
            hit.append((session, closures[day]))
    return hit


def _fits(session: TreatmentSession, day: dt.date, weekly, closures, tz) -> bool:
    hours = hours_on(day, weekly, closures)
    if hours is None:
        return False
    start, end = session.planned_start.astimezone(tz), session.planned_end.astimezone(tz)
    return dt.datetime.combine(day, hours[0], tzinfo=tz) <= start and end <= dt.datetime.combine(
        day, hours[1], tzinfo=tz
    )


def is_hit_by_closure(session: TreatmentSession) -> bool:
    """Whether a closure on the booking's day no longer fits it (no reminder is sent for it)."""
    tz = ClinicSettings.load().tz
    day = session.planned_start.astimezone(tz).date()
    closures = closures_between(day, day)
    if not closures:
        return False
    weekly = {h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.filter(weekday=day.weekday())}
    return not _fits(session, day, weekly, closures, tz)
