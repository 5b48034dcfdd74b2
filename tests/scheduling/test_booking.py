"""Booking services and pages: courses, clashes, optimistic locking, cancellations, missed sessions."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sessions.models import (
    Charge,
    ChargeKind,
    Course,
    CourseStatus,
    ReviewDecision,
    RideStatus,
    SessionStatus,
    TreatmentSession,
)
from sessions.scheduling import booking, courses, reviews, rides
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, NY, at, finish_phase

pytestmark = pytest.mark.django_db


def plan_trd(cast, chairs, **kwargs):
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


def test_planning_a_course_books_eight_sessions_with_rides(cast, chairs):
    course = plan_trd(cast, chairs)
    sessions = list(course.sessions.order_by("planned_start"))
    assert [s.number for s in sessions] == list(range(1, 9))
    assert all(s.ride.status == RideStatus.PLANNED for s in sessions)
    assert sessions[0].ride.driver_name == cast.patient_a.usual_ride_name
    assert course.status == CourseStatus.ACTIVE


def test_planning_a_course_leaves_an_audit_trail(cast, chairs):
    course = plan_trd(cast, chairs)
    assert TreatmentSession.history.filter(course_id=course.pk).count() == 8
    assert TreatmentSession.history.filter(course_id=course.pk).first().history_user == cast.admin


def test_the_plan_page_books_a_course_and_shows_it(cast, chairs):
    client = client_for(cast.admin)
    request = {
        "patient": cast.patient_a.pk,
        "protocol": f.protocol("esketamine-trd").pk,
        "prescriber": cast.prescriber.pk,
        "start_date": MONDAY.isoformat(),
        "weekdays": ["0", "3"],
        "time": "09:00",
    }
    preview = client.post("/courses/new/", {**request, "preview": "1"}).content.decode()
    token = re.search(r'name="plan_token" value="([^"]+)"', preview).group(1)
    response = client.post("/courses/new/", {**request, "plan_token": token})
    course = Course.objects.get()
    assert response.status_code == 302 and response["Location"] == course.get_absolute_url()
    page = client.get(course.get_absolute_url()).content.decode()
    assert page.count("of 8</td>") == 8


def test_the_plan_page_previews_without_saving(cast, chairs):
    response = client_for(cast.admin).post(
        "/courses/new/",
        {
            "patient": cast.patient_a.pk,
            "protocol": f.protocol("esketamine-trd").pk,
            "prescriber": cast.prescriber.pk,
            "start_date": MONDAY.isoformat(),
            "weekdays": ["0", "3"],
            "time": "09:00",
            "preview": "1",
        },
    )
    assert response.status_code == 200
    assert "Preview: 8 sessions" in response.content.decode()
    assert not Course.objects.exists()


def test_bad_input_on_the_plan_page_shows_a_message_and_saves_nothing(cast, chairs):
    response = client_for(cast.admin).post(
        "/courses/new/",
        {
            "patient": cast.patient_a.pk,
            "protocol": f.protocol("esketamine-trd").pk,
            "prescriber": cast.prescriber.pk,
            "start_date": (MONDAY - dt.timedelta(days=3)).isoformat(),
            "weekdays": ["0", "3"],
            "time": "09:00",
        },
    )
    assert response.status_code == 200
    assert "start date is in the past" in response.content.decode()
    assert not TreatmentSession.objects.exists()


def _reschedule(client, session, *, when, chair, version=None):
    return client.post(
        f"/bookings/{session.pk}/reschedule/",
        {
            "date": when.date().isoformat(),
            "time": when.strftime("%H:%M"),
            "chair": chair.pk,
            "version": session.version if version is None else version,
        },
    )


def test_a_clash_is_a_form_error_naming_the_booking_with_next_free_slots(cast, chairs):
    other = f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY, 13))
    course = plan_trd(cast, chairs, preferred_chair=chairs[0])
    mine = course.sessions.order_by("planned_start").first()
    response = _reschedule(client_for(cast.admin), mine, when=at(MONDAY, 13), chair=chairs[0])
    page = response.content.decode()
    assert response.status_code == 400
    assert f"booking #{other.pk}" in page
    assert "Next free slots" in page
    mine.refresh_from_db()
    assert mine.planned_start == at(MONDAY, 9)


def test_a_reschedule_moves_the_booking_and_bumps_its_version(cast, chairs):
    course = plan_trd(cast, chairs)
    mine = course.sessions.order_by("planned_start").first()
    response = _reschedule(client_for(cast.admin), mine, when=at(MONDAY, 11), chair=chairs[1])
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.planned_start, mine.chair, mine.version) == (at(MONDAY, 11), chairs[1], 2)


def test_a_second_admin_saving_an_old_version_is_told_the_booking_changed(cast, chairs):
    course = plan_trd(cast, chairs)
    mine = course.sessions.order_by("planned_start").first()
    stale = mine.version
    booking.session_reschedule(session=mine, start=at(MONDAY, 10), chair=chairs[0], by=cast.admin, version=stale)
    response = _reschedule(client_for(cast.admin), mine, when=at(MONDAY, 11), chair=chairs[1], version=stale)
    assert response.status_code == 400
    assert "booking changed" in response.content.decode()
    mine.refresh_from_db()
    assert mine.planned_start == at(MONDAY, 10)


def test_a_reschedule_too_close_to_the_next_session_is_refused(cast, chairs):
    course = plan_trd(cast, chairs)
    first = course.sessions.order_by("planned_start").first()
    with pytest.raises(ValidationError) as exc:
        booking.session_reschedule(
            session=first, start=at(MONDAY + dt.timedelta(days=2), 9), chair=chairs[0], by=cast.admin, version=1
        )
    assert "needs at least 2" in str(exc.value)


def test_cancelling_early_renumbers_the_series_and_carries_no_fee(cast, chairs):
    f.clinic_settings(cancellation_fee=Decimal("75.00"))
    course = plan_trd(cast, chairs)
    second = course.sessions.order_by("planned_start")[1]
    booking.session_cancel(session=second, by=cast.admin, reason="Unwell", version=second.version)
    assert not Charge.objects.filter(session=second).exists()
    numbers = list(course.sessions.holding_time().order_by("planned_start").values_list("number", flat=True))
    assert numbers == list(range(1, 8))


def test_a_cancellation_inside_the_late_window_carries_the_late_fee(cast, chairs, frozen):
    f.clinic_settings(cancellation_fee=Decimal("75.00"))
    course = plan_trd(cast, chairs)
    first = course.sessions.order_by("planned_start").first()
    booking.session_cancel(session=first, by=cast.admin, reason="Car trouble")
    charge = Charge.objects.get(session=first)
    assert (charge.kind, charge.patient_part) == (ChargeKind.LATE_CANCEL, Decimal("75.00"))


def test_a_cancellation_needs_a_reason(cast, chairs):
    course = plan_trd(cast, chairs)
    with pytest.raises(ValidationError):
        booking.session_cancel(session=course.sessions.first(), by=cast.admin, reason="  ")


def test_a_no_show_cannot_be_marked_before_the_start(cast, chairs):
    course = plan_trd(cast, chairs)
    with pytest.raises(ValidationError):
        booking.session_no_show(session=course.sessions.order_by("planned_start").first(), by=cast.staff)


def test_a_missed_induction_session_offers_slots_that_keep_the_spacing(cast, chairs, frozen):
    course = plan_trd(cast, chairs)
    first = course.sessions.order_by("planned_start").first()
    frozen.move_to(at(MONDAY, 10))
    booking.session_no_show(session=first, by=cast.staff)
    first.refresh_from_db()
    options = booking.missed_session_options(first)
    assert options["kind"] == "induction"
    others = [s.planned_start.astimezone(NY).date() for s in course.sessions.holding_time()]
    for slot in options["slots"]:
        assert all(abs((slot.start.astimezone(NY).date() - d).days) >= 2 for d in others)
    assert options["slots"]


def test_booking_an_offered_make_up_slot_keeps_the_numbering_right(cast, chairs, frozen):
    course = plan_trd(cast, chairs)
    first = course.sessions.order_by("planned_start").first()
    frozen.move_to(at(MONDAY, 10))
    booking.session_no_show(session=first, by=cast.staff)
    slot = booking.missed_session_options(first)["slots"][0]
    made_up = booking.session_book(course=course, start=slot.start, chair=slot.chair, by=cast.admin)
    numbers = list(course.sessions.holding_time().order_by("planned_start").values_list("number", flat=True))
    assert numbers == list(range(1, 9))
    assert made_up.status == SessionStatus.SCHEDULED


def test_a_missed_maintenance_session_offers_the_previous_schedule(cast, chairs):
    maintenance = f.protocol("esketamine-trd").phases.get(order=3)
    session = f.TreatmentSessionFactory(phase=maintenance, chair=chairs[0], planned_start=at(MONDAY, 6))
    options = booking.missed_session_options(session)
    assert options["kind"] == "maintenance"
    assert options["previous_phase"].order == 2


def test_the_end_of_induction_review_books_the_weekly_phase(cast, chairs):
    course = plan_trd(cast, chairs)
    finish_phase(course)
    reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.CONTINUE, notes="Responding")
    course.refresh_from_db()
    assert course.current_phase.order == 2
    weekly = list(course.sessions.filter(phase=course.current_phase).order_by("planned_start"))
    assert len(weekly) == 4
    assert [s.number for s in weekly] == [9, 10, 11, 12]
    days = [s.planned_start.astimezone(NY).date() for s in weekly]
    assert all((b - a).days == 7 for a, b in zip(days, days[1:], strict=False))


def test_a_changed_frequency_plans_every_two_weeks(cast, chairs):
    course = plan_trd(cast, chairs)
    finish_phase(course)
    reviews.course_review(
        course=course,
        by=cast.prescriber,
        decision=ReviewDecision.CHANGE_FREQUENCY,
        interval_weeks=2,
        sessions_to_plan=3,
    )
    course.refresh_from_db()
    weekly = list(course.sessions.filter(phase=course.current_phase).order_by("planned_start"))
    days = [s.planned_start.astimezone(NY).date() for s in weekly]
    assert [(b - a).days for a, b in zip(days, days[1:], strict=False)] == [14, 14]


def test_only_a_prescriber_records_a_review(cast, chairs):
    course = plan_trd(cast, chairs)
    finish_phase(course)
    with pytest.raises(ValidationError):
        reviews.course_review(course=course, by=cast.admin, decision=ReviewDecision.CONTINUE)


def test_stopping_at_review_ends_the_course_and_books_nothing_more(cast, chairs):
    course = plan_trd(cast, chairs)
    finish_phase(course)
    reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.STOP, notes="No response")
    course.refresh_from_db()
    assert course.status == CourseStatus.ENDED
    assert course.current_phase.order == 1
    assert not course.sessions.filter(status=SessionStatus.SCHEDULED).exists()
    assert course.sessions.count() == 8


def test_pausing_releases_upcoming_sessions_and_resuming_books_the_rest(cast, chairs):
    course = plan_trd(cast, chairs)
    courses.course_pause(course=course, by=cast.admin, reason="Travelling")
    assert not course.sessions.holding_time().exists()
    courses.course_resume(course=course, by=cast.admin, start_date=MONDAY + dt.timedelta(days=14))
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE
    assert course.sessions.holding_time().count() == 8


def test_ending_a_course_needs_a_reason(cast, chairs):
    course = plan_trd(cast, chairs)
    with pytest.raises(ValidationError):
        courses.course_end(course=course, by=cast.admin, reason="")


def test_a_confirmed_ride_needs_a_driver(cast, chairs):
    course = plan_trd(cast, chairs)
    with pytest.raises(ValidationError):
        rides.ride_update(
            session=course.sessions.first(),
            by=cast.staff,
            kind="companion",
            driver_name="",
            driver_phone="",
            confirm=True,
        )


def test_staff_confirm_a_ride_from_the_booking_page(cast, chairs):
    course = plan_trd(cast, chairs)
    session = course.sessions.first()
    response = client_for(cast.staff).post(
        f"/bookings/{session.pk}/ride/",
        {"kind": "companion", "driver_name": "Kim Lee", "driver_phone": "+1 555 0100 999", "confirm": "on"},
    )
    assert response.status_code == 302
    session.ride.refresh_from_db()
    assert session.ride.status == RideStatus.CONFIRMED and session.ride.confirmed_by == cast.staff


def test_a_reschedule_into_an_inactive_chair_is_refused(cast, chairs):
    course = plan_trd(cast, chairs)
    mine = course.sessions.order_by("planned_start").first()
    chairs[1].is_active = False
    chairs[1].save()
    response = _reschedule(client_for(cast.admin), mine, when=at(MONDAY, 11), chair=chairs[1])
    assert response.status_code == 400
    assert "inactive" in response.content.decode()


def test_a_reschedule_outside_opening_hours_is_refused(cast, chairs):
    course = plan_trd(cast, chairs)
    mine = course.sessions.order_by("planned_start").first()
    response = _reschedule(client_for(cast.admin), mine, when=at(MONDAY, 16), chair=chairs[0])
    assert response.status_code == 400
    assert "Outside opening hours" in response.content.decode()
    mine.refresh_from_db()
    assert mine.version == 1


def test_staff_cannot_reschedule_but_can_mark_a_no_show(cast, chairs, frozen):
    course = plan_trd(cast, chairs)
    first = course.sessions.order_by("planned_start").first()
    staff = client_for(cast.staff)
    assert _reschedule(staff, first, when=at(MONDAY, 11), chair=chairs[1]).status_code == 403
    frozen.move_to(at(MONDAY, 10))
    staff = client_for(cast.staff)  # a fresh login: the idle timeout ended the earlier one
    response = staff.post(f"/bookings/{first.pk}/no-show/", {"version": first.version})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == SessionStatus.NO_SHOW
    page = staff.get(f"/bookings/{first.pk}/").content.decode()
    assert "Missed session" in page and "keeps going" in page


def test_the_plan_page_prefills_the_patient_from_the_patient_page(cast, chairs):
    page = client_for(cast.admin).get(f"/courses/new/?patient={cast.patient_a.pk}").content.decode()
    assert f'<option value="{cast.patient_a.pk}" selected>' in page


def test_returning_to_the_previous_schedule_replaces_maintenance_with_weekly_sessions(cast, chairs):
    course = plan_trd(cast, chairs)
    finish_phase(course)
    reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.CONTINUE)
    finish_phase(course)
    reviews.course_review(course=course, by=cast.prescriber, decision=ReviewDecision.CONTINUE, sessions_to_plan=4)
    course.refresh_from_db()
    assert course.current_phase.kind == "maintenance"
    maintenance = course.current_phase
    missed = course.sessions.filter(phase=maintenance).order_by("planned_start").first()
    TreatmentSession.objects.filter(pk=missed.pk).update(status=SessionStatus.NO_SHOW)
    reviews.course_review(
        course=course, by=cast.prescriber, decision=ReviewDecision.RETURN_TO_PREVIOUS, sessions_to_plan=3
    )
    course.refresh_from_db()
    assert course.current_phase.order == 2
    assert not course.sessions.holding_time().filter(phase=maintenance).exists()
    assert course.reviews.order_by("-pk").first().decision == ReviewDecision.RETURN_TO_PREVIOUS
    numbers = list(course.sessions.holding_time().order_by("planned_start").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_slots_offered_after_a_clash_with_the_patients_own_session_keep_the_course_spacing(cast, chairs):
    course = plan_trd(cast, chairs)
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


def test_a_second_course_for_a_patient_with_an_open_course_is_refused(cast, chairs):
    first = plan_trd(cast, chairs)
    with pytest.raises(ValidationError) as exc:
        plan_trd(cast, chairs, protocol=f.protocol("esketamine-mdsi"), start_date=MONDAY + dt.timedelta(days=1))
    assert "already has a course" in str(exc.value.message_dict["patient"])
    assert Course.objects.get() == first


def test_a_new_course_may_follow_an_ended_one(cast, chairs):
    first = plan_trd(cast, chairs)
    courses.course_end(course=first, by=cast.admin, reason="Switching protocol")
    second = plan_trd(cast, chairs, protocol=f.protocol("esketamine-mdsi"))
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
    course = plan_trd(cast, chairs, preferred_chair=chairs[0])
    chairs[0].is_active = False
    chairs[0].save()
    finish_phase(course)
    reviews.course_review(course=course, by=cast.prescriber, decision="continue")
    later = course.sessions.exclude(phase=course.protocol.phases.order_by("order").first())
    assert later.exists()
    assert not later.filter(chair=chairs[0]).exists()


def test_a_paused_course_resumes_after_its_preferred_chair_is_taken_out_of_use(cast, chairs, frozen):
    course = plan_trd(cast, chairs, preferred_chair=chairs[0])
    courses.course_pause(course=course, by=cast.admin, reason="Travelling")
    chairs[0].is_active = False
    chairs[0].save()
    courses.course_resume(course=course, by=cast.admin, start_date=MONDAY + dt.timedelta(days=14))
    assert course.sessions.filter(status="scheduled", chair=chairs[1]).count() == 8


def test_stopping_at_the_review_says_the_course_is_stopped_not_that_sessions_were_booked(cast, chairs):
    course = plan_trd(cast, chairs)
    finish_phase(course)
    response = client_for(cast.prescriber).post(
        f"/courses/{course.pk}/review/", {"decision": "stop", "notes": "No response"}, follow=True
    )
    page = response.content.decode()
    assert "the course is stopped" in page
    assert "next sessions booked" not in page
    course.refresh_from_db()
    assert course.status == "ended"


def test_pausing_a_course_says_what_happened_to_its_sessions(cast, chairs):
    course = plan_trd(cast, chairs)
    response = client_for(cast.admin).post(f"/courses/{course.pk}/pause/", {"reason": "Travelling"}, follow=True)
    assert "Course paused; its upcoming sessions are cancelled" in response.content.decode()
