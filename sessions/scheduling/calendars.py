"""Reads for the calendars, the day board and the portal: a fixed number of queries per page."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from clinic.compiled import compiled_rows
from clinic.models import Chair, ClinicSettings, StaffShift
from clinic.places import Closure
from sessions.billing.authorisations import patient_has_authorisation
from sessions.models import (
    RELEASED_STATUSES,
    Protocol,
    ProtocolPhase,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.models.scheduling import MAX_VISIT
from sessions.scheduling.capacity import CapacityWarning, capacity_warnings, session_visits, shifts_by_day
from sessions.scheduling.diary import Busy, ClinicDiary, opening_rows
from sessions.scheduling.planning import visit_minutes

DEFAULT_VISIT_MINUTES = 60


def natural_key(name: str) -> list:
    """Sort "Chair 2" before "Chair 10": digits compare as numbers."""
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name or "")]


def with_series(qs):
    """Annotate ``series_total``: how many sessions of the course still count (for "Session N of M")."""
    totals = (
        TreatmentSession.objects.filter(course=OuterRef("course"))
        .exclude(status__in=RELEASED_STATUSES)
        .order_by()
        .values("course")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return qs.annotate(series_total=Coalesce(Subquery(totals, output_field=IntegerField()), 0))


def board_sessions(qs=None):
    qs = TreatmentSession.objects.all() if qs is None else qs
    return with_series(qs.with_related().select_related("course__prescriber"))


def day_bounds(day: dt.date, tz) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


@dataclass
class ChairDay:
    chair: Chair
    sessions: list = field(default_factory=list)
    free: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)

    def timeline(self) -> list[dict]:
        """Sessions and free gaps in time order (the template shows both)."""
        items = [{"kind": "session", "start": s.planned_start, "session": s} for s in self.sessions]
        items += [
            {"kind": "free", "start": a, "end": b, "minutes": int((b - a).total_seconds() // 60)} for a, b in self.free
        ]
        return sorted(items, key=lambda i: i["start"])


@dataclass
class CalendarDay:
    day: dt.date
    is_open: bool
    chairs: list[ChairDay]
    warnings: list[CapacityWarning]
    opening: tuple[dt.datetime, dt.datetime] | None = None
    free_visits: int = 0  # set by the week grid
    closure: Closure | None = None  # the date's closure or reduced hours (its reason is shown)
    short: bool = False  # open fewer hours than usual (the week's header gives the hours)

    @property
    def count(self) -> int:
        return sum(len(c.sessions) for c in self.chairs)

    @property
    def hours_label(self) -> str:
        """The hours open that day ("08:00–12:00"), empty when closed."""
        if self.opening is None:
            return ""
        opens, closes = self.opening
        return f"{opens:%H:%M}–{closes:%H:%M}"


@dataclass
class CalendarChoices:
    """The chairs and protocols a calendar page shows, lists and filters by, loaded once (two queries): the
    grid, the filter form and the free-slot form all read these lists instead of querying again."""

    chairs: list[Chair]  # every chair, natural order (inactive ones keep their past bookings visible)
    phases: list[ProtocolPhase]  # every phase, its protocol selected

    @property
    def active_chairs(self) -> list[Chair]:
        return [c for c in self.chairs if c.is_active]

    @property
    def protocols(self) -> list[Protocol]:
        """Protocols with a phase (a protocol without one has no visit to book or show), by name."""
        unique = {p.protocol_id: p.protocol for p in self.phases}
        return sorted(unique.values(), key=lambda p: (p.name.casefold(), p.pk))

    @property
    def active_protocols(self) -> list[Protocol]:
        return [p for p in self.protocols if p.is_active]

    def first_phase(self, protocol: Protocol) -> ProtocolPhase | None:
        phases = [p for p in self.phases if p.protocol_id == protocol.pk]
        return min(phases, key=lambda p: p.order) if phases else None

    def shortest_visit_minutes(self, settings: ClinicSettings) -> int:
        """The shortest chair time of any active protocol's phase: a free gap shorter than this fits no visit."""
        minutes = [visit_minutes(p, settings) for p in self.phases if p.protocol.is_active]
        return min(minutes) if minutes else DEFAULT_VISIT_MINUTES


def calendar_choices() -> CalendarChoices:
    """Two queries: the chairs, and the phases with their protocols."""
    chairs = sorted(Chair.objects.all(), key=lambda c: (natural_key(c.name), c.pk))
    phases = list(ProtocolPhase.objects.select_related("protocol").order_by("protocol_id", "order"))
    return CalendarChoices(chairs, phases)


def hours_closures_rota(start: dt.date, end: dt.date, settings: ClinicSettings) -> dict[str, list]:
    """The weekly opening hours, the closures and the rota from ``start`` to ``end``, in one query."""
    return opening_rows(start, end, settings, with_rota=True)


def _window_rows(*, first: dt.datetime, last: dt.datetime, since: dt.datetime):
    """The bookings that overlap the window, with what a calendar shows of them."""
    qs = board_sessions(TreatmentSession.objects.overlapping(first, last, since=since))
    return qs.annotate(has_authorisation=patient_has_authorisation()).order_by("planned_start", "pk")


