"""Seed a throw-away database for the load test (run by loadtest/run.sh; never on the dev database).

Creates, relative to the real clock: nurses, admins and portal patients with one password; 24 sessions
under observation now (nurses record vitals on them); 60 active courses whose extra bookings never
collide (each course has its own chair and time of day, one week apart), and opening hours every day.
Writes the ids the locustfile needs to loadtest/out/seed.json. All data synthetic.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from clinic.models import Chair, ClinicSettings, OpeningHours, Patient, RemsStatus, Role, Sex, User  # noqa: E402
from sessions.models import Course, CourseStatus, Protocol, SessionStatus, TreatmentSession  # noqa: E402

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "load-test-Pa55word")
NURSES, ADMINS, PATIENTS, OBSERVING, COURSES, CHAIRS = 8, 3, 40, 24, 60, 30
SLOT_TIMES = (dt.time(6, 0), dt.time(9, 0), dt.time(12, 0), dt.time(15, 0))


def main() -> None:
    db = settings.DATABASES["default"]["NAME"]
    assert not str(db).endswith("/db.sqlite3"), "the load test never seeds the development database"
    cs = ClinicSettings.load()
    tz = cs.tz
    for weekday in range(7):
        OpeningHours.objects.update_or_create(weekday=weekday, defaults={"opens": dt.time(6), "closes": dt.time(22)})
    chairs = [Chair.objects.create(name=f"Load chair {i:02d}", location="Load") for i in range(CHAIRS)]

    def user(username: str, role: str, **extra) -> User:
        u = User(username=username, role=role, email=f"{username}@example.org", **extra)
        u.set_password(PASSWORD)
        u.save()
        return u

    nurses = [user(f"loadnurse{i}", Role.STAFF, title="RN") for i in range(NURSES)]
    prescriber = user("loadprescriber", Role.STAFF, is_prescriber=True, title="MD")
    admins = [user(f"loadadmin{i}", Role.ADMIN) for i in range(ADMINS)]
    trd = Protocol.objects.get(slug="esketamine-trd")
    induction, weekly = list(trd.phases.order_by("order"))[:2]

    def patient(i: int, login: User | None = None) -> Patient:
        return Patient.objects.create(
            first_name=f"Load{i}",
            last_name="Patient",
            date_of_birth=dt.date(1970, 1, 1) + dt.timedelta(days=97 * i),
            sex=Sex.FEMALE,
            rems_status=RemsStatus.ENROLLED,
            rems_enrolled_on=dt.date(2025, 1, 1),
            user=login,
        )

    now = timezone.now()
    portal = [patient(i, user(f"loadpatient{i}", Role.PATIENT)) for i in range(PATIENTS)]
    observing = []
    for i in range(OBSERVING):
        p = portal[i]
        course = Course.objects.create(
            patient=p,
            protocol=trd,
            prescriber=prescriber,
            start_date=now.date(),
            preferred_weekdays="0,3",
            preferred_time=dt.time(9),
            current_phase=induction,
        )
        start = now - dt.timedelta(minutes=60)
        observing.append(
            TreatmentSession.objects.create(
                course=course,
                patient=p,
                phase=induction,
                chair=chairs[i],
                number=1,
                planned_start=start,
                planned_end=start + dt.timedelta(minutes=165),
                planned_dose_mg=56,
                status=SessionStatus.OBSERVING,
                checked_in_at=start + dt.timedelta(minutes=3),
                first_dose_at=start + dt.timedelta(minutes=20),
                dose_given_mg=56,
            ).pk
        )
    # Courses admins book into: course i owns chair i % CHAIRS at time SLOT_TIMES[i // CHAIRS], weekly.
    courses = []
    first_day = (now.astimezone(tz) + dt.timedelta(days=2)).date()
    for i in range(COURSES):
        p = portal[i % PATIENTS] if i >= OBSERVING and i < PATIENTS else patient(1000 + i)
        course = Course.objects.create(
            patient=p,
            protocol=trd,
            prescriber=prescriber,
            start_date=first_day,
            preferred_weekdays="0",
            preferred_time=SLOT_TIMES[i // CHAIRS],
            current_phase=weekly,
            status=CourseStatus.ACTIVE,
        )
        courses.append(
            {"id": course.pk, "chair": chairs[i % CHAIRS].pk, "time": SLOT_TIMES[(i // CHAIRS) % 4].strftime("%H:%M")}
        )
    out = {
        "password": PASSWORD,
        "nurses": [u.username for u in nurses],
        "admins": [u.username for u in admins],
        "patients": [f"loadpatient{i}" for i in range(PATIENTS)],
        "observing": observing,
        "courses": courses,
        "first_day": first_day.isoformat(),
        "tz": cs.time_zone,
    }
    path = Path(os.environ.get("LOADTEST_OUT", Path(__file__).parent / "out")) / "seed.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"Seeded {len(observing)} sessions under observation and {len(courses)} courses to book into.")


if __name__ == "__main__":
    main()
