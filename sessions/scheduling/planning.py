"""The course planner: turns a protocol phase into concrete chair bookings, saving nothing.

Rules: each visit fits inside the day's opening hours, sits in an active chair that is free for the
whole visit, never overlaps another visit of the same patient, and keeps the phase's minimum days
between sessions. Planning loads its data once (settings, opening hours, chairs, the bookings in the
window) and then works in memory, so it runs the same few SQL queries whatever the series' length.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from clinic.models import Chair, ClinicSettings, Patient, Weekday
from clinic.places import Capability
from sessions.models import PhaseKind, ProtocolPhase
from sessions.scheduling.diary import STEP, Busy, ClinicDiary, Slot

OPEN_ENDED_DEFAULT_SESSIONS = 6


WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekdays(value: str) -> list[int]:
    """'mon,thu' or '0,3' -> [0, 3]."""
    days = []
    for part in value.replace(" ", "").lower().split(","):
        if not part:
            continue
        if part.isdigit() and int(part) < 7:
            days.append(int(part))
        elif part[:3] in WEEKDAY_CODES:
            days.append(WEEKDAY_CODES.index(part[:3]))
        else:
            raise ValidationError(f"'{part}' is not a weekday; use mon, tue, wed, thu, fri, sat or sun.")
    return sorted(set(days))


def weekday_names(days: list[int]) -> str:
    return "/".join(Weekday(d).label[:3] for d in days)


def visit_minutes(phase: ProtocolPhase, settings: ClinicSettings) -> int:
    """How long a visit holds its chair; esketamine observation never below the clinic's minimum."""
    observation = phase.observation_minutes
    if phase.protocol.is_esketamine:
        observation = max(observation, settings.esketamine_observation_minutes)
    return phase.checkin_minutes + phase.dosing_minutes + observation + phase.turnover_minutes


def min_days_between(phase: ProtocolPhase, settings: ClinicSettings) -> int:
    if phase.kind == PhaseKind.INDUCTION:
        return max(phase.min_days_between, settings.min_days_between_induction)
    return phase.min_days_between


def _candidate_starts(diary: ClinicDiary, day: dt.date, preferred: dt.time, length: dt.timedelta):
    """The preferred time first, then later times in 15-minute steps, then earlier ones."""
    opening = diary.opening(day)
    if opening is None:
        return
    opens, closes = opening
    first = dt.datetime.combine(day, preferred, tzinfo=diary.tz)
    t = first
    while t + length <= closes:
        if t >= opens:
            yield t
        t += STEP
    t = first - STEP
    while t >= opens:
        if t + length <= closes:
            yield t
        t -= STEP


def cannot_serve(chair: Chair, need: str | None) -> str:
    what = Capability(need).label.lower() if need else "this visit"
    return f"{chair.name} cannot serve {what}; choose a chair that can (Chairs page: what each chair serves)."


def check_patient_may_book(patient: Patient | None, phase: ProtocolPhase) -> None:
    if patient is None:
        return
    if patient.is_archived:
        raise ValidationError({"patient": "This patient is archived; restore the record before booking."})
    if phase.protocol.is_esketamine and not patient.is_rems_enrolled:
        raise ValidationError(
            {
                "patient": f"{patient.full_name} is not enrolled in the SPRAVATO REMS "
                f"({patient.get_rems_status_display().lower()}); esketamine cannot be booked until enrolment."
            }
        )
    blocking = patient.contraindications()
    if blocking:
        raise ValidationError(
            {"patient": f"Contraindication on record ({', '.join(blocking)}): treatment cannot be booked."}
        )


def check_weekdays(diary: ClinicDiary, phase: ProtocolPhase, weekdays: list[int], time: dt.time, minutes: int) -> None:
    per_week = phase.sessions_per_week
    if not weekdays:
        raise ValidationError({"weekdays": "Choose at least one weekday."})
    if len(weekdays) < per_week:
        raise ValidationError({"weekdays": f"{phase.name} has {per_week} sessions a week: choose {per_week} weekdays."})
    used = weekdays[:per_week]
    for day in used:
        hours = diary.hours.get(day)
        if hours is None:
            raise ValidationError({"weekdays": f"The clinic is closed on {Weekday(day).label}."})
        start = dt.datetime.combine(dt.date(2000, 1, 3 + day), time)
        end = start + dt.timedelta(minutes=minutes)
        if start.time() < hours[0] or end.date() != start.date() or end.time() > hours[1]:
            raise ValidationError(
                {
                    "time": f"Outside opening hours: on {Weekday(day).label} the clinic is open "
                    f"{hours[0]:%H:%M}–{hours[1]:%H:%M}, and a {minutes}-minute visit from {time:%H:%M} "
                    f"ends at {end:%H:%M}."
                }
            )
    if len(used) > 1:
        need = min_days_between(phase, diary.settings)
        gaps = [b - a for a, b in zip(used, used[1:], strict=False)] + [used[0] + 7 - used[-1]]
        if min(gaps) < need:
            raise ValidationError(
                {
                    "weekdays": f"{weekday_names(used)} leaves only {min(gaps)} day(s) between sessions; "
                    f"{phase.name} needs at least {need} (e.g. Mon/Thu or Tue/Fri)."
                }
            )


# How far ahead a series may start (far-off dates would also overflow the date arithmetic).
PLANNING_REACH = dt.timedelta(days=366 * 2)  # how far ahead a course or a search may be planned


