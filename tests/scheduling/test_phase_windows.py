"""Phase windows: a move beyond the phase's weeks plus the clinic's allowed slip is refused, or allowed only
by a prescriber with a reason, and the course page marks it out of window."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions.models import TreatmentSession
from sessions.scheduling import booking, courses
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, NY, at

pytestmark = pytest.mark.django_db
WEEK_7 = MONDAY + dt.timedelta(weeks=6)  # Monday of week 7
WITHIN_SLIP = MONDAY + dt.timedelta(days=31)  # Friday of week 5: 4 weeks plus up to 7 days' slip


def plan(cast, slug):
    return courses.course_create(
        patient=cast.patient_a,
        protocol=f.protocol(slug),
        prescriber=cast.prescriber,
        start_date=MONDAY,
        weekdays=[0, 3],
        time=dt.time(9),
        by=cast.admin,
    )


def last(course) -> TreatmentSession:
    return course.sessions.order_by("planned_start").last()


def test_moving_an_mdsi_session_from_week_4_to_week_7_is_refused(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    with pytest.raises(ValidationError, match="beyond the window of Twice weekly") as exc:
        booking.session_reschedule(session=session, start=at(WEEK_7, 9), chair=chairs[0], by=cast.admin, version=None)
    assert "ask a prescriber" in str(exc.value)
    session.refresh_from_db()
    assert session.planned_start.astimezone(NY).date() == MONDAY + dt.timedelta(days=24)


def test_an_induction_session_may_slip_by_the_clinics_allowed_days(cast, chairs):
    session = last(plan(cast, "esketamine-trd"))
    booking.session_reschedule(session=session, start=at(WITHIN_SLIP, 9), chair=chairs[0], by=cast.admin, version=None)
    session.refresh_from_db()
    assert session.planned_start.astimezone(NY).date() == WITHIN_SLIP


def test_the_slip_follows_the_clinic_setting(cast, chairs):
    f.clinic_settings(phase_slip_days=0)
    session = last(plan(cast, "esketamine-trd"))
    with pytest.raises(ValidationError, match="0 days' allowed slip"):
        booking.session_reschedule(
            session=session, start=at(WITHIN_SLIP, 9), chair=chairs[0], by=cast.admin, version=None
        )


def test_a_prescriber_needs_a_reason_to_move_beyond_the_window(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    with pytest.raises(ValidationError) as exc:
        booking.session_reschedule(
            session=session, start=at(WEEK_7, 9), chair=chairs[0], by=cast.prescriber, version=None
        )
    assert "window_reason" in exc.value.message_dict


def test_a_prescriber_with_a_reason_moves_beyond_the_window_and_the_reason_is_audited(cast, chairs):
    course = plan(cast, "esketamine-mdsi")
    session = last(course)
    booking.session_reschedule(
        session=session,
        start=at(WEEK_7, 9),
        chair=chairs[0],
        by=cast.prescriber,
        version=None,
        window_reason="Inpatient stay weeks 5-6",
    )
    session.refresh_from_db()
    assert session.planned_start.astimezone(NY).date() == WEEK_7
    row = TreatmentSession.history.filter(id=session.pk).order_by("-history_id").first()
    assert row.history_user == cast.prescriber and "Inpatient stay weeks 5-6" in row.history_change_reason


def test_the_course_page_marks_a_session_out_of_window(cast, chairs):
    course = plan(cast, "esketamine-mdsi")
    client = client_for(cast.prescriber)
    assert "out of window" not in client.get(course.get_absolute_url()).content.decode()
    booking.session_reschedule(
        session=last(course), start=at(WEEK_7, 9), chair=chairs[0], by=cast.prescriber, version=None, window_reason="x"
    )
    page = client.get(course.get_absolute_url())
    assert page.status_code == 200 and page.content.decode().count("out of window") == 1


def test_the_booking_page_refuses_a_move_beyond_the_window_beside_the_date(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    response = client_for(cast.admin).post(
        f"/bookings/{session.pk}/reschedule/",
        {"date": WEEK_7.isoformat(), "time": "09:00", "chair": chairs[0].pk, "version": session.version},
    )
    assert response.status_code == 400 and "beyond the window of Twice weekly" in response.content.decode()
    session.refresh_from_db()
    assert session.version == 1


def test_the_booking_page_says_until_when_the_phase_allows_the_move(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    page = client_for(cast.admin).get(f"/bookings/{session.pk}/")
    assert page.status_code == 200
    assert "Twice weekly (4 weeks) window: until Sun 10 Feb 2030" in page.content.decode()


def test_a_nurse_cannot_move_a_booking(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    with pytest.raises(ValidationError, match="Only an admin or a prescriber"):
        booking.session_reschedule(
            session=session, start=at(WITHIN_SLIP, 9), chair=chairs[0], by=cast.staff, version=None
        )
    session.refresh_from_db()
    assert session.version == 1


def test_a_prescriber_moves_a_booking_beyond_the_window_from_its_page_with_a_reason(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    client = client_for(cast.prescriber)
    page = client.get(f"/bookings/{session.pk}/")
    assert page.status_code == 200 and 'id="reschedule-form"' in page.content.decode()
    assert "Cancel the booking" not in page.content.decode()  # cancelling stays with the admins
    response = client.post(
        f"/bookings/{session.pk}/reschedule/",
        {
            "date": WEEK_7.isoformat(),
            "time": "09:00",
            "chair": chairs[0].pk,
            "version": session.version,
            "window_reason": "Inpatient stay weeks 5-6",
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.planned_start.astimezone(NY).date() == WEEK_7
    row = TreatmentSession.history.filter(id=session.pk).order_by("-history_id").first()
    assert row.history_user == cast.prescriber and "Inpatient stay weeks 5-6" in row.history_change_reason


def test_a_nurse_neither_sees_the_move_form_nor_may_post_it(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    client = client_for(cast.staff)
    page = client.get(f"/bookings/{session.pk}/")
    assert page.status_code == 200 and 'id="reschedule-form"' not in page.content.decode()
    response = client.post(
        f"/bookings/{session.pk}/reschedule/",
        {"date": WITHIN_SLIP.isoformat(), "time": "09:00", "chair": chairs[0].pk, "version": session.version},
    )
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.version == 1


def test_an_admin_who_is_not_a_prescriber_is_told_to_ask_a_prescriber_even_with_a_reason(cast, chairs):
    session = last(plan(cast, "esketamine-mdsi"))
    response = client_for(cast.admin).post(
        f"/bookings/{session.pk}/reschedule/",
        {
            "date": WEEK_7.isoformat(),
            "time": "09:00",
            "chair": chairs[0].pk,
            "version": session.version,
            "window_reason": "Patient asked",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and "ask a prescriber to move it" in body
    session.refresh_from_db()
    assert session.version == 1
