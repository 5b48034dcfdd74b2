"""The benchmark data set: five years of a group of clinics, built with bulk inserts from a fixed seed.

Two parts, inserted in this order so that every primary key of the first part is the same in every
database built:

1. ``build_scenario``: the measured clinic's "today" and the weeks around it — about 40 sessions a day
   at Riverside (20 chairs) in the current and the next week, with check-ins, vitals, assessments,
   administrations, discharges and rides as a real morning leaves them; plus the rows-check fixtures
   (a day and a week with 5 sessions, a day and a week with 60, a patient with 5 sessions and one
   with 60, a session record with 5 readings and one with 60); and what the write paths work from
   (prices and a payer for the discharge's charge, a protocol whose first phase has 12 sessions for
   planning and booking a course; ``bench.writes`` makes each round's own target).
2. ``build_history``: courses of sessions at five sites before the current week, until the wanted
   number of sessions is reached (200,000 for the full set, 4,000 for the small one), each
   discharged session with six readings (four vitals, a MOAA/S and a CADSS check).

Both parts charge every discharged session (``bench.billing``: coverage, charge and its lines,
payments, a few write-offs), so the billing reports have money to count.

The app has no notion of a site yet: a site is a chair ``location``. The four other sites' chairs are
inactive (their sessions are history), so the measured clinic's today is identical in every database.
All names and numbers are synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from bench import billing
from clinic.models import Chair, ClinicSettings, OpeningHours, Patient, RemsStatus, Role, Sex, StaffShift, User
from sessions.models import (
    Course,
    CourseStatus,
    Payer,
    PayerKind,
    PhaseKind,
    Price,
    Protocol,
    ProtocolPhase,
    Ride,
    RideStatus,
    SessionStatus,
    Treatment,
)
from sessions.models import TreatmentSession as TS
from sessions.models.lots import Drug, DrugLot
from sessions.models.monitoring import (
    Administration,
    AdministrationKind,
    Assessment,
    CheckIn,
    Discharge,
    Scale,
    VitalsKind,
    VitalsReading,
)

SEED = 20261118
TODAY = dt.date(2026, 11, 18)  # a Wednesday
NOW_TIME = dt.time(11, 0)  # mid-morning: the first round discharged, the second observing
TZ_NAME = "America/New_York"
TZ = zoneinfo.ZoneInfo(TZ_NAME)
SLOTS = (dt.time(7, 30), dt.time(10, 15), dt.time(13, 0), dt.time(15, 45))  # 165-minute visits
MEASURED_SITE = "Riverside"
MEASURED_CHAIRS = 20
WRITE_CHAIR = 13  # free all day today and tomorrow: the write paths' chair (one target at a time)
OTHER_SITES = ("Northgate", "Lakeside", "Hillcrest", "Bayview")
OTHER_CHAIRS = 12
TODAY_SESSIONS = (12, 12, 10, 5)  # per slot; with the portal patient, 40 today
YEARS = 5
BATCH = 5000

FIRST = "Avery Jordan Morgan Riley Casey Quinn Rowan Harper Emerson Skyler Dakota Reese Sage Finley".split()
LAST = "Thornbury Calloway Ashdown Pennington Marlowe Whitlock Fairweather Holloway Kingsley Lockhart".split()


def now() -> dt.datetime:
    return dt.datetime.combine(TODAY, NOW_TIME, tzinfo=TZ)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


WEEK0 = monday(TODAY)  # the current week: history ends before it
D5 = WEEK0 + dt.timedelta(weeks=2, days=1)  # the only day with sessions in week +2 (5 of them)
D60 = WEEK0 + dt.timedelta(weeks=3, days=2)  # the only day with sessions in week +3 (60 of them)


@dataclass
class Scenario:
    """Primary keys and dates the measurements use (the same in every database built)."""

    today: str = TODAY.isoformat()
    now: str = ""
    admin_id: int = 0
    nurse_id: int = 0
    prescriber_id: int = 0
    portal_patient_user_id: int = 0
    p5_user_id: int = 0
    p60_user_id: int = 0
    p60_patient_id: int = 0
    p5_patient_id: int = 0
    record_session_id: int = 0
    r5_session_id: int = 0
    r60_session_id: int = 0
    planning_patient_id: int = 0
    lot_id: int = 0
    payer_id: int = 0
    write_chair_id: int = 0
    course12_protocol: str = "bench-esketamine-12"
    d5: str = D5.isoformat()
    d60: str = D60.isoformat()
    week0: str = WEEK0.isoformat()
    w5: str = monday(D5).isoformat()
    w60: str = monday(D60).isoformat()
    counts: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


class Builder:
    """Accumulates rows and writes them with bulk_create, in dependency order."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.sessions: list[TS] = []
        self.per_session: list[tuple[TS, str]] = []  # (session, what to add once it has a pk)
        self.counts: dict[str, int] = defaultdict(int)

    def add_session(self, session: TS, extra: str = "") -> TS:
        self.sessions.append(session)
        self.per_session.append((session, extra))
        return session

    def flush(self, children) -> list[TS]:
        """Insert the pending sessions, then what ``children(session, extra)`` yields for each; returns them."""
        if not self.sessions:
            return []
        flushed = self.sessions
        TS.objects.bulk_create(self.sessions, batch_size=BATCH)
        self.counts["sessions"] += len(self.sessions)
        rows: dict[type, list] = defaultdict(list)
        for session, extra in self.per_session:
            for obj in children(session, extra):
                rows[type(obj)].append(obj)
        for model in (Ride, CheckIn, VitalsReading, Assessment, Administration, Discharge):
            if rows.get(model):
                model.objects.bulk_create(rows[model], batch_size=BATCH)
                self.counts[model.__name__] += len(rows[model])
        self.sessions, self.per_session = [], []
        return flushed


