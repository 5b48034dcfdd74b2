"""Regressions found while walking the scheduling pages as an admin, nurse and patient."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from sessions.models import Course
from sessions.scheduling import booking, courses, reviews
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
    return courses.course_create(**values)


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


def test_a_second_course_for_a_patient_with_an_open_course_is_refused(cast, chairs):
    first = plan_trd(cast)
    with pytest.raises(ValidationError) as exc:
        plan_trd(cast, protocol=f.protocol("esketamine-mdsi"), start_date=MONDAY + dt.timedelta(days=1))
    assert "already has a course" in str(exc.value.message_dict["patient"])
    assert Course.objects.get() == first


def test_a_new_course_may_follow_an_ended_one(cast, chairs):
    first = plan_trd(cast)
    courses.course_end(course=first, by=cast.admin, reason="Switching protocol")
    second = plan_trd(cast, protocol=f.protocol("esketamine-mdsi"))
    assert second.sessions.count() == 8


def test_the_plan_page_refuses_a_start_years_ahead_beside_the_field(cast, chairs):
    response = client_for(cast.admin).post(
        "/courses/new/",
        {
            "patient": cast.patient_a.pk,
            "protocol": f.protocol("esketamine-trd").pk,
            "prescriber": cast.prescriber.pk,
            "start_date": "9999-12-31",
            "weekdays": ["0", "3"],
            "time": "09:00",
        },
    )
    assert response.status_code == 200
    assert "within the next two years" in response.content.decode()
    assert not Course.objects.exists()


def test_filtering_the_week_calendar_stays_on_the_week_shown(cast, chairs):
    page = client_for(cast.admin).get("/calendar/?start=2030-01-14").content.decode()
    assert '<input type="hidden" name="start" value="2030-01-14">' in page


def test_filtering_the_day_calendar_stays_on_the_day_shown(cast, chairs):
    page = client_for(cast.admin).get("/calendar/day/?date=2030-01-15").content.decode()
    assert '<input type="hidden" name="date" value="2030-01-15">' in page


def ticked_weekdays(page: str) -> list[int]:
    boxes = re.findall(r'<input[^>]*name="weekdays"[^>]*>', page)
    return [int(re.search(r'value="(\d)"', box).group(1)) for box in boxes if " checked" in box]


def test_planning_from_a_free_slot_on_a_wednesday_starts_the_series_on_wednesdays(cast, chairs):
    page = client_for(cast.admin).get("/courses/new/?start_date=2030-01-09&time=10:00").content.decode()
    checked = ticked_weekdays(page)
    assert checked == [2, 4]  # Wednesday and Friday, not the default Monday/Thursday (weekends are closed)


def test_planning_from_a_free_slot_picks_a_partner_day_the_clinic_is_open(cast, chairs):
    page = client_for(cast.admin).get("/courses/new/?start_date=2030-01-11").content.decode()  # a Friday
    checked = ticked_weekdays(page)
    assert checked == [0, 4]  # Friday and Monday, three days on: weekends are closed in this clinic


def test_the_review_still_books_the_next_phase_after_the_preferred_chair_is_taken_out_of_use(cast, chairs):
    course = plan_trd(cast, preferred_chair=chairs[0])
    chairs[0].is_active = False
    chairs[0].save()
    reviews.course_review(course=course, by=cast.prescriber, decision="continue")
    later = course.sessions.exclude(phase=course.protocol.phases.order_by("order").first())
    assert later.exists()
    assert not later.filter(chair=chairs[0]).exists()


def test_a_paused_course_resumes_after_its_preferred_chair_is_taken_out_of_use(cast, chairs, frozen):
    course = plan_trd(cast, preferred_chair=chairs[0])
    courses.course_pause(course=course, by=cast.admin, reason="Travelling")
    chairs[0].is_active = False
    chairs[0].save()
    courses.course_resume(course=course, by=cast.admin, start_date=MONDAY + dt.timedelta(days=14))
    assert course.sessions.filter(status="scheduled", chair=chairs[1]).count() == 8


def test_stopping_at_the_review_says_the_course_is_stopped_not_that_sessions_were_booked(cast, chairs):
    course = plan_trd(cast)
    response = client_for(cast.prescriber).post(
        f"/courses/{course.pk}/review/", {"decision": "stop", "notes": "No response"}, follow=True
    )
    page = response.content.decode()
    assert "the course is stopped" in page
    assert "next sessions booked" not in page
    course.refresh_from_db()
    assert course.status == "ended"


def test_the_unconfirmed_rides_list_lets_a_nurse_call_the_patient_and_driver_from_a_phone(cast, chairs):
    soon = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), chair=chairs[0], planned_start=at(MONDAY, 9)
    )
    f.RideFactory(session=soon, status="planned", driver_phone="+1 555 0100 222")
    page = client_for(cast.staff).get("/rides/unconfirmed/").content.decode()
    assert 'href="tel:+1 555 0100 222"' in page
    assert f'href="tel:{cast.patient_a.phone}"' in page
    assert "pickup " in page  # the pickup time is shown inside the ride cell where the columns are hidden


def test_pausing_a_course_says_what_happened_to_its_sessions(cast, chairs):
    course = plan_trd(cast)
    response = client_for(cast.admin).post(f"/courses/{course.pk}/pause/", {"reason": "Travelling"}, follow=True)
    assert "Course paused; its upcoming sessions are cancelled" in response.content.decode()
