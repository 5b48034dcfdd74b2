"""Real chair occupancy at check-in: the check-in window, and a booked chair still occupied by another patient."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from sessions.models import SessionStatus, TreatmentSession
from sessions.monitoring import services as m
from tests import factories as f
from tests.conftest import client_for
from tests.factories_monitoring import CHECKLIST, esketamine_session

pytestmark = pytest.mark.django_db

NY = dt.timezone(dt.timedelta(hours=-5))
DAY = dt.date(2026, 11, 16)  # a Monday


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=NY)


@pytest.fixture
def clinic_day(db):
    f.open_weekdays(dt.time(8), dt.time(18))
    return f.clinic_settings(time_zone="America/New_York", checkin_early_minutes=60)


@pytest.fixture
def nurse():
    return f.StaffFactory()


def booked(chair, hour, minute=0):
    return esketamine_session(chair=chair, planned_start=at(hour, minute))


def test_check_in_is_refused_more_than_the_clinics_minutes_before_the_booking(clinic_day, nurse):
    session = booked(f.ChairFactory(), 12)
    with time_machine.travel(at(10, 30), tick=False):
        with pytest.raises(ValidationError, match="Check-in opens at 11:00 for the 12:00 booking"):
            m.session_check_in(session=session, by=nurse, checklist=dict(CHECKLIST))
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_check_in_is_allowed_from_the_clinics_minutes_before_the_booking(clinic_day, nurse):
    session = booked(f.ChairFactory(), 12)
    with time_machine.travel(at(11, 0), tick=False):
        m.session_check_in(session=session, by=nurse, checklist=dict(CHECKLIST))
    session.refresh_from_db()
    assert session.status == SessionStatus.CHECKED_IN


def test_the_check_in_window_follows_the_clinic_setting(clinic_day, nurse):
    f.clinic_settings(checkin_early_minutes=15)
    session = booked(f.ChairFactory(), 12)
    with time_machine.travel(at(11, 30), tick=False):
        with pytest.raises(ValidationError, match="opens at 11:45"):
            m.session_check_in(session=session, by=nurse, checklist=dict(CHECKLIST))


def test_check_in_is_refused_before_the_clinic_opens(clinic_day, nurse):
    session = booked(f.ChairFactory(), 8, 30)
    with time_machine.travel(at(7, 45), tick=False):
        with pytest.raises(ValidationError, match="opens at 08:00"):
            m.session_check_in(session=session, by=nurse, checklist=dict(CHECKLIST))


def test_check_in_into_a_chair_still_occupied_is_refused_and_names_the_free_chairs(clinic_day, nurse):
    chair, spare = f.ChairFactory(name="Chair 1"), f.ChairFactory(name="Chair 2")
    earlier = booked(chair, 8)
    later = booked(chair, 11)
    with time_machine.travel(at(8), tick=False):
        m.session_check_in(session=earlier, by=nurse, checklist=dict(CHECKLIST))
    with time_machine.travel(at(11, 5), tick=False):
        with pytest.raises(
            ValidationError, match=r"Chair 1 is occupied by .* \(checked in\)\. Choose a free chair \(Chair 2\)"
        ):
            m.session_check_in(session=later, by=nurse, checklist=dict(CHECKLIST))
    later.refresh_from_db()
    assert later.status == SessionStatus.SCHEDULED and later.chair == chair
    assert spare.is_active


def test_check_in_moves_the_booking_to_the_chosen_free_chair(clinic_day, nurse):
    chair, spare = f.ChairFactory(name="Chair 1"), f.ChairFactory(name="Chair 2")
    earlier = booked(chair, 8)
    later = booked(chair, 11)
    with time_machine.travel(at(8), tick=False):
        m.session_check_in(session=earlier, by=nurse, checklist=dict(CHECKLIST))
    with time_machine.travel(at(11, 5), tick=False):
        m.session_check_in(session=later, by=nurse, checklist=dict(CHECKLIST), chair=spare)
    later.refresh_from_db()
    assert later.status == SessionStatus.CHECKED_IN and later.chair == spare
    assert TreatmentSession.history.filter(id=later.pk, history_change_reason__contains="moved from Chair 1").exists()


def test_check_in_refuses_a_chosen_chair_that_is_itself_occupied(clinic_day, nurse):
    chair, other = f.ChairFactory(name="Chair 1"), f.ChairFactory(name="Chair 2")
    first, second = booked(chair, 8), booked(other, 8)
    later = booked(chair, 11)
    with time_machine.travel(at(8), tick=False):
        m.session_check_in(session=first, by=nurse, checklist=dict(CHECKLIST))
        m.session_check_in(session=second, by=nurse, checklist=dict(CHECKLIST))
    with time_machine.travel(at(11, 5), tick=False):
        with pytest.raises(ValidationError, match="Chair 2 is not free"):
            m.session_check_in(session=later, by=nurse, checklist=dict(CHECKLIST), chair=other)
        with pytest.raises(ValidationError, match="No other chair able to serve this protocol is free"):
            m.session_check_in(session=later, by=nurse, checklist=dict(CHECKLIST))


def test_check_in_offers_only_chairs_that_serve_the_protocol(clinic_day, nurse):
    chair = f.ChairFactory(name="Chair 1")
    f.ChairFactory(name="IV room", nasal_spray=False)
    earlier = booked(chair, 8)
    later = booked(chair, 11)
    with time_machine.travel(at(8), tick=False):
        m.session_check_in(session=earlier, by=nurse, checklist=dict(CHECKLIST))
    with time_machine.travel(at(11, 5), tick=False):
        message, free = m.checkin_chair_choices(later)
    assert "Chair 1 is occupied" in message and free == []


def test_the_session_page_offers_the_free_chairs_and_checks_in_there(clinic_day, nurse):
    chair, spare = f.ChairFactory(name="Chair 1"), f.ChairFactory(name="Chair 2")
    earlier = booked(chair, 8)
    later = booked(chair, 11)
    with time_machine.travel(at(8), tick=False):
        m.session_check_in(session=earlier, by=nurse, checklist=dict(CHECKLIST))
    with time_machine.travel(at(11, 5), tick=False):
        client = client_for(nurse)
        page = client.get(f"/sessions/{later.pk}/").content.decode()
        assert "Move to a free chair" in page and "Chair 1 is occupied" in page
        response = client.post(f"/sessions/{later.pk}/check-in/", CHECKLIST)
        assert response.status_code == 400 and "Choose a free chair (Chair 2)" in response.content.decode()
        response = client.post(f"/sessions/{later.pk}/check-in/", {**CHECKLIST, "chair": spare.pk})
        assert response.status_code == 302
    later.refresh_from_db()
    assert later.status == SessionStatus.CHECKED_IN and later.chair == spare


def test_the_session_page_says_when_check_in_opens(clinic_day, nurse):
    session = booked(f.ChairFactory(), 12)
    with time_machine.travel(at(10), tick=False):
        page = client_for(nurse).get(f"/sessions/{session.pk}/").content.decode()
    assert "Check-in opens at 11:00 for the 12:00 booking" in page


def test_of_two_patients_checked_in_to_one_chair_at_the_same_moment_the_second_is_refused(clinic_day, nurse):
    chair = f.ChairFactory(name="Chair 1")
    f.ChairFactory(name="Chair 2")
    # Back-to-back bookings (no overlap): both patients may check in at 10:50.
    late_arrival = esketamine_session(chair=chair, planned_start=at(10), planned_end=at(11))
    early_arrival = esketamine_session(chair=chair, planned_start=at(11), planned_end=at(12))
    with time_machine.travel(at(10, 50), tick=False):
        m.session_check_in(session=late_arrival, by=nurse, checklist=dict(CHECKLIST))
        with pytest.raises(ValidationError, match=r"Chair 1 is occupied by .* Choose a free chair \(Chair 2\)"):
            m.session_check_in(session=early_arrival, by=f.StaffFactory(), checklist=dict(CHECKLIST))
    early_arrival.refresh_from_db()
    assert early_arrival.status == SessionStatus.SCHEDULED and early_arrival.chair == chair
    assert TreatmentSession.objects.filter(chair=chair, status=SessionStatus.CHECKED_IN).count() == 1


def test_of_two_patients_moved_to_one_free_chair_at_check_in_the_second_is_refused(clinic_day, nurse):
    first_chair, second_chair = f.ChairFactory(name="Chair 1"), f.ChairFactory(name="Chair 2")
    spare = f.ChairFactory(name="Chair 3")
    for chair in (first_chair, second_chair):
        with time_machine.travel(at(8), tick=False):
            m.session_check_in(session=booked(chair, 8), by=nurse, checklist=dict(CHECKLIST))
    one, other = booked(first_chair, 11), booked(second_chair, 11)
    with time_machine.travel(at(11, 5), tick=False):
        m.session_check_in(session=one, by=nurse, checklist=dict(CHECKLIST), chair=spare)
        with pytest.raises(ValidationError, match="Chair 3 is not free"):
            m.session_check_in(session=other, by=f.StaffFactory(), checklist=dict(CHECKLIST), chair=spare)
    other.refresh_from_db()
    assert other.status == SessionStatus.SCHEDULED and other.chair == second_chair
