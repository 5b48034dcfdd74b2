"""The calendar as a grid: chairs (columns, natural order) × time (15-minute rows over opening hours) for a
day, and a compact chairs × days summary for a week. Built in memory from ``calendar_days`` (no queries
of its own), so the pages keep a constant number of queries."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.utils import timezone

from sessions.models import SessionStatus, TreatmentSession
from sessions.scheduling.calendars import DEFAULT_VISIT_MINUTES, natural_key

ROW = dt.timedelta(minutes=15)


def merge(intervals: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    out: list[list[dt.datetime]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def visit_starts(a: dt.datetime, b: dt.datetime, need: dt.timedelta, tz) -> list[tuple[dt.datetime, dt.datetime, bool]]:
    """Cells of a free gap: its start, then every half hour on the clock; each cell is (start, end, fits) where
    ``fits`` says a visit of ``need`` starting there ends inside the gap. The rest of a gap too short for a
    visit is one cell that does not fit."""
    local = a.astimezone(tz)
    step = dt.timedelta(minutes=30)
    first = local.replace(minute=0, second=0, microsecond=0)
    while first <= local:
        first += step
    starts = [a]
    cursor = first
    while cursor < b:
        starts.append(cursor)
        cursor += step
    cells = []
    for i, start in enumerate(starts):
        if start + need > b:
            cells.append((start, b, False))
            break
        cells.append((start, starts[i + 1] if i + 1 < len(starts) else b, True))
    return cells


@dataclass
class Block:
    kind: str  # "session" | "free" | "short" (free but too short for a visit, or already past) | "closed"
    col: int
    row: int
    span: int
    start: dt.datetime
    end: dt.datetime
    chair: object
    session: TreatmentSession | None = None
    label: str = ""  # a closed block's words ("Closed: <the closure's reason>")
    in_closed_hours: bool = False  # a booking that sits (partly) in the closed time: the block above hides its label

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass
class DayGrid:
    chairs: list
    start: dt.datetime | None
    rows: int
    hours: list[tuple[int, dt.datetime]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    need_minutes: int = DEFAULT_VISIT_MINUTES


def _row(t: dt.datetime, start: dt.datetime) -> int:
    return 2 + int((t - start) // ROW)  # row 1 is the chairs' heading


def _span(a: dt.datetime, b: dt.datetime) -> int:
    return max(1, math.ceil((b - a) / ROW))


def _gaps(cd, day: dt.date, tz, moving: TreatmentSession | None) -> list:
    """The chair's free gaps, with the time of the booking being moved counted as free (it may move a little)."""
    if moving is None or moving.chair_id != cd.chair.pk or moving.planned_start.astimezone(tz).date() != day:
        return cd.free
    return merge([*cd.free, (moving.planned_start, moving.planned_end)])


def _closed_spans(
    start: dt.datetime, end: dt.datetime, opening: tuple[dt.datetime, dt.datetime] | None
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The grid's time outside the hours open: before opening and after closing, or all of it."""
    if opening is None:
        return [(start, end)]
    return [(a, b) for a, b in ((start, opening[0]), (opening[1], end)) if b - a >= ROW]  # not a sliver


def day_grid(
    cal,
    *,
    opening: tuple[dt.datetime, dt.datetime] | None,
    need_minutes: int,
    tz,
    moving: TreatmentSession | None = None,
    now: dt.datetime | None = None,
) -> DayGrid:
    """Place one ``CalendarDay``'s bookings and free cells on the grid."""
    now = now or timezone.now()
    chair_days = sorted(cal.chairs, key=lambda cd: natural_key(cd.chair.name))
    sessions = [s for cd in chair_days for s in cd.sessions]
    bounds = list(opening or ())
    bounds += [s.planned_start for s in sessions] + [s.planned_end for s in sessions]
    grid = DayGrid(chairs=[cd.chair for cd in chair_days], start=None, rows=0, need_minutes=need_minutes)
    if not bounds:
        return grid
    first = min(bounds).astimezone(tz)
    start = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    end = max(bounds)
    grid.start, grid.rows = start, _span(start, end)
    hour = start.replace(minute=0) if start.minute == 0 else start.replace(minute=0) + dt.timedelta(hours=1)
    while hour < end:
        grid.hours.append((_row(hour, start), hour))
        hour += dt.timedelta(hours=1)
    need = dt.timedelta(minutes=need_minutes)
    closed = _closed_spans(start, end, opening)
    label = f"Closed: {cal.closure.reason}" if getattr(cal, "closure", None) else "Closed"
    for col, cd in enumerate(chair_days, start=2):  # column 1 holds the times
        for a, b in closed:  # bookings still there outside the hours open (a closure came after them)
            grid.blocks.append(Block("closed", col, _row(a, start), _span(a, b), a, b, cd.chair, label=label))
        for s in cd.sessions:
            grid.blocks.append(
                Block(
                    "session",
                    col,
                    _row(s.planned_start, start),
                    _span(s.planned_start, s.planned_end),
                    s.planned_start,
                    s.planned_end,
                    cd.chair,
                    s,
                    in_closed_hours=any(s.planned_start < b and s.planned_end > a for a, b in closed),
                )
            )
        if not cd.chair.is_active:
            continue
        for a, b in _gaps(cd, cal.day, tz, moving):
            for cell_start, cell_end, fits in visit_starts(a, b, need, tz):
                kind = "free" if fits and cell_start > now else "short"
                grid.blocks.append(
                    Block(
                        kind, col, _row(cell_start, start), _span(cell_start, cell_end), cell_start, cell_end, cd.chair
                    )
                )
    if moving is not None:  # the booking being moved lies under the free cells of its own time
        grid.blocks.sort(key=lambda b: not (b.session is not None and b.session.pk == moving.pk))
    return grid


@dataclass
class WeekCell:
    day: dt.date
    sessions: list
    free_minutes: int
    free_visits: int

    @property
    def free_label(self) -> str:
        hours, minutes = divmod(self.free_minutes, 60)
        return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


@dataclass
class WeekRow:
    chair: object
    cells: list[WeekCell]


def week_rows(days, *, need_minutes: int) -> list[WeekRow]:
    """Chairs (natural order) × the days shown: bookings, free time and how many more visits fit."""
    chairs: dict[int, object] = {}
    for d in days:
        for cd in d.chairs:
            chairs.setdefault(cd.chair.pk, cd.chair)
    by_day = {d.day: {cd.chair.pk: cd for cd in d.chairs} for d in days}
    rows = []
    for chair in sorted(chairs.values(), key=lambda c: natural_key(c.name)):
        cells = []
        for d in days:
            cd = by_day[d.day].get(chair.pk)
            free = [int((b - a).total_seconds() // 60) for a, b in (cd.free if cd else [])]
            cells.append(WeekCell(d.day, cd.sessions if cd else [], sum(free), sum(m // need_minutes for m in free)))
        rows.append(WeekRow(chair, cells))
    for d in days:
        column = [cell for row in rows for cell in row.cells if cell.day == d.day]
        d.free_visits = sum(c.free_visits for c in column)
    return rows


def can_move(session: TreatmentSession, now: dt.datetime | None = None) -> bool:
    """Only a scheduled booking still ahead can be moved (the move service checks the rest)."""
    return session.status == SessionStatus.SCHEDULED and session.planned_start > (now or timezone.now())
