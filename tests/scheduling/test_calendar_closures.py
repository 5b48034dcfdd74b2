"""Closures and short days on the calendars: the reason of a closure is shown in words on the day it closes
(or shortens), and the week's day header says the hours open on a day shorter than usual."""

import datetime as dt
import re

import pytest

from clinic.models import OpeningHours
from clinic.places import Closure
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at

pytestmark = pytest.mark.django_db
THURSDAY = MONDAY + dt.timedelta(days=3)


def close(day, reason="Public holiday", **hours):
    return Closure.objects.create(date=day, reason=reason, **hours)


def week(cast, start=MONDAY):
    response = client_for(cast.admin).get(f"/calendar/?start={start}")
    assert response.status_code == 200
    return response.content.decode()


def day_page(cast, day):
    response = client_for(cast.admin).get(f"/calendar/day/?date={day}")
    assert response.status_code == 200
    return response.content.decode()


def header(page, day):
    """The week table's heading cell of ``day``."""
    cells = re.findall(r'<th scope="col" class="cal-day.*?</th>', page, re.S)
    found = [cell for cell in cells if f"date={day:%Y-%m-%d}" in cell]
    assert found, f"no heading for {day}"
    return found[0]


def test_the_week_shows_a_closed_day_with_the_closures_reason(cast, chairs):
    close(THURSDAY, "Thanksgiving")
    thursday = header(week(cast), THURSDAY)
    assert "Closed: Thanksgiving" in thursday


def test_the_day_calendar_says_why_the_clinic_is_closed(cast, chairs):
    close(THURSDAY, "Thanksgiving")
    assert "The clinic is closed on this day: Thanksgiving." in day_page(cast, THURSDAY)


def test_the_day_calendar_gives_the_reduced_hours_and_their_reason(cast, chairs):
    close(MONDAY, "Staff training in the afternoon", opens=dt.time(8), closes=dt.time(12))
    assert "Open 08:00–12:00 only: Staff training in the afternoon." in day_page(cast, MONDAY)


def test_the_week_marks_a_day_with_reduced_hours_by_a_closure_with_its_hours_and_reason(cast, chairs):
    close(MONDAY, "Staff training in the afternoon", opens=dt.time(8), closes=dt.time(12))
    page = week(cast)
    monday = header(page, MONDAY)
    assert "Open 08:00–12:00" in monday and "Staff training in the afternoon" in monday
    assert "Open 08:00" not in header(page, MONDAY + dt.timedelta(days=1))  # a usual day says no hours


def test_the_week_marks_a_weekday_whose_weekly_hours_are_shorter_than_usual(cast, chairs):
    OpeningHours.objects.filter(weekday=4).update(closes=dt.time(14))
    page = week(cast)
    assert "Open 08:00–14:00" in header(page, MONDAY + dt.timedelta(days=4))
    assert "Open 08:00" not in header(page, THURSDAY)


def test_the_week_does_not_mark_a_usual_day(cast, chairs):
    page = week(cast)
    assert "short-day" not in header(page, MONDAY) and "Open 08:00" not in header(page, MONDAY)


def test_the_day_grid_marks_the_closed_hours_a_booking_still_sits_in_with_the_reason(cast, chairs):
    f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY, 14))
    close(MONDAY, "Staff training in the afternoon", opens=dt.time(8), closes=dt.time(12))
    page = day_page(cast, MONDAY)
    closed = re.findall(r'<div class="cal-block cal-closed gc-(\d+) gr-(\d+) [^"]*">(.*?)</div>', page, re.S)
    assert [(col, row) for col, row, _ in closed] == [("2", "18"), ("3", "18")]  # 12:00 is row 2 + 16
    assert all("Closed: Staff training in the afternoon" in text for _, _, text in closed)


def test_a_booking_in_the_closed_hours_says_so_on_the_day_grid_and_one_in_the_open_hours_does_not(cast, chairs):
    f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY, 14))  # wholly after closing
    f.TreatmentSessionFactory(chair=chairs[1], planned_start=at(MONDAY, 11))  # runs past closing
    f.TreatmentSessionFactory(chair=chairs[1], planned_start=at(MONDAY, 8))  # inside the hours open
    close(MONDAY, "Staff training in the afternoon", opens=dt.time(8), closes=dt.time(12))
    page = day_page(cast, MONDAY)
    blocks = [b.split("cal-block", 1)[0] for b in page.split('class="cal-block cal-session')[1:]]
    starts = {re.search(r">(\d\d:\d\d)–", b).group(1): "In closed hours" in b for b in blocks}
    assert starts == {"08:00": False, "11:00": True, "14:00": True}
