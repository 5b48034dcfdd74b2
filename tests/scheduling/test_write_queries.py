"""The admin's writes (book a session, plan and book a 12-session course) cost the same number of SQL queries
whatever the patient's history and however busy the day: 2 earlier sessions or 40, 5 bookings that day on 4
chairs or 60 on 20."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.models import Course, CourseStatus, SessionStatus, TreatmentSession
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at, clinic

pytestmark = pytest.mark.django_db

SMALL = {"earlier": 2, "bookings": 5, "chairs": 4}
LARGE = {"earlier": 40, "bookings": 60, "chairs": 20}
_seat = itertools.count(1)


def chairs(n: int) -> list:
    return [f.ChairFactory(name=f"Seat {next(_seat)}") for _ in range(n)]


def busy_day(day: dt.date, *, bookings: int, seats: list) -> None:
    """Other patients' visits that day, from 12:00 on, spread over ``seats``."""
    for i in range(bookings):
        start = at(day, 12) + dt.timedelta(hours=3 * (i // len(seats)))
        f.TreatmentSessionFactory(chair=seats[i % len(seats)], planned_start=start)


def history(course: Course, *, earlier: int, before: dt.date, chair) -> None:
    """``earlier`` sessions of the course already given, 3 days apart, the last 3 days before ``before``."""
    for i in range(1, earlier + 1):
        start = at(before - dt.timedelta(days=3 * i), 9)
        f.TreatmentSessionFactory(
            course=course,
            number=earlier + 1 - i,
            chair=chair,
            planned_start=start,
            status=SessionStatus.DISCHARGED,
            discharged_at=start + dt.timedelta(hours=2),
        )


def posted(client, url: str, data: dict) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data)
    if os.environ.get("SHOW_SQL"):
        print(f"\n--- {url}: {len(ctx.captured_queries)} queries")
        for q in ctx.captured_queries:
            print("   ", q["sql"][:300])
    return len(ctx.captured_queries), response


# ---- booking one session -----------------------------------------------------------------------------


def later_sessions(course: Course, *, count: int, after: dt.date, chair, first_number: int) -> list:
    """``count`` sessions of the course already booked after ``after``, a week apart."""
    return [
        f.TreatmentSessionFactory(
            course=course, number=first_number + i, chair=chair, planned_start=at(after + dt.timedelta(weeks=i + 1), 9)
        )
        for i in range(count)
    ]


def booking_cost(client, admin, size: dict, day: dt.date, *, later: int = 0) -> int:
    seats = chairs(size["chairs"])
    busy_day(day, bookings=size["bookings"], seats=seats[1:] or seats)
    course = f.CourseFactory(protocol=f.protocol("esketamine-trd"), start_date=day - dt.timedelta(days=200))
    history(course, earlier=size["earlier"], before=day, chair=seats[0])
    following = later_sessions(course, count=later, after=day, chair=seats[0], first_number=size["earlier"] + 1)
    data = {"start": at(day, 9).isoformat(), "chair": seats[0].pk, "idempotency_key": f"book-{course.pk:08d}"}
    count, response = posted(client, reverse("course_book_session", args=[course.pk]), data)
    booked = course.sessions.exclude(pk__in=[s.pk for s in following]).get(status=SessionStatus.SCHEDULED)
    assert response.status_code == 302 and response["Location"] == reverse("booking_detail", args=[booked.pk])
    entry = booked.history.get()  # booked with its place in the series: one audit entry, naming the admin
    assert booked.number == size["earlier"] + 1 and entry.history_change_reason == "Booked"
    assert entry.history_user == admin
    for i, session in enumerate(following, start=size["earlier"] + 2):  # each moved one place on, with its entry
        session.refresh_from_db()
        renumbered = session.history.latest()
        assert session.number == i and renumbered.history_change_reason == "Series renumbered"
        assert renumbered.history_user == admin
    return count


def test_booking_a_session_costs_the_same_for_a_long_history_and_a_busy_day(cast, frozen):
    clinic(0)
    admin = client_for(cast.admin)
    small = booking_cost(admin, cast.admin, SMALL, MONDAY + dt.timedelta(days=7))
    large = booking_cost(admin, cast.admin, LARGE, MONDAY + dt.timedelta(days=14))
    # The request (3), the course for the access check, the chair chosen; the idempotency key (look up,
    # savepoint, claim, store the answer, release, forget day-old keys); the service (savepoint, the course
    # locked, the day's diary: opening hours, chairs, closures, bookings; any clash of chair or patient, the
    # course's other sessions for the spacing, the session and its audit row in a savepoint (4), its ride
    # and the ride's audit row, the series' numbers, release); the read log.
    assert large == small <= 28


def test_booking_before_later_sessions_renumbers_2_or_20_of_them_at_the_same_cost(cast, frozen):
    clinic(0)
    admin = client_for(cast.admin)
    two = booking_cost(admin, cast.admin, SMALL, MONDAY + dt.timedelta(days=7), later=2)
    twenty = booking_cost(admin, cast.admin, SMALL, MONDAY + dt.timedelta(days=14), later=20)
    assert twenty == two <= 30  # + one update of the later sessions' numbers and one insert of their audit rows


# ---- planning and booking a course ---------------------------------------------------------------------


def twelve_session_induction() -> None:
    """Induction twice a week for 6 weeks: 12 sessions booked with the course."""
    phase = f.first_phase("esketamine-trd")
    phase.weeks = 6
    phase.save(update_fields=["weeks"])


def plan_cost(client, cast, size: dict, start: dt.date) -> int:
    seats = chairs(size["chairs"])
    busy_day(start, bookings=size["bookings"], seats=seats)
    patient = f.PatientFactory()
    ended = f.CourseFactory(patient=patient, status=CourseStatus.ENDED, start_date=start - dt.timedelta(days=200))
    history(ended, earlier=size["earlier"], before=start, chair=seats[0])
    request = {
        "patient": patient.pk,
        "protocol": f.protocol("esketamine-trd").pk,
        "prescriber": cast.prescriber.pk,
        "start_date": start.isoformat(),
        "weekdays": ["0", "3"],
        "time": "09:00",
    }
    preview = client.post(reverse("course_create"), {**request, "preview": "1"}).content.decode()
    token = re.search(r'name="plan_token" value="([^"]+)"', preview).group(1)
    count, response = posted(client, reverse("course_create"), {**request, "plan_token": token})
    course = Course.objects.get(patient=patient, status=CourseStatus.ACTIVE)
    assert response.status_code == 302 and response["Location"] == course.get_absolute_url()
    sessions = list(course.sessions.order_by("planned_start"))
    assert [s.number for s in sessions] == list(range(1, 13))
    assert TreatmentSession.history.filter(course_id=course.pk).count() == 12  # one audit entry per session
    return count


def test_planning_a_12_session_course_costs_the_same_for_a_long_history_and_a_busy_day(cast, frozen):
    clinic(0)
    twelve_session_induction()
    admin = client_for(cast.admin)
    small = plan_cost(admin, cast, SMALL, MONDAY)
    large = plan_cost(admin, cast, LARGE, MONDAY + dt.timedelta(weeks=7))
    # The request (3), the patient, protocol and prescriber chosen; the service (savepoint, no open course,
    # the first phase, the diary over the weeks planned: opening hours, chairs, closures, bookings; the course
    # and its audit row, the 12 sessions in one insert and their audit rows in another (in a savepoint: 4),
    # the 12 rides and their audit rows, release).
    assert large == small <= 22
