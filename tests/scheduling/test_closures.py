"""Closures: admins record closure days and reduced hours; planning and moves skip them; bookings a new
closure no longer fits are listed to move and get no reminder."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from clinic import services
from clinic.places import Closure
from sessions.models import RideStatus
from sessions.scheduling import booking
from sessions.scheduling.closures import bookings_hit_by_closures
from sessions.scheduling.planning import plan_phase
from sessions.scheduling.reminders import due_reminders, enqueue_due_reminders, send_reminder
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, NY, at

pytestmark = pytest.mark.django_db
THURSDAY = MONDAY + dt.timedelta(days=3)


def close(day, reason="Public holiday", **hours):
    return Closure.objects.create(date=day, reason=reason, **hours)


def trd(**kwargs):
    values = {"phase": f.first_phase("esketamine-trd"), "start_date": MONDAY, "weekdays": [0, 3], "time": dt.time(9)}
    return plan_phase(**(values | kwargs))


def test_planning_skips_a_closure_day(chairs):
    close(THURSDAY)
    days = [s.start.astimezone(NY).date() for s in trd()]
    assert THURSDAY not in days and len(days) == 8
    assert days[:2] == [MONDAY, MONDAY + dt.timedelta(days=7)]


def test_planning_keeps_to_reduced_hours(chairs):
    close(MONDAY, "Staff training in the afternoon", opens=dt.time(8), closes=dt.time(12))
    first = trd(time=dt.time(11))[0]
    assert first.start.astimezone(NY).date() == MONDAY
    assert first.end.astimezone(NY).time() <= dt.time(12)


def test_moving_a_booking_onto_a_closure_day_is_refused_with_the_reason(cast, chairs):
    close(THURSDAY, "Thanksgiving")
    session = f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY, 9))
    with pytest.raises(ValidationError, match="Thursday: closed, Thanksgiving"):
        booking.session_reschedule(session=session, start=at(THURSDAY, 9), chair=chairs[0], by=cast.admin, version=None)


def test_a_booking_on_a_newly_closed_day_is_listed_to_move(chairs):
    hit = f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(THURSDAY, 9))
    late = f.TreatmentSessionFactory(chair=chairs[1], planned_start=at(MONDAY, 14))
    early = f.TreatmentSessionFactory(chair=chairs[1], planned_start=at(MONDAY, 8))
    assert bookings_hit_by_closures() == []
    thursday = close(THURSDAY)
    monday = close(MONDAY, "Short day", opens=dt.time(8), closes=dt.time(12))
    assert bookings_hit_by_closures() == [(late, monday), (hit, thursday)]
    assert early not in [s for s, _ in bookings_hit_by_closures()]


def test_no_reminder_is_sent_for_a_booking_on_a_closed_day(chairs):
    session = f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY, 15))
    f.RideFactory(session=session, status=RideStatus.PLANNED)
    close(MONDAY, "Burst pipe")
    assert due_reminders() == []
    assert enqueue_due_reminders() == 0
    send_reminder.enqueue(session_id=session.pk, kind="appointment")
    assert mail.outbox == []


def test_a_closure_needs_a_reason_a_future_day_and_both_reduced_times(cast, chairs):
    with pytest.raises(ValidationError, match="Say why"):
        services.closure_add(by=cast.admin, date=THURSDAY, reason=" ")
    with pytest.raises(ValidationError, match="That day has passed"):
        services.closure_add(by=cast.admin, date=MONDAY - dt.timedelta(days=1), reason="Holiday")
    with pytest.raises(ValidationError, match="both reduced"):
        services.closure_add(by=cast.admin, date=THURSDAY, reason="Short day", opens=dt.time(8))
    services.closure_add(by=cast.admin, date=THURSDAY, reason="Holiday")
    with pytest.raises(ValidationError, match="already has a closure"):
        services.closure_add(by=cast.admin, date=THURSDAY, reason="Again")
    assert Closure.objects.count() == 1


def test_the_closures_page_adds_lists_and_deletes_a_closure_and_names_the_bookings_to_move(
    cast, chairs, django_assert_max_num_queries
):
    session = f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(THURSDAY, 9))
    admin = client_for(cast.admin)
    response = admin.post("/manage/closures/", {"date": THURSDAY.isoformat(), "reason": "Thanksgiving"})
    assert response.status_code == 302
    with django_assert_max_num_queries(15):
        page = admin.get("/manage/closures/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Thanksgiving" in text and f"/bookings/{session.pk}/" in text and "no reminder is sent" in text
    closure = Closure.objects.get()
    assert Closure.history.filter(id=closure.pk, history_user=cast.admin).exists()
    response = admin.post(f"/manage/closures/{closure.pk}/delete/")
    assert response.status_code == 302 and not Closure.objects.exists()


def test_the_closures_page_refuses_a_bad_closure_beside_the_field(cast, chairs):
    response = client_for(cast.admin).post(
        "/manage/closures/", {"date": THURSDAY.isoformat(), "opens": "13:00", "reason": "Short day"}
    )
    assert response.status_code == 200
    assert "Give both reduced opening and closing times" in response.content.decode()
    assert not Closure.objects.exists()
