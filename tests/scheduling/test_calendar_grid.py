"""The calendar as a grid: chairs in natural order × time, free cells long enough for a visit, moves by
choosing a cell (or dropping on one) through the booking service, and constant queries for 4 or 20 chairs."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import AccessLog, Chair
from sessions.models import RideStatus, SessionStatus
from sessions.scheduling.calendars import natural_key
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at, clinic

pytestmark = pytest.mark.django_db


def booked(chair, start, patient=None, **kwargs):
    course = f.CourseFactory(patient=patient) if patient else f.CourseFactory()
    s = f.TreatmentSessionFactory(course=course, chair=chair, planned_start=start, **kwargs)
    f.RideFactory(session=s, status=RideStatus.CONFIRMED)
    return s


def count_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def move(client, session, start, chair):
    return client.post(
        "/calendar/move/",
        {"session": session.pk, "version": session.version, "slot": f"{start:%Y-%m-%dT%H:%M}@{chair.pk}"},
        follow=True,
    )


def test_chairs_sort_naturally_chair_2_before_chair_10():
    names = ["Chair 10", "Chair 2", "chair 1", "Recliner"]
    assert sorted(names, key=natural_key) == ["chair 1", "Chair 2", "Chair 10", "Recliner"]


def test_the_day_view_has_a_column_per_chair_in_natural_order(cast, frozen):
    clinic(10)
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    headings = re.findall(r'class="cal-chair[^"]*">([^<]+)<', page)
    assert headings == [f"Chair {i}" for i in range(1, 11)]


def test_a_booking_is_a_block_sized_by_its_duration_with_patient_session_and_status(cast, chairs):
    s = booked(chairs[1], at(MONDAY, 9), patient=cast.patient_a)
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    rows = (s.planned_end - s.planned_start) // dt.timedelta(minutes=15)
    block = re.search(
        r'<div class="cal-block cal-session gc-(\d+) gr-(\d+) gs-(\d+)[^>]*>(.*?)</div>\s*</div>', page, re.S
    )
    assert block.groups()[:3] == ("3", "6", str(rows))  # Chair 2 is column 3; 09:00 is row 2 + 4 after 08:00
    assert "Ada Alpha" in block[4] and "Session 1 of 1" in block[4] and "Scheduled" in block[4]


def test_free_cells_start_a_course_only_where_a_visit_fits(cast, chairs):
    booked(chairs[0], at(MONDAY, 8, 30))  # 08:00-08:30 is too short for any visit
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    plan = f"/courses/new/?start_date={MONDAY}&time=%s&chair={chairs[0].pk}"
    assert plan % "08:00" not in page
    assert f"/courses/new/?start_date={MONDAY}&time=08:00&chair={chairs[1].pk}" in page
    assert "cal-short" in page


def test_a_free_cell_too_close_to_closing_offers_nothing(cast, chairs):
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    assert f"time=17:30&chair={chairs[0].pk}" not in page
    assert f"time=12:00&chair={chairs[0].pk}" in page


def test_move_then_move_here_moves_the_booking_through_the_service(cast, chairs):
    s = booked(chairs[0], at(MONDAY, 9), patient=cast.patient_a)
    client = client_for(cast.admin)
    page = client.get(f"/calendar/day/?date={MONDAY}&move={s.pk}").content.decode()
    assert "Moving" in page and "Move here" in page
    assert f'value="{MONDAY}T13:00@{chairs[1].pk}"' in page
    response = move(client, s, at(MONDAY, 13), chairs[1])
    s.refresh_from_db()
    assert (s.planned_start, s.chair) == (at(MONDAY, 13), chairs[1])
    assert "Moved Ada Alpha" in response.content.decode()
    assert s.history.first().history_user == cast.admin


def test_the_booking_being_moved_may_move_a_little_in_its_own_chair(cast, chairs):
    s = booked(chairs[0], at(MONDAY, 9))
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}&move={s.pk}").content.decode()
    assert f'value="{MONDAY}T09:30@{chairs[0].pk}"' in page


def test_a_move_onto_an_occupied_cell_is_refused_with_the_reason(cast, chairs):
    s = booked(chairs[0], at(MONDAY, 9), patient=cast.patient_a)
    other = booked(chairs[1], at(MONDAY, 13), patient=cast.patient_b)
    response = move(client_for(cast.admin), s, at(MONDAY, 13), chairs[1])
    s.refresh_from_db()
    assert (s.planned_start, s.chair) == (at(MONDAY, 9), chairs[0])
    page = response.content.decode()
    assert "Not moved:" in page and f"booking #{other.pk}" in page
    assert "Moving" in page  # back on the day, still choosing a cell


def test_a_move_outside_opening_hours_is_refused_with_the_hours(cast, chairs):
    s = booked(chairs[0], at(MONDAY, 9))
    response = move(client_for(cast.admin), s, at(MONDAY, 17), chairs[0])
    s.refresh_from_db()
    assert s.planned_start == at(MONDAY, 9)
    assert "Outside opening hours" in response.content.decode()


def test_a_move_that_breaks_the_spacing_is_refused_with_the_reason(cast, chairs):
    first = booked(chairs[0], at(MONDAY, 9), patient=cast.patient_a)
    second = f.TreatmentSessionFactory(
        course=first.course, number=2, chair=chairs[0], planned_start=at(MONDAY + dt.timedelta(days=3), 9)
    )
    response = move(client_for(cast.admin), second, at(MONDAY + dt.timedelta(days=1), 9), chairs[0])
    second.refresh_from_db()
    assert second.planned_start == at(MONDAY + dt.timedelta(days=3), 9)
    assert "needs at least" in response.content.decode()


def test_a_stale_move_is_refused(cast, chairs):
    s = booked(chairs[0], at(MONDAY, 9))
    s.version -= 1
    response = move(client_for(cast.admin), s, at(MONDAY, 13), chairs[0])
    assert "changed since you opened it" in response.content.decode()


def test_a_malformed_cell_is_refused_without_a_500(cast, chairs):
    s = booked(chairs[0], at(MONDAY, 9))
    response = client_for(cast.admin).post(
        "/calendar/move/", {"session": s.pk, "version": s.version, "slot": "tomorrow@x"}, follow=True
    )
    assert response.status_code == 200 and "Not moved" in response.content.decode()


def test_only_scheduled_future_bookings_offer_move(cast, chairs):
    done = booked(chairs[0], at(MONDAY, 9), status=SessionStatus.DISCHARGED)
    ahead = booked(chairs[1], at(MONDAY, 9))
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    assert f"move={ahead.pk}" in page and f"move={done.pk}" not in page
    assert f'data-session="{ahead.pk}"' in page and f'data-session="{done.pk}"' not in page


def test_the_week_view_shows_each_chair_by_day_with_counts_and_free_capacity(cast, chairs):
    booked(chairs[0], at(MONDAY, 9), patient=cast.patient_a)
    page = client_for(cast.admin).get(f"/calendar/?start={MONDAY}").content.decode()
    assert "1 booked" in page and "room for" in page
    assert page.index(">Chair 1<") < page.index(">Chair 2<")
    assert "7 h 15 min free" in page  # Chair 1 on Monday: 10 open hours less the 2 h 45 min visit
    assert "Ada A." in page and "1/1" in page


def test_the_patient_filter_is_a_search_field(cast, chairs):
    mine = booked(chairs[0], at(MONDAY, 9), patient=cast.patient_a)
    theirs = booked(chairs[1], at(MONDAY, 9), patient=cast.patient_b)
    client = client_for(cast.admin)
    page = client.get(f"/calendar/?start={MONDAY}").content.decode()
    assert 'type="search" name="patient"' in page
    filtered = client.get(f"/calendar/day/?date={MONDAY}&patient=alph").content.decode()
    assert f"/bookings/{mine.pk}/" in filtered and f"/bookings/{theirs.pk}/" not in filtered
    assert AccessLog.objects.filter(user=cast.admin, patient=cast.patient_a).exists()
    assert not AccessLog.objects.filter(user=cast.admin, patient=cast.patient_b).exists()


@pytest.mark.parametrize("url", [f"/calendar/?start={MONDAY}", f"/calendar/day/?date={MONDAY}"])
def test_the_calendars_run_the_same_queries_for_4_or_20_chairs(cast, frozen, url):
    client = client_for(cast.admin)
    for chair in clinic(4):
        booked(chair, at(MONDAY, 9))
    few = count_queries(client, url)
    for i in range(5, 21):
        booked(f.ChairFactory(name=f"Chair {i}"), at(MONDAY, 9))
    assert Chair.objects.count() == 20
    many = count_queries(client, url)
    assert few == many
