"""Day board, calendars, rides list and the patient portal: content and bounded query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from sessions.models import RideStatus, SessionStatus
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at

pytestmark = pytest.mark.django_db


def sessions_on(day, n, chair, patient=None):
    made = []
    for i in range(n):
        start = at(day, 8) + dt.timedelta(minutes=10 * i)
        course = f.CourseFactory(patient=patient) if patient else f.CourseFactory()
        s = f.TreatmentSessionFactory(
            course=course, chair=chair, planned_start=start, planned_end=start + dt.timedelta(minutes=10)
        )
        f.RideFactory(session=s)
        made.append(s)
    return made


def count_queries(client, url):
    client.get(url)  # the first request of a login writes its session; count a steady-state request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_day_board_shows_todays_sessions_by_chair(cast, chairs):
    s = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), chair=chairs[1], planned_start=at(MONDAY, 9)
    )
    f.RideFactory(session=s, status=RideStatus.CONFIRMED)
    page = client_for(cast.staff).get("/today/").content.decode()
    assert "Ada Alpha" in page and "Chair 2" in page
    assert "Session 1 of 1" in page and "Ride confirmed" in page and "Scheduled" in page
    assert f"/bookings/{s.pk}/" in page or f"/sessions/{s.pk}/" in page


def test_the_day_boards_htmx_refresh_gets_the_board_alone(cast, chairs):
    sessions_on(MONDAY, 1, chairs[0], patient=cast.patient_a)
    client = client_for(cast.staff)
    full = client.get("/today/")
    partial = client.get("/today/", headers={"HX-Request": "true", "X-Auto-Refresh": "1"})
    assert full.status_code == partial.status_code == 200
    assert "<html" in full.content.decode()
    board = partial.content.decode().strip()
    assert board.startswith('<div id="day-board"') and "<html" not in board
    assert "Ada Alpha" in board


def test_the_day_board_runs_the_same_queries_for_5_or_60_sessions(cast, chairs):
    client = client_for(cast.staff)
    sessions_on(MONDAY, 5, chairs[0])
    few = count_queries(client, "/today/")
    sessions_on(MONDAY, 55, chairs[1])
    many = count_queries(client, "/today/")
    assert few == many


def test_the_week_calendar_runs_the_same_queries_for_5_or_60_sessions(cast, chairs):
    client = client_for(cast.admin)
    for day in range(5):
        sessions_on(MONDAY + dt.timedelta(days=day), 1, chairs[0])
    few = count_queries(client, f"/calendar/?start={MONDAY}")
    for day in range(5):
        sessions_on(MONDAY + dt.timedelta(days=day), 11, chairs[1])
    many = count_queries(client, f"/calendar/?start={MONDAY}")
    assert few == many


def test_the_day_calendar_runs_the_same_queries_for_5_or_60_sessions(cast, chairs):
    client = client_for(cast.admin)
    sessions_on(MONDAY, 5, chairs[0])
    few = count_queries(client, f"/calendar/day/?date={MONDAY}")
    sessions_on(MONDAY, 55, chairs[1])
    many = count_queries(client, f"/calendar/day/?date={MONDAY}")
    assert few == many


def test_the_week_calendar_shows_free_time_and_filters_by_patient(cast, chairs):
    mine = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), chair=chairs[0], planned_start=at(MONDAY, 9)
    )
    f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_b), chair=chairs[1], planned_start=at(MONDAY, 9)
    )
    client = client_for(cast.admin)
    page = client.get(f"/calendar/?start={MONDAY}").content.decode()
    assert "7 h 15 min free" in page  # Chair 1 on Monday: free 08:00–09:00 and 11:45–18:00
    filtered = client.get(f"/calendar/?start={MONDAY}&patient=Ada").content.decode()
    assert f"/bookings/{mine.pk}/" in filtered and "Ben B." not in filtered


def test_the_calendar_warns_when_a_slot_exceeds_nurse_capacity(cast, chairs):
    f.StaffShiftFactory(date=MONDAY, staff=cast.staff)
    f.clinic_settings(patients_per_nurse=1)
    for chair in chairs:
        f.TreatmentSessionFactory(chair=chair, planned_start=at(MONDAY, 9))
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    assert "2 patients in chairs with 1 nurse on site" in page
    assert "without a prescriber on site" in page


def test_find_next_free_slot_lists_free_visits(cast, chairs):
    f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY, 8))
    page = (
        client_for(cast.admin)
        .get(f"/calendar/free/?protocol={f.protocol().pk}&chair={chairs[0].pk}&after={MONDAY}")
        .content.decode()
    )
    assert "Mon 7 Jan, 10:45" in page


def test_unconfirmed_rides_of_the_next_two_days_are_listed(cast, chairs):
    soon = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), chair=chairs[0], planned_start=at(MONDAY, 9)
    )
    f.RideFactory(session=soon, status=RideStatus.PLANNED)
    later = f.TreatmentSessionFactory(chair=chairs[0], planned_start=at(MONDAY + dt.timedelta(days=5), 9))
    f.RideFactory(session=later, status=RideStatus.MISSING)
    page = client_for(cast.staff).get("/rides/unconfirmed/").content.decode()
    assert f"/bookings/{soon.pk}/" in page and f"/bookings/{later.pk}/" not in page


# ---- Portal -----------------------------------------------------------------------------------


def portal_session(cast, chairs, **kwargs):
    s = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), chair=chairs[0], planned_start=at(MONDAY, 9), **kwargs
    )
    f.RideFactory(session=s, status=RideStatus.MISSING, driver_name="", driver_phone="")
    return s


def test_the_portal_lists_upcoming_appointments_with_preparation(cast, chairs):
    portal_session(cast, chairs)
    page = client_for(cast.patient_a.user).get("/portal/").content.decode()
    assert "Session 1 of 1" in page and "Induction" in page
    assert "No food for 2 hours" in page and "30 minutes" in page and "at least 1 hour before" in page
    assert "No ride yet" in page


def test_the_portal_shows_past_sessions(cast, chairs):
    s = portal_session(cast, chairs)
    s.status = SessionStatus.DISCHARGED
    s.planned_start = at(MONDAY - dt.timedelta(days=4), 9)
    s.planned_end = s.planned_start + dt.timedelta(hours=3)
    s.save()
    page = client_for(cast.patient_a.user).get("/portal/").content.decode()
    assert "completed" in page and "No upcoming appointments" in page


def test_the_ride_form_is_prefilled_with_the_usual_ride(cast, chairs):
    s = portal_session(cast, chairs)
    page = client_for(cast.patient_a.user).get(f"/portal/appointments/{s.pk}/").content.decode()
    assert cast.patient_a.usual_ride_name in page


def test_a_patient_confirms_their_ride(cast, chairs):
    s = portal_session(cast, chairs)
    response = client_for(cast.patient_a.user).post(
        f"/portal/appointments/{s.pk}/ride/",
        {"kind": "companion", "driver_name": "Sam Driver", "driver_phone": "+1 555 0100 222", "confirm": "on"},
    )
    assert response.status_code == 302
    s.ride.refresh_from_db()
    assert s.ride.status == RideStatus.CONFIRMED


def test_a_patient_cannot_touch_another_patients_ride(cast, chairs):
    s = portal_session(cast, chairs)
    response = client_for(cast.patient_b.user).post(
        f"/portal/appointments/{s.pk}/ride/",
        {"kind": "companion", "driver_name": "X", "driver_phone": "+1 555 0100 222"},
    )
    assert response.status_code == 404


def test_the_appointment_ics_has_the_time_and_no_clinical_detail(cast, chairs):
    f.clinic_settings(name="Riverside Ketamine Clinic", address="1 Main St")
    s = portal_session(cast, chairs)
    response = client_for(cast.patient_a.user).get(f"/portal/appointments/{s.pk}/appointment.ics")
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == s.planned_start
    assert event.decoded("dtend") == s.planned_end
    text = response.content.decode().lower()
    for word in ("ketamine", "esketamine", "spravato", "induction", "mg", "depress"):
        assert word not in text


def test_the_calendar_feed_lists_the_patients_appointments_without_login(cast, chairs):
    s = portal_session(cast, chairs)
    response = client_for(None).get(f"/calendar/feed/{cast.patient_a.calendar_token}.ics")
    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [s.planned_start]
    assert all("ketamine" not in str(e["summary"]).lower() for e in events)


def test_renewing_the_feed_revokes_the_old_link(cast, chairs):
    old = cast.patient_a.calendar_token
    response = client_for(cast.patient_a.user).post("/portal/calendar/renew/")
    assert response.status_code == 302
    assert client_for(None).get(f"/calendar/feed/{old}.ics").status_code == 404
    cast.patient_a.refresh_from_db()
    assert client_for(None).get(f"/calendar/feed/{cast.patient_a.calendar_token}.ics").status_code == 200


def test_an_unknown_feed_token_is_404(db):
    assert client_for(None).get("/calendar/feed/not-a-real-token-at-all-xxxx.ics").status_code == 404


def test_no_capacity_warning_when_the_rota_covers_the_day(cast, chairs):
    f.StaffShiftFactory(date=MONDAY, staff=cast.staff)
    f.StaffShiftFactory(date=MONDAY, staff=cast.prescriber)
    for chair in chairs:
        f.TreatmentSessionFactory(chair=chair, planned_start=at(MONDAY, 9))
    page = client_for(cast.admin).get(f"/calendar/day/?date={MONDAY}").content.decode()
    assert "capacity-warning" not in page


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
    assert "2030" in response.content.decode() and "is too far from today" in response.content.decode()


def test_the_free_slot_search_refuses_a_day_years_ahead_beside_the_field(cast, chairs):
    protocol = f.protocol("esketamine-trd")
    response = client_for(cast.admin).get(f"/calendar/free/?protocol={protocol.pk}&after=9999-12-31")
    assert response.status_code == 200
    assert "within the next two years" in response.content.decode()


def test_filtering_the_week_calendar_stays_on_the_week_shown(cast, chairs):
    page = client_for(cast.admin).get("/calendar/?start=2030-01-14").content.decode()
    assert '<input type="hidden" name="start" value="2030-01-14">' in page


def test_filtering_the_day_calendar_stays_on_the_day_shown(cast, chairs):
    page = client_for(cast.admin).get("/calendar/day/?date=2030-01-15").content.decode()
    assert '<input type="hidden" name="date" value="2030-01-15">' in page


def test_the_unconfirmed_rides_list_lets_a_nurse_call_the_patient_and_driver_from_a_phone(cast, chairs):
    soon = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), chair=chairs[0], planned_start=at(MONDAY, 9)
    )
    f.RideFactory(session=soon, status="planned", driver_phone="+1 555 0100 222")
    page = client_for(cast.staff).get("/rides/unconfirmed/").content.decode()
    assert 'href="tel:+1 555 0100 222"' in page
    assert f'href="tel:{cast.patient_a.phone}"' in page
    assert "pickup " in page  # the pickup time is shown inside the ride cell where the columns are hidden


def test_the_week_calendar_shows_the_week_of_the_date_asked_for(cast, chairs):
    response = client_for(cast.admin).get("/calendar/?date=2030-01-16")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Week of 14 January 2030" in page
    assert '<input type="hidden" name="start" value="2030-01-14">' in page


@pytest.mark.parametrize("url", ["/calendar/?date=2030-13-45", "/calendar/?date=soon", "/calendar/?start=16/01/2030"])
def test_the_week_calendar_given_a_bad_date_says_so_and_shows_this_week(cast, chairs, url):
    response = client_for(cast.admin).get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a date (YYYY-MM-DD): showing this week." in page
    assert "Week of 7 January 2030" in page


def test_the_day_calendar_given_a_bad_date_says_so_and_shows_today(cast, chairs):
    response = client_for(cast.admin).get("/calendar/day/?date=2030-02-30")
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a date (YYYY-MM-DD): showing today." in page and "Monday 7 January 2030" in page