def _at(day: dt.date, slot: int) -> dt.datetime:
    return dt.datetime.combine(day, SLOTS[slot], tzinfo=TZ)


def _patient(rng: random.Random, i: int, **extra) -> Patient:
    return Patient(
        first_name=FIRST[i % len(FIRST)],
        last_name=f"{LAST[(i // len(FIRST)) % len(LAST)]}-{i}",
        date_of_birth=dt.date(1950 + rng.randrange(55), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        sex=rng.choice([Sex.FEMALE, Sex.MALE, Sex.OTHER]),
        phone=f"+1 555 01{i % 100:02d} {i % 1000:03d}",
        usual_ride_name="Sam Driver",
        usual_ride_phone="+1 555 0100 222",
        weight_kg=55 + rng.randrange(50),
        rems_status=RemsStatus.ENROLLED,
        rems_enrolled_on=dt.date(2020, 1, 1),
        rems_patient_id=f"BENCH-{i}",
        **extra,
    )


def _session(course: Course, phase: ProtocolPhase, chair: Chair, number: int, start: dt.datetime, status: str, **kw):
    session = TS(
        course=course,
        patient_id=course.patient_id,
        phase=phase,
        chair=chair,
        number=number,
        planned_start=start,
        planned_end=start + dt.timedelta(minutes=165),
        planned_dose_mg=phase.default_dose_mg,
        status=status,
    )
    if status in (SessionStatus.DISCHARGED, SessionStatus.OBSERVING, SessionStatus.DOSING, SessionStatus.DEFERRED):
        session.checked_in_at = start + dt.timedelta(minutes=3)
    if status in (SessionStatus.DISCHARGED, SessionStatus.OBSERVING):
        session.first_dose_at = start + dt.timedelta(minutes=20)
        session.dose_given_mg = phase.default_dose_mg
    if status == SessionStatus.DISCHARGED:
        session.discharged_at = session.first_dose_at + dt.timedelta(minutes=125)
        session.signed_at = session.discharged_at
        session.discharged_by_id = kw.get("by_id")
    if status in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW, SessionStatus.DEFERRED):
        session.status_reason = "Synthetic"
    return session


def _readings(session: TS, by_id: int, rng: random.Random, n_vitals: int = 4, n_assess: int = 2) -> Iterator:
    """Vitals and assessments of one session, spread over its observation."""
    if session.first_dose_at is None:
        if session.checked_in_at is not None:
            yield VitalsReading(
                session=session,
                kind=VitalsKind.PREDOSE,
                taken_at=session.checked_in_at + dt.timedelta(minutes=8),
                systolic=118 + rng.randrange(30),
                diastolic=72 + rng.randrange(15),
                heart_rate=60 + rng.randrange(30),
                spo2=96 + rng.randrange(4),
                by_id=by_id,
            )
        return
    end = session.discharged_at or now()
    span = (end - session.first_dose_at).total_seconds() / 60
    for i in range(n_vitals):
        kind = VitalsKind.PREDOSE if i == 0 else VitalsKind.OBSERVATION
        minute = -10 if i == 0 else span * i / max(n_vitals - 1, 1)
        yield VitalsReading(
            session=session,
            kind=kind,
            taken_at=session.first_dose_at + dt.timedelta(minutes=minute),
            systolic=118 + rng.randrange(40),
            diastolic=70 + rng.randrange(20),
            heart_rate=58 + rng.randrange(35),
            spo2=95 + rng.randrange(5),
            by_id=by_id,
        )
    for i in range(n_assess):
        scale = Scale.MOAAS if i % 2 == 0 else Scale.CADSS6
        score = 4 + rng.randrange(2) if scale == Scale.MOAAS else rng.randrange(8)
        yield Assessment(
            session=session,
            scale=scale,
            taken_at=session.first_dose_at + dt.timedelta(minutes=40 + span * i / max(n_assess, 1)),
            score=score,
            items=[],
            by_id=by_id,
        )


