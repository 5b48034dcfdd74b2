"""Many simultaneous bookings of the same chair and time on PostgreSQL: exactly one wins."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import TreatmentSession
from sessions.scheduling import booking
from tests import factories as f
from tests.factories_scheduling import ensure_protocols

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def next_weekday_at_nine() -> dt.datetime:
    tz = ClinicSettings.load().tz
    day = timezone.localdate(timezone=tz) + dt.timedelta(days=1)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(9), tzinfo=tz)


def test_concurrent_bookings_of_one_chair_and_time_let_exactly_one_win(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    ensure_protocols()
    f.open_weekdays()
    chair = f.ChairFactory(name="Contested chair")
    admin = f.AdminFactory()
    courses = [f.CourseFactory() for _ in range(THREADS)]
    start = next_weekday_at_nine()
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def book(course):
        try:
            barrier.wait()
            booking.session_book(course=course, start=start, chair=chair, by=admin)
            outcome = "won"
        except booking.BookingConflict as exc:
            outcome = "conflict: " + exc.messages[0]
        except ValidationError as exc:
            outcome = "refused: " + " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001 - any other error is a test failure, reported below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=book, args=(c,)) for c in courses]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert results.count("won") == 1, results
    losers = [r for r in results if r != "won"]
    assert len(losers) == THREADS - 1
    assert all(r.startswith("conflict:") and "Contested chair" in r for r in losers), losers
    assert TreatmentSession.objects.filter(chair=chair).count() == 1


def test_the_database_constraint_turns_a_missed_clash_into_a_named_conflict(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    ensure_protocols()
    from sessions.scheduling.diary import Slot

    f.open_weekdays()
    chair = f.ChairFactory(name="Chair X")
    start = next_weekday_at_nine()
    existing = f.TreatmentSessionFactory(chair=chair, planned_start=start)
    course = f.CourseFactory()
    phase = course.current_phase
    slot = Slot(1, phase, start + dt.timedelta(minutes=30), start + dt.timedelta(minutes=195), chair, 56)
    with pytest.raises(booking.BookingConflict) as exc:
        booking.insert_slots([slot], course=course, by=None, reason="test")  # skips the service's own check
    assert exc.value.conflict.pk == existing.pk
    assert f"booking #{existing.pk}" in exc.value.messages[0]
