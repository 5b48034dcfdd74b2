"""The clinic's diary: opening hours, chairs and what is already booked, as slots the planner can fill.

Loaded once per planning run (a fixed number of queries), then asked in memory."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.utils import timezone

from clinic.models import Chair, ClinicSettings, OpeningHours, StaffShift
from clinic.places import Closure, hours_on
from clinic.rows import row_fields, rows_at_once_compiled
from sessions.models import ProtocolPhase, TreatmentSession

STEP = dt.timedelta(minutes=15)


def next_step(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The first quarter hour on the clinic's clock strictly after ``moment`` (the earliest start of a visit
    booked now)."""
    local = moment.astimezone(tz)
    return local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0) + STEP


@dataclass(frozen=True)
class Busy:
    session_id: int
    chair_id: int
    patient_id: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Slot:
    """One planned visit."""

    index: int
    phase: ProtocolPhase
    start: dt.datetime
    end: dt.datetime
    chair: Chair
    dose_mg: int | None = None

    def as_json(self) -> dict:
        return {
            "index": self.index,
            "phase": self.phase.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "chair": self.chair.name,
        }


def opening_rows(start: dt.date, end: dt.date, settings: ClinicSettings, *, with_rota: bool = False) -> dict[str, list]:
    """The weekly opening hours (``hours``) and the closures from ``start`` to ``end`` (``closures``), with the
    rota of those days (``shifts``) when asked, in one query (``rows_at_once``) whose SQL is compiled once per
    process: only the dates change."""
    return rows_at_once_compiled(
        ("opening", with_rota), partial(_opening_lists, with_rota=with_rota), settings=settings.pk, start=start, end=end
    )


def _opening_lists(*, settings: int, start: dt.date, end: dt.date, with_rota: bool):
    lists = {
        "hours": (OpeningHours.objects.all(), row_fields(OpeningHours)),
        "closures": (Closure.objects.filter(date__gte=start, date__lte=end), row_fields(Closure)),
    }
    if with_rota:
        lists["shifts"] = (StaffShift.objects.filter(date__gte=start, date__lte=end), row_fields(StaffShift, "staff"))
    return ClinicSettings.objects.filter(pk=settings), lists