# ---- Part 1: the measured clinic's today ------------------------------------------------------


def checkin(session: TS, nurse_id: int, at: dt.datetime) -> CheckIn:
    """A check-in with every box ticked and the ride the synthetic data always uses (not saved)."""
    return CheckIn(
        session=session,
        identity_confirmed=True,
        no_food_2h=True,
        no_drink_30min=True,
        nasal_spray_ok=True,
        ride_name="Sam Driver",
        ride_phone="+1 555 0100 222",
        contraindications_unchanged=True,
        rems_enrolled=True,
        by_id=nurse_id,
        at=at,
    )


def build_scenario(seed: int = SEED) -> Scenario:
    rng = random.Random(seed)
    sc = Scenario(now=now().isoformat())
    cs = ClinicSettings.load()
    cs.name, cs.time_zone = "Riverside Ketamine Clinic (benchmark)", TZ_NAME
    cs.save()
    for weekday in range(5):
        OpeningHours.objects.update_or_create(weekday=weekday, defaults={"opens": dt.time(7), "closes": dt.time(19)})
    users = {
        "admin": User(username="bench_admin", role=Role.ADMIN, first_name="Alex", last_name="Admin"),
        "prescriber": User(username="bench_prescriber", role=Role.STAFF, is_prescriber=True, title="MD"),
        **{f"nurse{i}": User(username=f"bench_nurse{i}", role=Role.STAFF, title="RN") for i in range(1, 7)},
    }
    for user in users.values():
        user.set_unusable_password()
    User.objects.bulk_create(users.values())
    users = {k: User.objects.get(username=u.username) for k, u in users.items()}
    sc.admin_id, sc.prescriber_id, sc.nurse_id = users["admin"].pk, users["prescriber"].pk, users["nurse1"].pk
    staff = [users["prescriber"]] + [users[f"nurse{i}"] for i in range(1, 7)]
    StaffShift.objects.bulk_create(
        StaffShift(date=WEEK0 + dt.timedelta(days=d), staff=s, starts=dt.time(7), ends=dt.time(19))
        for d in range(28)
        if (WEEK0 + dt.timedelta(days=d)).weekday() < 5
        for s in staff
    )
    chairs = Chair.objects.bulk_create(
        [Chair(name=f"{MEASURED_SITE} {i:02d}", location=MEASURED_SITE) for i in range(1, MEASURED_CHAIRS + 1)]
        + [
            Chair(name=f"{site} {i:02d}", location=site, is_active=False)
            for site in OTHER_SITES
            for i in range(1, OTHER_CHAIRS + 1)
        ]
    )
    chairs = list(Chair.objects.order_by("pk"))
    riverside = chairs[:MEASURED_CHAIRS]
    lot = DrugLot.objects.create(
        drug=Drug.ESKETAMINE,
        lot_number="BENCH-LOT-1",
        expires_on=TODAY + dt.timedelta(days=365),
        received_on=TODAY - dt.timedelta(days=60),
        quantity=5000,
        received_by=users["admin"],
    )

    trd = Protocol.objects.get(slug="esketamine-trd")
    trd_phases = list(trd.phases.order_by("order"))
    _write_path_data(sc, trd, users["admin"], lot, riverside[WRITE_CHAIR - 1])
    billing.setup_prices_and_payers(users["admin"])
    nurse_ids = [users[f"nurse{i}"].pk for i in range(1, 7)]

    # Patients: 100 in the current two weeks, P5, P60, the portal patient, the planning patient.
    patient_users = [User(username=f"bench_patient{i}", role=Role.PATIENT) for i in range(3)]
    for user in patient_users:
        user.set_unusable_password()
    User.objects.bulk_create(patient_users)
    patient_users = list(User.objects.filter(username__startswith="bench_patient").order_by("username"))
    pool = [_patient(rng, i) for i in range(100)]
    pool[0].user = patient_users[0]  # the portal patient: in clinic this afternoon
    p5 = _patient(rng, 100, user=patient_users[1])
    p60 = _patient(rng, 101, user=patient_users[2])
    planner = _patient(rng, 102)
    Patient.objects.bulk_create([*pool, p5, p60, planner])
    sc.portal_patient_user_id, sc.p5_user_id, sc.p60_user_id = (u.pk for u in patient_users)
    sc.planning_patient_id = planner.pk
    sc.p60_patient_id, sc.p5_patient_id = p60.pk, p5.pk

    def course_for(patient: Patient, start: dt.date) -> Course:
        return Course(
            patient=patient,
            protocol=trd,
            prescriber=users["prescriber"],
            start_date=start,
            preferred_weekdays="0,3",
            preferred_time=SLOTS[0],
            current_phase=trd_phases[0],
            status=CourseStatus.ACTIVE,
        )

    courses = [course_for(p, WEEK0 - dt.timedelta(days=7)) for p in pool] + [
        course_for(p5, WEEK0),
        course_for(p60, WEEK0 - dt.timedelta(weeks=12)),
    ]
    Course.objects.bulk_create(courses)
    by_patient = {c.patient_id: c for c in courses}
    b = Builder(rng)
    numbers: dict[int, int] = defaultdict(int)
    last_chair = riverside[-1]

    def status_at(start: dt.datetime) -> str:
        if start + dt.timedelta(minutes=165) <= now():
            return SessionStatus.DISCHARGED
        if start <= now():
            return SessionStatus.OBSERVING
        return SessionStatus.SCHEDULED

    def add(patient: Patient, chair: Chair, start: dt.datetime, extra: str = "") -> TS:
        course = by_patient[patient.pk]
        numbers[course.pk] += 1
        phase = trd_phases[0] if numbers[course.pk] <= 8 else trd_phases[1]
        status = status_at(start)
        return b.add_session(
            _session(course, phase, chair, numbers[course.pk], start, status, by_id=users["nurse1"].pk), extra
        )

    # P60: 53 past sessions and 7 coming ones, all in the last chair at the first slot, one a weekday.
    p60_days = []
    day = TODAY - dt.timedelta(days=1)
    while len(p60_days) < 53:
        if day.weekday() < 5:
            p60_days.append(day)
        day -= dt.timedelta(days=1)
    day = TODAY + dt.timedelta(days=1)
    future = []
    while len(future) < 7:
        if day.weekday() < 5:
            future.append(day)
        day += dt.timedelta(days=1)
    p60_sessions = [add(p60, last_chair, _at(d, 0)) for d in sorted(p60_days) + future]
    record60, record5 = p60_sessions[51], p60_sessions[52]
    b.per_session = [(s, "r60" if s is record60 else "r5" if s is record5 else e) for s, e in b.per_session]
    # P5: two past, three coming, in the last chair at the second slot.
    for d in (WEEK0, WEEK0 + dt.timedelta(days=1), WEEK0 + dt.timedelta(days=3), WEEK0 + dt.timedelta(days=4)):
        add(p5, last_chair, _at(d, 1))
    add(p5, last_chair, _at(WEEK0 + dt.timedelta(days=7), 1))

    # The current and next week: ~40 a day in chairs 1–12, 99 patients rotating (none twice a day);
    # the portal patient (pool[0]) comes Mondays and Thursdays and this afternoon, in the last chair.
    rotation = pool[1:]
    record = None
    weekdays = [d for d in (WEEK0 + dt.timedelta(days=i) for i in range(14)) if d.weekday() < 5]
    for k, day in enumerate(weekdays):
        j = 0
        for slot, n in enumerate(TODAY_SESSIONS):
            for c in range(n):
                s = add(rotation[(k * 40 + j) % len(rotation)], riverside[c], _at(day, slot))
                j += 1
                if day == TODAY and slot == 0 and c == 0:
                    record = s
    for day in (WEEK0, TODAY, WEEK0 + dt.timedelta(days=7), WEEK0 + dt.timedelta(days=10)):
        add(pool[0], last_chair, _at(day, 3))
    # The rows-check days: 5 sessions on D5, 60 on D60 (every chair, the four slots in turn).
    for c in range(5):
        add(pool[c + 1], riverside[c], _at(D5, 1))
    i = 0
    for slot in range(4):
        for c in range(MEASURED_CHAIRS - (1 if slot == 0 else 0)):
            if i < 60:
                add(pool[i % len(pool)] if i < 100 else pool[0], riverside[c], _at(D60, slot))
                i += 1

    def children(session: TS, extra: str) -> Iterator:
        nurse = nurse_ids[session.pk % len(nurse_ids)]
        yield Ride(
            session=session,
            driver_name="Sam Driver",
            driver_phone="+1 555 0100 222",
            status=RideStatus.CONFIRMED if session.pk % 3 else RideStatus.PLANNED,
        )
        if session.checked_in_at is None:
            return
        yield checkin(session, nurse, session.checked_in_at)
        if extra == "r60":
            yield from _readings(session, nurse, rng, n_vitals=40, n_assess=20)
        elif extra == "r5":
            yield from _readings(session, nurse, rng, n_vitals=3, n_assess=2)
        else:
            yield from _readings(session, nurse, rng)
        if session.first_dose_at is not None:
            for n in (1, 2):
                yield Administration(
                    session=session,
                    kind=AdministrationKind.DEVICE,
                    number=n,
                    given_at=session.first_dose_at + dt.timedelta(minutes=5 * (n - 1)),
                    dose_mg=28,
                    lot=lot,
                    by_id=nurse,
                )
        if session.discharged_at is not None:
            yield Discharge(
                session=session,
                at=session.discharged_at,
                by_id=nurse,
                clinician_ready=True,
                ready_without_rule_minutes=95,
                criteria=[],
            )

    biller = billing.Biller(seed + 1, today=TODAY, receipt_prefix="BS", by_id=users["admin"].pk)
    with _bulk_load():
        biller.charge(b.flush(children))
    sc.record_session_id = record.pk
    sc.r60_session_id, sc.r5_session_id = record60.pk, record5.pk
    sc.counts = {**b.counts, **biller.counts}
    return sc


