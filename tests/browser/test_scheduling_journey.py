"""An admin plans a TRD course from the calendar; the patient confirms a ride and downloads an .ics."""

import datetime as dt

import pytest
from django.utils import timezone

from sessions.models import Course, RideStatus
from tests import factories as f
from tests.factories_scheduling import ensure_protocols

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def test_admin_plans_a_trd_course_from_the_calendar_and_patient_confirms_a_ride(page, cast):
    ensure_protocols()
    f.open_weekdays()
    for i in range(1, 4):
        f.ChairFactory(name=f"Chair {i}")
    f.StaffShiftFactory(date=next_monday(), staff=cast.staff)
    start = next_monday()

    login(page, cast.admin.username)
    page.goto(f"/calendar/?start={start}")
    shot(page, "scheduling-calendar-empty")
    page.get_by_role("link", name="Plan a course").click()
    page.select_option("#id_patient", str(cast.patient_a.pk))
    page.select_option("#id_protocol", label=f.protocol("esketamine-trd").name)
    page.select_option("#id_prescriber", str(cast.prescriber.pk))
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_time", "09:00")
    page.click("input[name=preview]")
    assert "Preview: 8 sessions" in page.content()
    shot(page, "scheduling-plan-preview")
    page.click("input[name=submit]")
    page.wait_for_load_state("networkidle")
    course = Course.objects.get()
    assert page.url.endswith(course.get_absolute_url())
    rows = page.locator("table.course-sessions tbody tr")
    assert rows.count() == 8
    assert page.locator("table.course-sessions tbody tr", has_text="Induction").count() == 8
    dates = [
        s.planned_start.astimezone(timezone.get_current_timezone()) for s in course.sessions.order_by("planned_start")
    ]
    assert [d.weekday() for d in dates] == [0, 3] * 4
    assert min((b.date() - a.date()).days for a, b in zip(dates, dates[1:], strict=False)) >= 2
    assert not page.console_errors, page.console_errors
    shot(page, "scheduling-course-detail")

    page.goto(f"/calendar/?start={start}")
    assert page.locator(".cal-session").count() == 2  # Monday and Thursday of the first week
    shot(page, "scheduling-calendar-week")
    page.goto(f"/calendar/day/?date={start}")
    shot(page, "scheduling-calendar-day")

    page.context.clear_cookies()
    login(page, cast.patient_a.user.username)
    assert "Session 1 of 8" in page.content()
    shot(page, "scheduling-portal-home")
    page.locator("a.appointment").first.click()
    page.fill("#id_driver_name", "Robin Carter")
    page.fill("#id_driver_phone", "+1 555 0100 777")
    page.check("#id_confirm")
    page.click("#ride-form input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "your ride is confirmed" in page.content()
    first = course.sessions.order_by("planned_start").first()
    first.ride.refresh_from_db()
    assert first.ride.status == RideStatus.CONFIRMED and first.ride.driver_name == "Robin Carter"
    shot(page, "scheduling-portal-appointment")
    with page.expect_download() as info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    content = open(info.value.path(), encoding="utf-8").read()
    assert "BEGIN:VEVENT" in content and "Clinic appointment" in content
    assert not page.console_errors, page.console_errors
