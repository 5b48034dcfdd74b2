"""Demo scheduling: courses in every phase, a full calendar this week and next, rides, no-shows.

Past sessions are written as discharged (with plausible times) so patient histories look real;
today's sessions stay scheduled for the monitoring step (order 30) to advance. Idempotent. Synthetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from clinic.demo import DemoContext, register_demo_step
from clinic.models import ClinicSettings, Patient, RemsStatus, Sex
from sessions.models import (
    Course,
    CourseReview,
    CourseStatus,
    Protocol,
    ProtocolPhase,
    ReviewDecision,
    Ride,
    RideKind,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.scheduling.diary import STEP, Busy, ClinicDiary
from sessions.scheduling.planning import visit_minutes


@dataclass
class Spec:
    patient: int
    slug: str
    weeks_ago: int  # course start relative to this week's Monday
    phases: list[int]  # how many phase orders the course has reached (1 = still in its first phase)
    time: dt.time
    status: str = CourseStatus.ACTIVE
    shift: int = 0  # 0: on today's weekday; others spread the week
    no_show_after: int | None = None  # index of a missed session
    reason: str = ""


def _weekdays(today: dt.date, per_week: int, shift: int) -> list[int]:
    """Spaced weekdays among Monday–Saturday; shift 0 puts a session on today (when open)."""
    base = (min(today.weekday(), 5) + shift) % 6
    step = 6 // max(per_week, 1)
    return sorted({(base + k * step) % 6 for k in range(per_week)})


def _dates(start: dt.date, weekdays: list[int], per_week: int, interval: int, count: int, after: dt.date | None):
    monday = start - dt.timedelta(days=start.weekday())
    used = weekdays[:per_week]
    week = 0
    out: list[dt.date] = []
    while len(out) < count and week < 200:
        if week % interval == 0:
            for wd in used:
                day = monday + dt.timedelta(weeks=week, days=wd)
                if day >= start and (after is None or day > after) and (not out or (day - out[-1]).days >= 2):
                    out.append(day)
                    if len(out) == count:
                        break
        week += 1
    return out


def _place(diary: ClinicDiary, patient_id: int, day: dt.date, time: dt.time, minutes: int, need: str | None):
    opening = diary.opening(day)
    if opening is None:
        return None
    length = dt.timedelta(minutes=minutes)
    first = max(opening[0], dt.datetime.combine(day, time, tzinfo=diary.tz))
    candidates = []
    t = first
    while t + length <= opening[1]:
        candidates.append(t)
        t += STEP
    t = first - STEP
    while t >= opening[0]:
        candidates.append(t)
        t -= STEP
    for start in candidates:
        end = start + length
        chair = diary.free_chair(start, end, patient_id=patient_id, need=need)
        if chair is not None:
            diary.add(Busy(0, chair.pk, patient_id, start, end))
            return start, end, chair
    return None


SPECS = [
    Spec(0, "esketamine-trd", 1, [1], dt.time(9), no_show_after=1),
    Spec(1, "esketamine-trd", 6, [1, 2], dt.time(10), shift=1),
    Spec(2, "esketamine-trd", 14, [1, 2, 3], dt.time(11), no_show_after=13, shift=2),
    Spec(3, "esketamine-mdsi", 2, [1], dt.time(8), shift=1),
    Spec(4, "esketamine-trd", 4, [1], dt.time(12), status=CourseStatus.AWAITING_REVIEW, shift=2),
    Spec(5, "esketamine-trd", 3, [1], dt.time(9), status=CourseStatus.PAUSED, reason="Travelling for a family event"),
    Spec(
        6, "esketamine-trd", 12, [1], dt.time(13), status=CourseStatus.ENDED, reason="No response at end of induction"
    ),
    Spec(7, "iv-ketamine", 1, [1], dt.time(10), shift=1),
    Spec(8, "esketamine-trd", 0, [1], dt.time(8)),
    Spec(9, "esketamine-mdsi", 0, [1], dt.time(14), shift=2),
    Spec(10, "iv-ketamine", 0, [1], dt.time(13)),
    Spec(11, "iv-ketamine", 6, [1, 2], dt.time(9), shift=3),
    # Extra patients (no portal login) who fill the calendar of this week and the next.
    Spec(12, "esketamine-trd", 2, [1], dt.time(8, 30), shift=1),
    Spec(13, "esketamine-trd", 1, [1], dt.time(10, 30), shift=2),
    Spec(14, "esketamine-trd", 7, [1, 2], dt.time(12), shift=3),
    Spec(15, "esketamine-mdsi", 1, [1], dt.time(11), shift=0),
    Spec(16, "iv-ketamine", 0, [1], dt.time(8), shift=3),
    Spec(17, "esketamine-trd", 3, [1], dt.time(13), shift=4),
    Spec(18, "esketamine-trd", 0, [1], dt.time(10), shift=0),
    Spec(19, "esketamine-trd", 6, [1, 2], dt.time(14), shift=4),
]

EXTRA = [
    ("Blake", "Ashford"),
    ("Cameron", "Birchwood"),
    ("Devon", "Carrow"),
    ("Ellis", "Dunmore"),
    ("Frankie", "Elsworth"),
    ("Gray", "Fenwick"),
    ("Hollis", "Garland"),
    ("Indigo", "Hartwell"),
]


def _extra_patients(ctx: DemoContext) -> list[Patient]:
    made = []
    for i, (first, last) in enumerate(EXTRA):
        patient, _ = Patient.objects.get_or_create(
            first_name=first,
            last_name=last,
            defaults={
                "date_of_birth": dt.date(1960 + i * 4, 1 + i, 3 + i),
                "sex": [Sex.FEMALE, Sex.MALE, Sex.OTHER][i % 3],
                "phone": f"+1 555 0152 {200 + i}",
                "email": f"{first.lower()}.{last.lower()}@example.org",
                "usual_ride_name": f"{EXTRA[(i + 3) % len(EXTRA)][0]} {last}" if i % 3 else "",
                "usual_ride_phone": f"+1 555 0153 {200 + i}" if i % 3 else "",
                "weight_kg": 60 + i * 5,
                "rems_status": RemsStatus.ENROLLED,
                "rems_enrolled_on": ctx.today - dt.timedelta(days=60 + i),
                "rems_patient_id": f"DEMO-PT-{2000 + i}",
                "contraindications_screened_on": ctx.today - dt.timedelta(days=60),
            },
        )
        made.append(patient)
    return made


@register_demo_step(20, "courses, calendar, rides and no-shows")
def seed_scheduling(ctx: DemoContext) -> None:
    if not ctx.patients or Course.objects.filter(patient__in=ctx.patients).exists():
        return
    settings = ClinicSettings.load()
    tz = settings.tz
    today = ctx.today
    monday = today - dt.timedelta(days=today.weekday())
    diary = ClinicDiary.load(
        start=monday - dt.timedelta(weeks=16), end=monday + dt.timedelta(weeks=16), settings=settings
    )
    nurse = ctx.users.get("nurse")
    prescriber = ctx.users["prescriber"]
    admin = ctx.users.get("admin")
    protocols = {p.slug: p for p in Protocol.objects.prefetch_related("phases")}
    patients = list(ctx.patients) + _extra_patients(ctx)

    for spec in SPECS:
        if spec.patient >= len(patients):
            continue
        patient = patients[spec.patient]
        protocol = protocols[spec.slug]
        phases: list[ProtocolPhase] = sorted(protocol.phases.all(), key=lambda p: p.order)
        reached = [p for p in phases if p.order in spec.phases]
        first = reached[0]
        weekdays = _weekdays(today, first.sessions_per_week, spec.shift)
        start = monday - dt.timedelta(weeks=spec.weeks_ago)
        course = Course(
            patient=patient,
            protocol=protocol,
            prescriber=prescriber,
            start_date=start,
            preferred_weekdays=",".join(map(str, weekdays)),
            preferred_time=spec.time,
            current_phase=reached[-1],
            status=spec.status,
            status_reason=spec.reason,
            created_by=admin,
        )
        course.save()

        sessions: list[TreatmentSession] = []
        after = None
        held = 0
        index = 0
        for phase in reached:
            count = phase.planned_session_count or 8
            if spec.no_show_after is not None and index <= spec.no_show_after < index + count:
                count += 1  # the missed session is made up at the end of the phase
            interval = phase.interval_weeks
            days = _dates(
                after + dt.timedelta(days=1) if after else start,
                weekdays,
                phase.sessions_per_week,
                interval,
                count,
                after,
            )
            minutes = visit_minutes(phase, settings)
            for day in days:
                if spec.status == CourseStatus.PAUSED and day >= today:
                    break
                if spec.status == CourseStatus.ENDED and day >= today:
                    break
                placed = _place(diary, patient.pk, day, spec.time, minutes, course.protocol.chair_need)
                if placed is None:
                    continue
                s_start, s_end, chair = placed
                missed = spec.no_show_after is not None and index == spec.no_show_after and day < today
                past = day < today
                dose = phase.default_dose_mg
                if held == 0 and phase.first_dose_mg:
                    dose = phase.first_dose_mg
                session = TreatmentSession(
                    course=course,
                    patient=patient,
                    phase=phase,
                    chair=chair,
                    number=held + 1,
                    planned_start=s_start,
                    planned_end=s_end,
                    planned_dose_mg=dose,
                    created_by=admin,
                )
                if missed:
                    session.status = SessionStatus.NO_SHOW
                    session.status_reason = "Did not attend; no answer by phone"
                elif past:
                    session.status = SessionStatus.DISCHARGED
                    session.checked_in_at = s_start + dt.timedelta(minutes=4)
                    session.first_dose_at = s_start + dt.timedelta(minutes=22)
                    observed = minutes - phase.checkin_minutes - phase.dosing_minutes - phase.turnover_minutes
                    session.discharged_at = session.first_dose_at + dt.timedelta(minutes=observed + 6)
                    session.discharged_by = nurse
                    session.signed_at = session.discharged_at
                    if protocol.is_esketamine:
                        session.dose_given_mg = Decimal(dose or 56)
                    else:
                        session.dose_given_mg = (Decimal(patient.weight_kg or 70) * Decimal("0.5")).quantize(
                            Decimal("0.1")
                        )
                        session.infusion_minutes = 40
                    held += 1
                else:
                    held += 1
                sessions.append(session)
                index += 1
            after = max((s.planned_start.astimezone(tz).date() for s in sessions), default=after)
        sessions = bulk_create_with_history(
            sessions, TreatmentSession, default_user=admin, default_change_reason="Demo"
        )

        rides = []
        for n, session in enumerate(sessions):
            ride = Ride(session=session, kind=RideKind.COMPANION)
            if session.status == SessionStatus.DISCHARGED:
                ride.driver_name = patient.usual_ride_name or f"Taxi (arranged) for {patient.first_name}"
                ride.kind = RideKind.COMPANION if patient.usual_ride_name else RideKind.ARRANGED
                ride.driver_phone = patient.usual_ride_phone
                ride.status = RideStatus.CONFIRMED
                ride.confirmed_at = session.planned_start - dt.timedelta(days=1)
                ride.arrived_at = session.discharged_at
            elif patient.usual_ride_name:
                ride.driver_name, ride.driver_phone = patient.usual_ride_name, patient.usual_ride_phone
                # Some upcoming rides confirmed, others only planned (they show on the rides list).
                confirmed = (n + spec.patient) % 3 == 0
                ride.status = RideStatus.CONFIRMED if confirmed else RideStatus.PLANNED
                ride.confirmed_at = session.planned_start - dt.timedelta(days=2) if confirmed else None
            else:
                ride.status = RideStatus.MISSING
            rides.append(ride)
        bulk_create_with_history(rides, Ride, default_user=admin, default_change_reason="Demo")

        # Reviews for courses that moved past their first phase (and for the stopped one).
        for prev, nxt in zip(reached, reached[1:], strict=False):
            CourseReview.objects.create(
                course=course,
                phase=prev,
                next_phase=nxt,
                decision=ReviewDecision.CONTINUE,
                notes="PHQ-9 improved by more than half; tolerating well.",
                reviewed_by=prescriber,
            )
        if spec.status == CourseStatus.ENDED:
            CourseReview.objects.create(
                course=course,
                phase=first,
                decision=ReviewDecision.STOP,
                notes="No meaningful change in PHQ-9 after induction.",
                reviewed_by=prescriber,
            )