def _write_path_data(sc: Scenario, trd: Protocol, admin: User, lot: DrugLot, chair: Chair) -> None:
    """What the write paths need besides their own targets: prices in force (the discharge charges
    the session), a commercial payer (each discharge target is covered by it), and a protocol whose
    first phase is 12 sessions (plan and book a 12-session course)."""
    Price.objects.bulk_create(
        Price(protocol=trd, dose_mg=dose, amount=amount, effective_from=dt.date(2020, 1, 1), created_by=admin)
        for dose, amount in ((56, Decimal("850.00")), (84, Decimal("1150.00")))
    )
    payer = Payer.objects.create(name="Bench Mutual", kind=PayerKind.COMMERCIAL, payer_id="BENCH1")
    protocol = Protocol.objects.create(
        slug=sc.course12_protocol,
        name="Esketamine, 12-session induction (benchmark)",
        treatment=Treatment.ESKETAMINE,
        description="Synthetic: twice a week for six weeks.",
    )
    ProtocolPhase.objects.create(
        protocol=protocol,
        order=1,
        kind=PhaseKind.INDUCTION,
        name="Induction (12 sessions)",
        sessions_per_week=2,
        weeks=6,
        total_sessions=12,
        min_days_between=2,
        default_dose_mg=56,
        first_dose_mg=56,
        review_at_end=True,
    )
    sc.lot_id, sc.payer_id, sc.write_chair_id = lot.pk, payer.pk, chair.pk


