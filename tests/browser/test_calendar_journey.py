"""The chairs × time calendar with 10 chairs on a tablet and a phone: a booking is dragged to a free cell
and moved; a move onto a cell that breaks the rules is refused with the reason."""

import datetime as dt

import pytest
from django.utils import timezone

from sessions.models import RideStatus
from tests import factories as f
from tests.factories_scheduling import ensure_protocols

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_an_admin_drags_a_booking_to_a_free_cell_on_the_ten_chair_day(page, cast):
    ensure_protocols()
    f.open_weekdays()
    chairs = [f.ChairFactory(name=f"Chair {i}") for i in range(1, 11)]
    monday = next_monday()
    sessions = []
    for i, chair in enumerate(chairs[:7]):
        course = f.CourseFactory(patient=f.PatientFactory())
        s = f.TreatmentSessionFactory(course=course, chair=chair, planned_start=at(monday, 9 + i % 3))
        f.RideFactory(session=s, status=RideStatus.CONFIRMED if i % 2 else RideStatus.PLANNED)
        sessions.append(s)
    login(page, cast.admin.username)

    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"/calendar/?start={monday}")
    assert page.locator(".cal-week tbody th").all_inner_texts()[:3] == ["Chair 1", "Chair 2", "Chair 3"]
    shot(page, "calendar-week-10-chairs-tablet")
    page.goto(f"/calendar/day/?date={monday}")
    headings = page.locator(".cal-chair").all_inner_texts()
    assert headings == [f"Chair {i}" for i in range(1, 11)]
    assert page.evaluate("document.documentElement.scrollWidth") <= 768  # the grid scrolls, not the page
    shot(page, "calendar-day-10-chairs-tablet")

    moved = sessions[0]
    target = page.locator(f'[data-slot="{monday}T12:45@{chairs[1].pk}"]')
    with page.expect_navigation():
        page.drag_and_drop(f'.cal-session[data-session="{moved.pk}"]', f'[data-slot="{monday}T12:45@{chairs[1].pk}"]')
    assert "Moved" in page.locator(".messages").inner_text()
    moved.refresh_from_db()
    assert (moved.chair_id, moved.planned_start) == (chairs[1].pk, at(monday, 12, 45))
    assert target.count() == 0  # the cell is taken now

    # Move, then a cell: the same patient's other chair is free, but the patient is not.
    other = sessions[3]  # 09:00, over before the moved visit starts at 12:45 (no overlap for the patient)
    other.patient, other.course = moved.patient, moved.course
    other.save()
    page.goto(f"/calendar/day/?date={monday}&move={other.pk}")
    assert "Moving" in page.content()
    page.locator(f'button[data-slot="{monday}T14:00@{chairs[9].pk}"]').click()
    page.wait_for_load_state("networkidle")
    assert "Not moved: The patient already has" in page.locator(".messages").inner_text()
    shot(page, "calendar-day-move-refused-tablet")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/calendar/day/?date={monday}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "calendar-day-10-chairs-phone")
    page.goto(f"/calendar/?start={monday}")
    shot(page, "calendar-week-10-chairs-phone")
    assert not page.console_errors, page.console_errors


def test_the_twenty_chair_day_scrolls_sideways_in_its_own_box_with_the_times_kept_in_view_on_a_tablet(page, cast):
    ensure_protocols()
    f.open_weekdays()
    chairs = [f.ChairFactory(name=f"Chair {i}") for i in range(1, 21)]
    monday = next_monday()
    for i, chair in enumerate(chairs[::3]):
        s = f.TreatmentSessionFactory(course=f.CourseFactory(), chair=chair, planned_start=at(monday, 9 + i % 4))
        f.RideFactory(session=s, status=RideStatus.CONFIRMED)
    login(page, cast.admin.username)
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(f"/calendar/day/?date={monday}")
    assert page.locator(".cal-chair").all_inner_texts() == [f"Chair {i}" for i in range(1, 21)]
    assert page.evaluate("document.documentElement.scrollWidth") <= 768  # the page itself does not scroll
    box = page.locator(".cal-scroll")
    inside = box.evaluate("el => ({client: el.clientWidth, scroll: el.scrollWidth})")
    assert inside["scroll"] > inside["client"]  # the grid scrolls inside its box
    assert box.bounding_box()["x"] + box.bounding_box()["width"] <= 768
    shot(page, "calendar-day-20-chairs-tablet")

    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    left = box.bounding_box()["x"]
    hour = page.locator(".cal-hour").first.bounding_box()
    corner = page.locator(".cal-corner").bounding_box()
    assert abs(hour["x"] - left) <= 2 and abs(corner["x"] - left) <= 2  # times stay at the box's left edge
    last = page.locator(".cal-chair", has_text="Chair 20").bounding_box()
    assert last["x"] + last["width"] <= left + box.bounding_box()["width"] + 1  # the last chair scrolled into view
    assert last["x"] >= hour["x"] + hour["width"] - 1  # and not under the sticky times
    shot(page, "calendar-day-20-chairs-tablet-scrolled")
    assert not page.console_errors, page.console_errors