@dataclass
class ClinicDiary:
    """Everything the planner needs, loaded once: opening hours, chairs and bookings in a window."""

    settings: ClinicSettings
    tz: dt.tzinfo
    hours: dict[int, tuple[dt.time, dt.time]]
    chairs: list[Chair]
    window_start: dt.datetime
    window_end: dt.datetime
    by_chair: dict[int, list[Busy]] = field(default_factory=lambda: defaultdict(list))
    by_patient: dict[int, list[Busy]] = field(default_factory=lambda: defaultdict(list))
    closures: dict[dt.date, Closure] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        *,
        start: dt.date,
        end: dt.date,
        ignore_session_ids: tuple[int, ...] = (),
        settings: ClinicSettings | None = None,
        chairs: list[Chair] | None = None,
        busy: list[Busy] | None = None,
        opening_hours: list[OpeningHours] | None = None,
        closures: list[Closure] | None = None,
    ) -> ClinicDiary:
        """Two queries (hours and closures together, bookings) and one more for the chairs; a page that
        already loaded the chairs (``chairs``, active ones), the bookings of the window (``busy``), or the
        weekly opening hours and the window's closures (``opening_rows``) passes them instead."""
        settings = settings or ClinicSettings.load()
        tz = settings.tz
        if opening_hours is None or closures is None:
            fixed = opening_rows(start, end, settings)
            opening_hours, closures = fixed["hours"], fixed["closures"]
        hours = {h.weekday: (h.opens, h.closes) for h in opening_hours}
        if chairs is None:
            chairs = list(Chair.objects.filter(is_active=True).order_by("name"))
        diary = cls(
            settings=settings,
            tz=tz,
            hours=hours,
            chairs=chairs,
            window_start=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            window_end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
            closures={c.date: c for c in closures},
        )
        if busy is None:
            rows = (
                TreatmentSession.objects.overlapping(diary.window_start, diary.window_end)
                .exclude(pk__in=ignore_session_ids)
                .values_list("pk", "chair_id", "patient_id", "planned_start", "planned_end")
            )
            busy = [Busy(*row) for row in rows]
        for item in busy:
            if item.session_id not in ignore_session_ids:
                diary.add(item)
        return diary

    def add(self, busy: Busy) -> None:
        self.by_chair[busy.chair_id].append(busy)
        self.by_patient[busy.patient_id].append(busy)

    def covers(self, end: dt.datetime) -> bool:
        return end <= self.window_end

    def opening(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The day's opening hours, closures and reduced hours for the date included."""
        hours = hours_on(day, self.hours, self.closures)
        if hours is None:
            return None
        return (
            dt.datetime.combine(day, hours[0], tzinfo=self.tz),
            dt.datetime.combine(day, hours[1], tzinfo=self.tz),
        )

    def usual_hours(self) -> tuple[dt.time, dt.time] | None:
        """The weekly hours most open weekdays keep (of equally common ones, the longest)."""
        if not self.hours:
            return None
        counts = Counter(self.hours.values())

        def length(hours: tuple[dt.time, dt.time]) -> dt.timedelta:
            return dt.datetime.combine(dt.date.min, hours[1]) - dt.datetime.combine(dt.date.min, hours[0])

        return max(counts, key=lambda hours: (counts[hours], length(hours), hours))

    def is_short_day(self, day: dt.date) -> bool:
        """Open that day, but opening later or closing earlier than usual (a closure for part of the day, or
        weekly hours shorter than the other days')."""
        hours, usual = hours_on(day, self.hours, self.closures), self.usual_hours()
        return hours is not None and usual is not None and (hours[0] > usual[0] or hours[1] < usual[1])

    def fits_opening_hours(self, start: dt.datetime, end: dt.datetime) -> bool:
        opening = self.opening(start.astimezone(self.tz).date())
        return opening is not None and opening[0] <= start and end <= opening[1]

    @staticmethod
    def _clash(items: list[Busy], start: dt.datetime, end: dt.datetime) -> Busy | None:
        for busy in items:
            if busy.start < end and busy.end > start:
                return busy
        return None

    def chair_clash(self, chair_id: int, start: dt.datetime, end: dt.datetime) -> Busy | None:
        return self._clash(self.by_chair.get(chair_id, []), start, end)

    def patient_clash(self, patient_id: int | None, start: dt.datetime, end: dt.datetime) -> Busy | None:
        if patient_id is None:
            return None
        return self._clash(self.by_patient.get(patient_id, []), start, end)

    def chairs_serving(self, need: str | None) -> list[Chair]:
        return [c for c in self.chairs if c.serves(need)]

    def free_chair(
        self,
        start: dt.datetime,
        end: dt.datetime,
        *,
        patient_id: int | None,
        preferred: Chair | None = None,
        need: str | None = None,
    ) -> Chair | None:
        if self.patient_clash(patient_id, start, end):
            return None
        chairs = self.chairs_serving(need)
        if preferred is not None:
            chairs = [c for c in chairs if c.pk == preferred.pk] + [c for c in chairs if c.pk != preferred.pk]
        for chair in chairs:
            if not self.chair_clash(chair.pk, start, end):
                return chair
        return None

    def free_gaps(
        self, chair: Chair, day: dt.date, *, now: dt.datetime | None = None
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Open time of one chair on one day that no booking holds, from the next quarter hour after ``now``
        on (time already past is not free: none on a day gone by, only what is left of today)."""
        opening = self.opening(day)
        if opening is None:
            return []
        cursor, close = opening
        cursor = max(cursor, next_step(now or timezone.now(), self.tz))
        gaps = []
        for busy in sorted(self.by_chair.get(chair.pk, []), key=lambda b: b.start):
            if busy.end <= cursor or busy.start >= close:
                continue
            if busy.start > cursor:
                gaps.append((cursor, busy.start))
            cursor = max(cursor, busy.end)
        if cursor < close:
            gaps.append((cursor, close))
        return gaps