# ---- Part 2: five years of history at five sites ----------------------------------------------


def _cadence(protocol: str, rng: random.Random) -> list[tuple[int, int]]:
    """(days after the course start, phase order) of each session of a synthetic course."""
    days: list[tuple[int, int]] = []
    if protocol == "iv-ketamine":
        days += [(d, 1) for d in (0, 2, 4, 7, 9, 11)]
        days += [(11 + 28 * k, 2) for k in range(1, rng.randrange(1, 12))]
    else:
        days += [(w * 7 + d, 1) for w in range(4) for d in (0, 3)]
        if protocol == "esketamine-trd":
            days += [(28 + w * 7, 2) for w in range(4)]
            days += [(56 + 14 * k, 3) for k in range(1, rng.randrange(1, 40))]
    return days


def build_history(target_sessions: int, seed: int = SEED, progress=None) -> dict[str, int]:
    """Courses at five sites over five years before the current week, until ``target_sessions``."""
    rng = random.Random(seed + target_sessions)
    end = WEEK0 - dt.timedelta(days=3)  # the Friday before the current week
    start = end - dt.timedelta(days=365 * YEARS)
    span_days = (end - start).days
    chairs = list(Chair.objects.order_by("pk"))
    sites: dict[str, list[Chair]] = defaultdict(list)
    for chair in chairs:
        # Chair 16 of the measured clinic is kept for the scenario's long-running patients.
        if chair.name != f"{MEASURED_SITE} {MEASURED_CHAIRS:02d}":
            sites[chair.location].append(chair)
    site_names = sorted(sites)
    weights = [len(sites[s]) for s in site_names]
    protocols = {p.slug: {ph.order: ph for ph in p.phases.all()} for p in Protocol.objects.prefetch_related("phases")}
    prescriber_id = User.objects.get(username="bench_prescriber").pk
    nurse_ids = list(User.objects.filter(username__startswith="bench_nurse").values_list("pk", flat=True))
    used: dict[tuple[str, int, int], int] = defaultdict(int)
    b = Builder(rng)
    admin_id = User.objects.get(username="bench_admin").pk
    biller = billing.Biller(seed + target_sessions + 1, today=TODAY, receipt_prefix="BH", by_id=admin_id, lines=False)
    made = 0
    patient_no = 1000
    while made < target_sessions:
        # A batch of courses: patients and courses first (they need keys), then their sessions.
        batch = []
        while made < target_sessions and len(batch) < 400:
            slug = rng.choices(["esketamine-trd", "esketamine-mdsi", "iv-ketamine"], [6, 1, 3])[0]
            site = rng.choices(site_names, weights)[0]
            first = start + dt.timedelta(days=rng.randrange(span_days - 14))
            first += dt.timedelta(days=(7 - first.weekday()) % 7)  # a Monday
            slot = rng.randrange(len(SLOTS))
            plan = []
            for offset, order in _cadence(slug, rng):
                day = first + dt.timedelta(days=offset)
                if day >= end or day.weekday() > 4:
                    continue
                for s in [slot] + [x for x in range(len(SLOTS)) if x != slot]:
                    key = (site, day.toordinal(), s)
                    if used[key] < len(sites[site]):
                        plan.append((day, s, sites[site][used[key]], order))
                        used[key] += 1
                        break
            if not plan:
                continue
            patient_no += 1
            batch.append((slug, site, first, plan, _patient(rng, patient_no)))
            made += len(plan)
        Patient.objects.bulk_create([p for *_, p in batch], batch_size=BATCH)
        courses = [
            Course(
                patient=p,
                protocol_id=protocols[slug][1].protocol_id,
                prescriber_id=prescriber_id,
                start_date=first,
                preferred_weekdays="0,3",
                preferred_time=SLOTS[plan[0][1]],
                current_phase=protocols[slug][plan[-1][3]],
                status=CourseStatus.ENDED,
            )
            for slug, site, first, plan, p in batch
        ]
        Course.objects.bulk_create(courses, batch_size=BATCH)
        for course, (slug, _site, _first, plan, _p) in zip(courses, batch, strict=True):
            number = 0
            for day, s, chair, order in plan:
                roll = rng.random()
                status = (
                    SessionStatus.CANCELLED
                    if roll < 0.04
                    else SessionStatus.NO_SHOW
                    if roll < 0.06
                    else SessionStatus.DEFERRED
                    if roll < 0.07
                    else SessionStatus.DISCHARGED
                )
                if status not in (SessionStatus.CANCELLED, SessionStatus.NO_SHOW):
                    number += 1
                by_id = nurse_ids[rng.randrange(len(nurse_ids))]
                b.add_session(
                    _session(course, protocols[slug][order], chair, max(number, 1), _at(day, s), status, by_id=by_id)
                )

        def children(session: TS, extra: str) -> Iterator:
            if session.status == SessionStatus.DISCHARGED:
                yield from _readings(session, session.discharged_by_id, rng)

        with _bulk_load():
            biller.charge(b.flush(children))
        if progress:
            progress(b.counts)
    return {**b.counts, **biller.counts}


class _bulk_load:
    """One transaction; on PostgreSQL the data-safety guards are told this is a deliberate bulk load
    (readings are inserted for sessions that are already signed)."""

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL clinic.maintenance = 'on'")
        return self

    def __exit__(self, *exc):
        return self.atomic.__exit__(*exc)
