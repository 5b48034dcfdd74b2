"""Free time starts from now: the hours of today already past (clinic time, America/New_York) are not free,
so the calendars neither count them ("room for N more", "… free") nor offer a slot in them."""

import datetime as dt

import pytest

from sessions.scheduling.calendars import calendar_days
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + dt.timedelta(days=1)


def test_free_time_today_starts_at_the_next_quarter_hour_after_now(chairs, frozen):
    frozen.move_to(at(MONDAY, 10, 5))
    (monday,) = calendar_days(MONDAY, 1)
    assert [cd.free for cd in monday.chairs] == [[(at(MONDAY, 10, 15), at(MONDAY, 18))]] * 2


def test_free_time_tomorrow_keeps_the_whole_opening_hours(chairs, frozen):
    frozen.move_to(at(MONDAY, 10, 5))
    (tuesday,) = calendar_days(TUESDAY, 1)
    assert tuesday.chairs[0].free == [(at(TUESDAY, 8), at(TUESDAY, 18))]


def test_a_day_already_over_has_no_free_time(chairs, frozen):
    frozen.move_to(at(TUESDAY, 9))
    (monday,) = calendar_days(MONDAY, 1)
    assert all(cd.free == [] for cd in monday.chairs)


def test_free_time_follows_the_clinics_evening_not_utcs_next_day(chairs, frozen):
    frozen.move_to(at(MONDAY, 20, 30))  # 01:30 on Tuesday in UTC
    monday, tuesday = calendar_days(MONDAY, 2)
    assert monday.chairs[0].free == []
    assert tuesday.chairs[0].free == [(at(TUESDAY, 8), at(TUESDAY, 18))]


def test_the_week_counts_only_todays_time_still_ahead(cast, chairs, frozen):
    frozen.move_to(at(MONDAY, 10, 5))
    page = client_for(cast.admin).get(f"/calendar/?start={MONDAY}").content.decode()
    assert page.count("7 h 45 min free") == 2  # Monday 10:15–18:00 in each chair
    assert page.count("10 h free") == 2 * 4  # Tuesday to Friday untouched


def test_the_day_calendar_offers_no_cell_before_now(cast, chairs, frozen):
    frozen.move_to(at(MONDAY, 10, 5))
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    assert f"time=10:15&chair={chairs[0].pk}" in page
    assert not any(f"time={h:02d}:{m:02d}&" in page for h in range(8, 10) for m in (0, 15, 30, 45))
    assert "time=10:00&" not in page


def test_the_free_slot_search_offers_nothing_before_now(cast, chairs, frozen):
    frozen.move_to(at(MONDAY, 10, 5))
    f.TreatmentSessionFactory(chair=chairs[1], planned_start=at(MONDAY, 8))
    page = (
        client_for(cast.admin)
        .get(f"/calendar/free/?protocol={f.protocol().pk}&chair={chairs[0].pk}&after={MONDAY}")
        .content.decode()
    )
    assert "Mon 7 Jan, 10:15" in page
    assert not any(f"Mon 7 Jan, {h:02d}:" in page for h in range(8, 10))
