"""Staffing capacity: nurses on site × patients per nurse, and a prescriber on site for esketamine.

Works on already-loaded sessions and shifts so calendars add two queries whatever their size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from clinic.models import ClinicSettings, StaffShift


@dataclass(frozen=True)
class Visit:
    start: dt.datetime
    end: dt.datetime
    is_esketamine: bool
    label: str = ""


@dataclass(frozen=True)
class CapacityWarning:
    day: dt.date
    at: dt.datetime
    message: str
    kind: str = "over"  # "over" (too many patients per nurse) or "prescriber" (none on site)


def shifts_by_day(
    start: dt.date, end: dt.date, shifts: list[StaffShift] | None = None
) -> dict[dt.date, list[StaffShift]]:
    """The rota from ``start`` to ``end`` by day (one query, or none when the page passes the shifts it read)."""
    if shifts is None:
        shifts = list(StaffShift.objects.filter(date__gte=start, date__lte=end).select_related("staff"))
    days: dict[dt.date, list[StaffShift]] = defaultdict(list)
    for shift in shifts:
        days[shift.date].append(shift)
    return days


def _on_site(shifts: list[StaffShift], at: dt.datetime, tz) -> tuple[int, bool]:
    local = at.astimezone(tz).time()
    nurses = prescriber = 0
    for shift in shifts:
        if shift.starts <= local < shift.ends and shift.staff.is_active:
            if shift.staff.is_prescriber:
                prescriber += 1
            else:
                nurses += 1
    return nurses, prescriber > 0


def capacity_warnings(
    visits: Iterable[Visit],
    shifts: dict[dt.date, list[StaffShift]],
    settings: ClinicSettings,
) -> list[CapacityWarning]:
    """Where booked visits would exceed the staff on site; each problem reported once per day."""
    tz = settings.tz
    per_day: dict[dt.date, list[Visit]] = defaultdict(list)
    for visit in visits:
        per_day[visit.start.astimezone(tz).date()].append(visit)
    warnings: list[CapacityWarning] = []
    for day in sorted(per_day):
        day_visits = sorted(per_day[day], key=lambda v: v.start)
        day_shifts = shifts.get(day, [])
        seen: set[str] = set()
        for visit in day_visits:
            # Check at each visit's start, the moment the number of patients can grow.
            at = visit.start
            concurrent = [v for v in day_visits if v.start <= at < v.end]
            nurses, prescriber = _on_site(day_shifts, at, tz)
            # A prescriber on the floor can monitor too; count them when no nurse is there.
            monitors = nurses or (1 if prescriber else 0)
            limit = monitors * settings.patients_per_nurse
            if len(concurrent) > limit and "over" not in seen:
                seen.add("over")
                who = f"{nurses} nurse{'s' if nurses != 1 else ''} on site" if monitors else "no clinical staff on site"
                warnings.append(
                    CapacityWarning(
                        day,
                        at,
                        f"{at.astimezone(tz):%a %d %b %H:%M}: {len(concurrent)} patient{'s' if len(concurrent) != 1 else ''} "
                        f"in chairs with {who} (limit {settings.patients_per_nurse} per nurse).",
                        "over",
                    )
                )
            if visit.is_esketamine and not prescriber and "prescriber" not in seen:
                seen.add("prescriber")
                warnings.append(
                    CapacityWarning(
                        day,
                        at,
                        f"{at.astimezone(tz):%a %d %b %H:%M}: esketamine session without a prescriber on site "
                        "(SPRAVATO REMS requires one during administration and monitoring).",
                        "prescriber",
                    )
                )
    return warnings


def session_visits(sessions: Iterable) -> list[Visit]:
    """Visits from sessions loaded with ``course__protocol`` selected."""
    return [Visit(s.planned_start, s.planned_end, s.course.protocol.is_esketamine) for s in sessions]


def summarise(warnings: list[CapacityWarning], tz) -> list[str]:
    """One line per kind of problem, listing the days (for a plan preview)."""
    lines = []
    for kind, text in (
        ("prescriber", "No prescriber on site (SPRAVATO REMS requires one) on"),
        ("over", "More patients than the nurses on site may monitor on"),
    ):
        hits = [w for w in warnings if w.kind == kind]
        if hits:
            hits.sort(key=lambda w: w.at)
            days = [w.at.astimezone(tz).strftime("%a %d %b") for w in hits]
            lines.append(f"{text} {len(days)} day{'s' if len(days) != 1 else ''}: {', '.join(days)}. Check the rota.")
    return lines
