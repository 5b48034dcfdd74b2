"""Concurrency drills through the real services, each thread on its own database connection.

* ``booking_drill``: many simultaneous ``booking.session_book`` calls over a few chairs and start times;
  exactly one may win each (chair, time), nothing may overlap, and no call may fail other than with
  the booking service's own refusal.
* ``readings_drill``: many nurses recording vitals on one session at once; every reading is kept.

Used by ``scripts/concurrency_drill.py`` (the full drill on a throw-away PostgreSQL database) and by
``tests/datasafety/test_concurrency_drill.py`` (a smaller one in the test suite).
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

from clinic.models import Chair, ClinicSettings, OpeningHours, Patient, RemsStatus, Role, Sex, User
from sessions.models import RELEASED_STATUSES, Course, Protocol, SessionStatus, TreatmentSession
from sessions.models.monitoring import VitalsReading


@dataclass
class DrillResult:
    attempts: int
    threads: int
    outcomes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    checks: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and all(self.checks.values())

    def as_dict(self) -> dict:
        return {
            "attempts": self.attempts,
            "threads": self.threads,
            "outcomes": dict(self.outcomes),
            "unexpected_errors": len(self.errors),
            "first_errors": self.errors[:5],
            "seconds": round(self.seconds, 2),
            "checks": self.checks,
            "ok": self.ok,
        }


def _run_threads(n_threads: int, jobs: list, work) -> tuple[Counter, list[str], float]:
    """Run ``work(job)`` for every job on ``n_threads`` threads released together by a barrier."""
    todo: queue.Queue = queue.Queue()
    for job in jobs:
        todo.put(job)
    outcomes: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n_threads)

    def worker():
        try:
            barrier.wait(timeout=60)
            while True:
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = work(job)
                except Exception as exc:  # anything the service did not mean to raise
                    outcome = "error"
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                with lock:
                    outcomes[outcome] += 1
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(n_threads)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    return outcomes, errors, time.perf_counter() - t0


def _trd() -> Protocol:
    if not Protocol.objects.filter(slug="esketamine-trd").exists():  # emptied by a transactional test's flush
        from sessions.models import ProtocolPhase
        from sessions.scheduling.protocols import install_protocols

        install_protocols(Protocol, ProtocolPhase)
    return Protocol.objects.get(slug="esketamine-trd")


def _drill_day(tz) -> dt.date:
    day = timezone.localdate(timezone=tz) + dt.timedelta(days=2)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day


def booking_drill(*, attempts: int = 1000, threads: int = 32, chairs: int = 4, times: int = 4) -> DrillResult:
    """``attempts`` bookings by different patients, all aimed at ``chairs`` × ``times`` slots on one day."""
    from sessions.scheduling import booking

    cs = ClinicSettings.load()
    for weekday in range(5):
        OpeningHours.objects.update_or_create(weekday=weekday, defaults={"opens": dt.time(7), "closes": dt.time(20)})
    stamp = f"{time.time_ns():x}"
    admin = User.objects.create(username=f"drill_admin_{stamp}", role=Role.ADMIN)
    prescriber = User.objects.create(username=f"drill_prescriber_{stamp}", role=Role.STAFF, is_prescriber=True)
    drill_chairs = Chair.objects.bulk_create(
        [Chair(name=f"Drill {stamp} chair {i + 1}", location="Drill") for i in range(chairs)]
    )
    protocol = _trd()
    phase = protocol.phases.order_by("order").first()
    patients = Patient.objects.bulk_create(
        [
            Patient(
                first_name="Drill",
                last_name=f"{stamp}-{i}",
                date_of_birth=dt.date(1980, 1, 1),
                sex=Sex.OTHER,
                rems_status=RemsStatus.ENROLLED,
                rems_enrolled_on=dt.date(2025, 1, 1),
            )
            for i in range(attempts)
        ]
    )
    day = _drill_day(cs.tz)
    courses = Course.objects.bulk_create(
        [
            Course(
                patient=p,
                protocol=protocol,
                prescriber=prescriber,
                start_date=day,
                preferred_weekdays=str(day.weekday()),
                preferred_time=dt.time(8),
                current_phase=phase,
            )
            for p in patients
        ]
    )
    starts = [dt.datetime.combine(day, dt.time(7 + 3 * i), tzinfo=cs.tz) for i in range(times)]
    slots = [(c, s) for c in drill_chairs for s in starts]
    jobs = [(courses[i], *slots[i % len(slots)]) for i in range(attempts)]

    def work(job) -> str:
        course, chair, start = job
        try:
            booking.session_book(course=course, start=start, chair=chair, by=admin)
        except booking.BookingConflict:
            return "refused: chair taken"
        except ValidationError as exc:
            return "refused: " + exc.messages[0][:60]
        return "won"

    outcomes, errors, seconds = _run_threads(threads, jobs, work)
    result = DrillResult(attempts=attempts, threads=threads, outcomes=outcomes, errors=errors, seconds=seconds)
    held = TreatmentSession.objects.filter(chair__in=drill_chairs).exclude(status__in=RELEASED_STATUSES)
    per_slot = dict(
        Counter((s.chair_id, s.planned_start) for s in held.only("chair_id", "planned_start")).most_common()
    )
    result.checks = {
        "one_winner_per_slot": outcomes["won"] == len(slots) and all(n == 1 for n in per_slot.values()),
        "every_slot_taken": len(per_slot) == len(slots),
        "no_chair_overlap": not _overlaps(held, "chair_id"),
        "no_patient_overlap": not _overlaps(held, "patient_id"),
        "every_attempt_answered": sum(outcomes.values()) == attempts,
    }
    result.checks = {k: bool(v) for k, v in result.checks.items()}
    return result


def _overlaps(held, field_name: str) -> int:
    count = 0
    for s in held.only("pk", field_name, "planned_start", "planned_end"):
        count += (
            TreatmentSession.objects.exclude(status__in=RELEASED_STATUSES)
            .filter(**{field_name: getattr(s, field_name)})
            .filter(planned_start__lt=s.planned_end, planned_end__gt=s.planned_start)
            .filter(~Q(pk=s.pk))
            .count()
        )
    return count


def readings_drill(*, nurses: int = 16, readings_each: int = 25) -> DrillResult:
    """``nurses`` threads each record ``readings_each`` vitals on the same session at once."""
    from sessions.monitoring import services as monitoring

    stamp = f"{time.time_ns():x}"
    cs = ClinicSettings.load()
    prescriber = User.objects.create(username=f"drill_rx_{stamp}", role=Role.STAFF, is_prescriber=True)
    staff = User.objects.bulk_create(
        [User(username=f"drill_nurse_{stamp}_{i}", role=Role.STAFF) for i in range(nurses)]
    )
    chair = Chair.objects.create(name=f"Drill {stamp} observation chair", location="Drill")
    patient = Patient.objects.create(
        first_name="Drill",
        last_name=f"{stamp}-observed",
        date_of_birth=dt.date(1980, 1, 1),
        sex=Sex.OTHER,
        rems_status=RemsStatus.ENROLLED,
        rems_enrolled_on=dt.date(2025, 1, 1),
    )
    protocol = _trd()
    phase = protocol.phases.order_by("order").first()
    now = timezone.now()
    course = Course.objects.create(
        patient=patient,
        protocol=protocol,
        prescriber=prescriber,
        start_date=now.astimezone(cs.tz).date(),
        preferred_weekdays="0,3",
        preferred_time=dt.time(9),
        current_phase=phase,
    )
    start = now - dt.timedelta(minutes=50)
    session = TreatmentSession.objects.create(
        course=course,
        patient=patient,
        phase=phase,
        chair=chair,
        number=1,
        planned_start=start,
        planned_end=start + dt.timedelta(minutes=165),
        status=SessionStatus.OBSERVING,
        checked_in_at=start,
        first_dose_at=start + dt.timedelta(minutes=15),
        dose_given_mg=56,
    )
    jobs = [(staff[i % nurses], i) for i in range(nurses * readings_each)]

    def work(job) -> str:
        nurse, i = job
        monitoring.vitals_record(
            session=session, by=nurse, systolic=120 + i % 30, diastolic=75 + i % 10, heart_rate=70, spo2=98
        )
        return "recorded"

    outcomes, errors, seconds = _run_threads(nurses, jobs, work)
    stored = session.vitals.count()
    result = DrillResult(attempts=len(jobs), threads=nurses, outcomes=outcomes, errors=errors, seconds=seconds)
    result.checks = {
        "every_reading_kept": stored == outcomes["recorded"] == len(jobs),
        "one_audit_row_each": VitalsReading.history.filter(session_id=session.pk).count() == stored,
    }
    result.outcomes["stored"] = stored
    return result


def vendor() -> str:
    return connection.vendor
