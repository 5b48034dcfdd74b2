"""Chair capabilities: a protocol books only chairs that can serve it (planning, moves, free slots)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions.scheduling import booking, courses
from sessions.scheduling.planning import next_free_slots, plan_phase
from tests import factories as f
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(chairs):
    """Chair 1 is the IV room (no nasal spray), Chair 2 a spray chair (no IV pump)."""
    iv_room, spray = chairs
    iv_room.nasal_spray = False
    iv_room.save()
    spray.iv_infusion = False
    spray.save()
    return iv_room, spray


def test_nasal_spray_visits_are_planned_only_in_chairs_that_serve_nasal_spray(rooms):
    iv_room, spray = rooms
    slots = plan_phase(phase=f.first_phase("esketamine-trd"), start_date=MONDAY, weekdays=[0, 3], time=dt.time(9))
    assert {s.chair for s in slots} == {spray}


def test_infusions_are_planned_only_in_chairs_with_iv(rooms):
    iv_room, spray = rooms
    slots = plan_phase(phase=f.first_phase("iv-ketamine"), start_date=MONDAY, weekdays=[0, 2, 4], time=dt.time(10))
    assert {s.chair for s in slots} == {iv_room}


def test_a_preferred_chair_that_cannot_serve_the_protocol_is_refused(rooms):
    iv_room, _ = rooms
    with pytest.raises(ValidationError, match="IV room|cannot serve nasal spray") as exc:
        plan_phase(
            phase=f.first_phase("esketamine-trd"),
            start_date=MONDAY,
            weekdays=[0, 3],
            time=dt.time(9),
            preferred_chair=iv_room,
        )
    assert "preferred_chair" in exc.value.message_dict


def test_free_slots_offer_only_chairs_that_serve_the_protocol(rooms):
    _, spray = rooms
    slots = next_free_slots(phase=f.first_phase("esketamine-trd"), after=at(MONDAY, 8), limit=4)
    assert slots and {s.chair for s in slots} == {spray}


def test_moving_a_spray_visit_into_the_iv_room_is_refused_with_a_message(cast, rooms):
    iv_room, spray = rooms
    course = courses.course_create(
        patient=cast.patient_a,
        protocol=f.protocol("esketamine-trd"),
        prescriber=cast.prescriber,
        start_date=MONDAY,
        weekdays=[0, 3],
        time=dt.time(9),
        by=cast.admin,
    )
    mine = course.sessions.order_by("planned_start").first()
    with pytest.raises(ValidationError, match="cannot serve nasal spray"):
        booking.session_reschedule(session=mine, start=at(MONDAY, 12), chair=iv_room, by=cast.admin, version=None)
    response = client_for(cast.admin).post(
        f"/bookings/{mine.pk}/reschedule/",
        {"date": MONDAY.isoformat(), "time": "12:00", "chair": iv_room.pk, "version": mine.version},
    )
    assert response.status_code == 400 and "cannot serve nasal spray" in response.content.decode()
    mine.refresh_from_db()
    assert mine.chair == spray


def test_the_chairs_page_says_what_each_chair_serves(cast, rooms):
    page = client_for(cast.admin).get("/manage/chairs/").content.decode()
    assert "IV infusion" in page and "Nasal spray" in page


def test_an_admin_records_what_a_chair_serves(cast, rooms):
    iv_room, _ = rooms
    response = client_for(cast.admin).post(
        f"/manage/chairs/{iv_room.pk}/", {"name": iv_room.name, "is_active": "on", "nasal_spray": "on"}
    )
    assert response.status_code == 302
    iv_room.refresh_from_db()
    assert iv_room.nasal_spray and not iv_room.iv_infusion
