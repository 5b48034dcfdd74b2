"""Regressions found while walking the scheduling pages as an admin, nurse and patient."""

import datetime as dt

import pytest

from sessions import booking
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, NY, at

pytestmark = pytest.mark.django_db


def plan_trd(cast, **kwargs):
    values = {
        "patient": cast.patient_a,
        "protocol": f.protocol("esketamine-trd"),
        "prescriber": cast.prescriber,
        "start_date": MONDAY,
        "weekdays": [0, 3],
        "time": dt.time(9),
        "by": cast.admin,
    }
    values.update(kwargs)
    return booking.course_create(**values)


def test_slots_offered_after_a_clash_with_the_patients_own_session_keep_the_course_spacing(cast, chairs):
    course = plan_trd(cast)
    first, second = course.sessions.order_by("planned_start")[:2]
    second_day = second.planned_start.astimezone(NY).date()
    with pytest.raises(booking.BookingConflict) as exc:
        booking.session_reschedule(
            session=first, start=at(second_day, 9, 30), chair=first.chair, by=cast.admin, version=first.version
        )
    offered_days = [slot.start.astimezone(NY).date() for slot in exc.value.suggestions]
    assert offered_days, "a clash offers the next free slots"
    other_days = [s.planned_start.astimezone(NY).date() for s in course.sessions.exclude(pk=first.pk)]
    assert all(abs((day - other).days) >= 2 for day in offered_days for other in other_days)


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/?start=9999-12-31",
        "/calendar/?start=0001-01-01",
        "/calendar/day/?date=9999-12-31",
        "/calendar/day/?date=0001-01-01",
    ],
)
def test_calendars_given_a_far_off_date_show_today_instead_of_failing(cast, chairs, url):
    response = client_for(cast.admin).get(url)
    assert response.status_code == 200
    assert "2030" in response.content.decode()


def test_the_free_slot_search_refuses_a_day_years_ahead_beside_the_field(cast, chairs):
    protocol = f.protocol("esketamine-trd")
    response = client_for(cast.admin).get(f"/calendar/free/?protocol={protocol.pk}&after=9999-12-31")
    assert response.status_code == 200
    assert "within the next two years" in response.content.decode()