def calendar_days(
    start: dt.date,
    days: int,
    *,
    shown: Q | None = None,
    settings: ClinicSettings | None = None,
    chairs: list[Chair] | None = None,
    now: dt.datetime | None = None,
) -> list[CalendarDay]:
    """Days by chair with sessions, free time and capacity warnings.

    ``shown`` (a filter) picks the sessions shown; free time still counts every booking, and starts from
    ``now`` (the hours already past are not free). Three queries whatever
    the number of days, chairs or sessions (the sessions; opening hours, closures and the rota together; the
    chairs unless the page passes the ones it loaded): the window's bookings are read once, with what the page
    shows of them (and whether their patient has a prior authorisation), and the diary's free time is worked
    out from the same rows."""
    settings = settings or ClinicSettings.load()
    tz = settings.tz
    now = now or timezone.now()
    end = start + dt.timedelta(days=days - 1)
    first, _ = day_bounds(start, tz)
    _, last = day_bounds(end, tz)
    if chairs is None:
        chairs = sorted(Chair.objects.all(), key=lambda c: (natural_key(c.name), c.pk))
    if shown:
        qs = _window_rows(first=first, last=last, since=first - MAX_VISIT)
        window = list(qs.annotate(shown=ExpressionWrapper(shown, output_field=BooleanField())))
    else:  # the unfiltered calendar, its SQL compiled once per process: only the window changes
        window = compiled_rows("calendar_window", _window_rows, first=first, last=last, since=first - MAX_VISIT)
    busy = [Busy(s.pk, s.chair_id, s.patient_id, s.planned_start, s.planned_end) for s in window]
    sessions = [s for s in window if s.planned_start >= first and (not shown or s.shown)]
    active = sorted((c for c in chairs if c.is_active), key=lambda c: c.name)  # the diary's order
    fixed = hours_closures_rota(start, end, settings)
    diary = ClinicDiary.load(
        start=start,
        end=end,
        settings=settings,
        chairs=active,
        busy=busy,
        opening_hours=fixed["hours"],
        closures=fixed["closures"],
    )
    shifts = shifts_by_day(start, end, fixed["shifts"])
    warnings = capacity_warnings(session_visits(sessions), shifts, settings)
    by_day_chair: dict[tuple[dt.date, int], list] = defaultdict(list)
    for s in sessions:
        by_day_chair[(s.planned_start.astimezone(tz).date(), s.chair_id)].append(s)
    result = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        is_open = diary.opening(day) is not None
        chair_days = []
        for chair in chairs:
            day_sessions = by_day_chair.get((day, chair.pk), [])
            if not chair.is_active and not day_sessions:
                continue
            free = diary.free_gaps(chair, day, now=now) if chair.is_active else []
            chair_days.append(ChairDay(chair, day_sessions, free))
        result.append(
            CalendarDay(
                day,
                is_open,
                chair_days,
                [w for w in warnings if w.day == day],
                diary.opening(day),
                closure=diary.closures.get(day),
                short=diary.is_short_day(day),
            )
        )
    return result


def unconfirmed_rides(days: int = 2, settings: ClinicSettings | None = None):
    """Sessions in the next ``days`` days (today included) whose ride home is not confirmed."""
    settings = settings or ClinicSettings.load()
    today = timezone.localdate(timezone=settings.tz)
    first, _ = day_bounds(today, settings.tz)
    _, last = day_bounds(today + dt.timedelta(days=days), settings.tz)
    return (
        board_sessions()
        .filter(planned_start__gte=max(first, timezone.now() - dt.timedelta(hours=4)), planned_start__lt=last)
        .exclude(status__in=RELEASED_STATUSES)
        .exclude(status="discharged")
        .exclude(ride__status=RideStatus.CONFIRMED)
        .order_by("planned_start")
    )


def on_site_today(settings: ClinicSettings) -> list[StaffShift]:
    return list(
        StaffShift.objects.filter(date=timezone.localdate(timezone=settings.tz))
        .select_related("staff")
        .order_by("starts")
    )


def board_for_day(sessions: list[TreatmentSession]) -> dict:
    """The staff day board: the day's sessions (read by the page's one selector of the day, with
    ``board_sessions``' related rows and ``series_total``) grouped by chair; one query, the chairs."""
    chairs = {c.pk: c for c in Chair.objects.order_by("name")}
    grouped: dict[int, list] = {pk: [] for pk, c in chairs.items() if c.is_active}
    for s in sessions:
        if s.status != SessionStatus.CANCELLED:
            grouped.setdefault(s.chair_id, []).append(s)
    rows = [(chairs[pk], items) for pk, items in grouped.items()]
    rows.sort(key=lambda r: natural_key(r[0].name))
    return {
        "rows": rows,
        "count": sum(1 for items in grouped.values() for s in items if s.status != SessionStatus.NO_SHOW),
    }