def plan_phase(
    *,
    phase: ProtocolPhase,
    start_date: dt.date,
    weekdays: list[int],
    time: dt.time,
    patient: Patient | None = None,
    preferred_chair: Chair | None = None,
    count: int | None = None,
    interval_weeks: int | None = None,
    after: dt.date | None = None,
    first_index: int = 1,
    first_of_course: bool = True,
    ignore_session_ids: tuple[int, ...] = (),
    diary: ClinicDiary | None = None,
) -> list[Slot]:
    """The concrete sessions ``phase`` would book, or a ValidationError naming what is wrong."""
    now = timezone.now()
    settings = diary.settings if diary else ClinicSettings.load()
    if start_date < now.astimezone(settings.tz).date():
        raise ValidationError({"start_date": "The start date is in the past; choose today or a later day."})
    if start_date > now.astimezone(settings.tz).date() + PLANNING_REACH:
        raise ValidationError({"start_date": "Plans start within the next two years; choose an earlier day."})
    if preferred_chair is not None and not preferred_chair.is_active:
        raise ValidationError({"preferred_chair": f"{preferred_chair.name} is inactive; choose an active chair."})
    need = phase.protocol.chair_need
    if preferred_chair is not None and not preferred_chair.serves(need):
        raise ValidationError({"preferred_chair": cannot_serve(preferred_chair, need)})
    check_patient_may_book(patient, phase)
    count = count or phase.planned_session_count or OPEN_ENDED_DEFAULT_SESSIONS
    interval = interval_weeks or phase.interval_weeks
    per_week = phase.sessions_per_week
    weeks_needed = -(-count // per_week) * (interval if per_week == 1 else 1)
    horizon = start_date + dt.timedelta(weeks=weeks_needed * 2 + 8)
    if diary is None:
        diary = ClinicDiary.load(
            start=start_date, end=horizon, ignore_session_ids=ignore_session_ids, settings=settings
        )
    if not diary.chairs_serving(need):
        raise ValidationError("There is no active chair that can serve this protocol to book.")
    minutes = visit_minutes(phase, settings)
    length = dt.timedelta(minutes=minutes)
    check_weekdays(diary, phase, weekdays, time, minutes)
    spacing = min_days_between(phase, settings)
    used = weekdays[:per_week]

    slots: list[Slot] = []
    previous = after
    monday = start_date - dt.timedelta(days=start_date.weekday())
    week = 0
    patient_id = patient.pk if patient else None
    while len(slots) < count:
        week_start = monday + dt.timedelta(weeks=week)
        if week_start > horizon:
            raise ValidationError(
                f"Only {len(slots)} of {count} sessions fit before {horizon:%Y-%m-%d}: the chairs are full. "
                "Try other weekdays, another time or a later start."
            )
        if week % interval == 0:
            for wd in used:
                day = week_start + dt.timedelta(days=wd)
                if day < start_date or (previous and (day - previous).days < spacing):
                    continue
                slot_start = chair = None
                for candidate in _candidate_starts(diary, day, time, length):
                    if candidate <= now:
                        continue
                    chair = diary.free_chair(
                        candidate, candidate + length, patient_id=patient_id, preferred=preferred_chair, need=need
                    )
                    if chair is not None:
                        slot_start = candidate
                        break
                if slot_start is None:
                    continue
                index = first_index + len(slots)
                dose = phase.default_dose_mg
                if first_of_course and not slots and phase.first_dose_mg:
                    dose = phase.first_dose_mg
                slot = Slot(index, phase, slot_start, slot_start + length, chair, dose)
                slots.append(slot)
                diary.add(Busy(0, chair.pk, patient_id or -1, slot.start, slot.end))
                previous = day
                if len(slots) == count:
                    break
        week += 1
    return slots


def next_free_slots(
    *,
    phase: ProtocolPhase,
    after: dt.datetime,
    patient: Patient | None = None,
    chair: Chair | None = None,
    limit: int = 5,
    keep_away_from: list[dt.date] | None = None,
    spacing_days: int = 0,
    ignore_session_ids: tuple[int, ...] = (),
    days: int = 42,
    one_per_day: bool = False,
    diary: ClinicDiary | None = None,
    active_chairs: list[Chair] | None = None,
) -> list[Slot]:
    """The first free visits after ``after`` (optionally in one chair, keeping days away from others).
    ``active_chairs``: the active chairs when the page already read them (no query for them then).

    Offers are at least an hour apart (or on different days with ``one_per_day``) so they are real choices.
    """
    now = timezone.now()
    after = max(after, now)
    settings = diary.settings if diary else ClinicSettings.load()
    start_day = after.astimezone(settings.tz).date()
    if diary is None:
        diary = ClinicDiary.load(
            start=start_day,
            end=start_day + dt.timedelta(days=days),
            ignore_session_ids=ignore_session_ids,
            settings=settings,
            chairs=None if active_chairs is None else sorted(active_chairs, key=lambda c: c.name),
        )
    length = dt.timedelta(minutes=visit_minutes(phase, settings))
    chairs = [c for c in ([chair] if chair is not None else diary.chairs) if c.serves(phase.protocol.chair_need)]
    keep_away_from = keep_away_from or []
    patient_id = patient.pk if patient else None
    found: list[Slot] = []
    for offset in range(days):
        day = start_day + dt.timedelta(days=offset)
        if any(abs((day - other).days) < spacing_days for other in keep_away_from):
            continue
        opening = diary.opening(day)
        if opening is None:
            continue
        t = opening[0]
        while t + length <= opening[1] and len(found) < limit:
            hit = False
            if t > after and not diary.patient_clash(patient_id, t, t + length):
                for c in chairs:
                    if c.is_active and not diary.chair_clash(c.pk, t, t + length):
                        found.append(Slot(len(found) + 1, phase, t, t + length, c, phase.default_dose_mg))
                        hit = True
                        break
            if hit and one_per_day:
                break
            t += dt.timedelta(hours=1) if hit else STEP
        if len(found) >= limit:
            break
    return found
