"""A patient asks to move or cancel an appointment in the portal; the clinic does it through the booking
service (the course's rules still apply) or declines with a reason the patient reads."""

import datetime as dt

import pytest
from django.urls import reverse

from sessions.models import AppointmentRequest, RequestStatus, SessionStatus, TreatmentSession
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + dt.timedelta(days=1)
SUNDAY = MONDAY + dt.timedelta(days=6)


@pytest.fixture
def booking(cast, chairs):
    s = f.TreatmentSessionFactory(
        course=f.CourseFactory(patient=cast.patient_a), chair=chairs[0], planned_start=at(MONDAY, 9)
    )
    f.RideFactory(session=s)
    return s


def ask(cast, booking, **data):
    client = client_for(cast.patient_a.user)
    return client.post(reverse("portal_appointment_request", args=[booking.pk]), data)


def test_a_patient_asks_to_move_and_the_clinic_moves_the_booking(cast, booking, chairs):
    r = ask(cast, booking, kind="move", preferred_date=TUESDAY.isoformat(), preferred_time="10:00", note="Work")
    assert r.status_code == 302
    item = AppointmentRequest.objects.get()
    assert (item.kind, item.status, item.preferred_start) == ("move", RequestStatus.OPEN, at(TUESDAY, 10))
    admin = client_for(cast.admin)
    assert "Ada Alpha" in admin.get(reverse("appointment_requests")).content.decode()
    admin.post(reverse("appointment_request_accept", args=[item.pk]))
    booking.refresh_from_db()
    item.refresh_from_db()
    assert booking.planned_start == at(TUESDAY, 10) and item.status == RequestStatus.DONE
    page = client_for(cast.patient_a.user).get(reverse("portal_appointment", args=[booking.pk])).content.decode()
    assert "Moved to Tuesday" in page


def test_a_patient_asks_to_cancel_and_the_clinic_cancels(cast, booking):
    ask(cast, booking, kind="cancel", note="Unwell")
    item = AppointmentRequest.objects.get()
    client_for(cast.admin).post(reverse("appointment_request_accept", args=[item.pk]))
    booking.refresh_from_db()
    assert booking.status == SessionStatus.CANCELLED and "Patient asked to cancel" in booking.status_reason


def test_accepting_a_request_for_an_appointment_cancelled_meanwhile_says_why_and_changes_nothing(cast, booking):
    ask(cast, booking, kind="cancel", note="Unwell")
    item = AppointmentRequest.objects.get()
    TreatmentSession.objects.filter(pk=booking.pk).update(status=SessionStatus.CANCELLED)
    r = client_for(cast.admin).post(reverse("appointment_request_accept", args=[item.pk]), follow=True)
    item.refresh_from_db()
    assert r.status_code == 200 and "no longer scheduled" in r.content.decode()
    assert item.status == RequestStatus.OPEN


def test_a_request_outside_opening_hours_is_refused_with_the_reason(cast, booking):
    r = ask(cast, booking, kind="move", preferred_date=TUESDAY.isoformat(), preferred_time="17:00")
    assert r.status_code == 400
    page = r.content.decode()
    assert "outside opening hours" in page and "The latest start is" in page
    assert not AppointmentRequest.objects.exists()


def test_a_request_for_a_closed_day_is_refused_with_the_reason(cast, booking):
    r = ask(cast, booking, kind="move", preferred_date=SUNDAY.isoformat(), preferred_time="10:00")
    assert r.status_code == 400 and "closed on Sundays" in r.content.decode()
    assert not AppointmentRequest.objects.exists()


def test_a_move_request_needs_a_day_and_time(cast, booking):
    r = ask(cast, booking, kind="move")
    assert r.status_code == 400 and "Choose the day you would like instead" in r.content.decode()


def test_a_second_open_request_is_refused(cast, booking):
    ask(cast, booking, kind="cancel")
    r = ask(cast, booking, kind="cancel")
    assert r.status_code == 400 and "already asked" in r.content.decode()
    assert AppointmentRequest.objects.count() == 1


def test_the_course_rules_still_apply_when_the_clinic_accepts(cast, booking, chairs):
    f.TreatmentSessionFactory(
        course=booking.course, number=2, chair=chairs[0], planned_start=at(MONDAY + dt.timedelta(days=3), 9)
    )
    ask(cast, booking, kind="move", preferred_date=(MONDAY + dt.timedelta(days=2)).isoformat(), preferred_time="09:00")
    item = AppointmentRequest.objects.get()
    r = client_for(cast.admin).post(reverse("appointment_request_accept", args=[item.pk]), follow=True)
    assert "Not done:" in r.content.decode() and "needs at least" in r.content.decode()
    booking.refresh_from_db()
    item.refresh_from_db()
    assert booking.planned_start == at(MONDAY, 9) and item.status == RequestStatus.OPEN


def test_the_clinic_declines_with_a_reason_the_patient_reads(cast, booking):
    ask(cast, booking, kind="cancel")
    item = AppointmentRequest.objects.get()
    admin = client_for(cast.admin)
    empty = admin.post(reverse("appointment_request_decline", args=[item.pk]), {"response": ""})
    assert empty.status_code == 400
    admin.post(reverse("appointment_request_decline", args=[item.pk]), {"response": "Please call us first"})
    page = client_for(cast.patient_a.user).get(reverse("portal_appointment", args=[booking.pk])).content.decode()
    assert "Not possible" in page and "Please call us first" in page


def test_another_patient_cannot_ask_for_my_appointment(cast, booking):
    r = client_for(cast.patient_b.user).post(
        reverse("portal_appointment_request", args=[booking.pk]), {"kind": "cancel"}
    )
    assert r.status_code == 404 and not AppointmentRequest.objects.exists()


def test_the_portal_home_puts_the_next_appointment_ride_and_preparation_first(cast, booking):
    page = client_for(cast.patient_a.user).get(reverse("portal_home")).content.decode()
    page = page[page.index('<main id="main"') :]
    first = page.index("Your next appointment")
    assert first < page.index("Ride not confirmed") < page.index("No food for 2 hours") < page.index("Costs")
