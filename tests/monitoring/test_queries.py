"""The board and the session page cost the same number of SQL queries however many patients and readings."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.models import Scale
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_monitoring import DrugLotFactory, dosed, esketamine_session

pytestmark = pytest.mark.django_db


def _observing_patients(n: int, nurse, lot, readings: int = 2):
    sessions = []
    # One booking time for all, fixed before the loop: check-in opens 60 minutes before it, so a loop that
    # crosses a minute boundary must not move the bookings past the check-in clock.
    start = timezone.now().replace(second=0, microsecond=0)
    base = start - dt.timedelta(minutes=55)
    for _ in range(n):
        s = esketamine_session(planned_start=start)
        with time_machine.travel(base, tick=False) as clock:
            dosed(s, nurse, lot=lot, clock=clock)
            for i in range(readings):
                clock.shift(dt.timedelta(minutes=3))
                m.vitals_record(session=s, by=nurse, systolic=150 + i % 20, diastolic=90, spo2=97, heart_rate=80)
                m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
        sessions.append(s)
    return sessions


def _count(client, url) -> int:
    client.get(url)  # the first request of a login also writes its session row
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_board_query_count_does_not_grow_with_patients(staff_client, cast):
    lot = DrugLotFactory(quantity=1000)
    _observing_patients(2, cast.staff, lot)
    few = _count(staff_client, reverse("monitor_board"))
    _observing_patients(8, cast.staff, lot)
    many = _count(staff_client, reverse("monitor_board"))
    assert many == few
    assert _count(staff_client, reverse("monitor_board_live")) <= few


def test_the_session_page_query_count_does_not_grow_with_readings(staff_client, cast):
    lot = DrugLotFactory(quantity=1000)
    small = _observing_patients(1, cast.staff, lot, readings=2)[0]
    big = _observing_patients(1, cast.staff, lot, readings=15)[0]
    f.clinic_settings()
    assert _count(staff_client, reverse("session_detail", args=[big.pk])) == _count(
        staff_client, reverse("session_detail", args=[small.pk])
    )
    assert _count(staff_client, reverse("session_live", args=[big.pk])) == _count(
        staff_client, reverse("session_live", args=[small.pk])
    )


def test_the_session_page_and_its_live_part_cost_five_queries(staff_client, cast):
    lot = DrugLotFactory(quantity=1000)
    few = _observing_patients(1, cast.staff, lot, readings=2)[0]
    many = _observing_patients(1, cast.staff, lot, readings=30)[0]
    for name in ("session_detail", "session_live"):
        counts = {_count(staff_client, reverse(name, args=[s.pk])) for s in (few, many)}
        assert len(counts) == 1 and counts.pop() == 5, name  # the floor, the session with all it shows, the read log


def test_the_staff_home_with_8_patients_in_chairs_costs_what_it_costs_with_2(staff_client, cast):
    lot = DrugLotFactory(quantity=1000)
    _observing_patients(2, cast.staff, lot)
    few = _count(staff_client, reverse("staff_home"))
    _observing_patients(6, cast.staff, lot, readings=4)
    many = _count(staff_client, reverse("staff_home"))
    # The floor (settings, session, user), the day's sessions with their rows (one read for the day board
    # and the cards), chairs, rota and every alert shown (one query).
    assert many == few == 7


def test_the_session_page_builds_only_the_forms_its_step_shows(staff_client, cast):
    lot = DrugLotFactory(quantity=1000)
    observing = _observing_patients(1, cast.staff, lot)[0]
    response = staff_client.get(reverse("session_detail", args=[observing.pk]))
    built = set(dict.keys(response.context["forms"]))
    assert response.status_code == 200
    assert {"vitals", "moaas", "discharge"} <= built  # what a nurse uses while the patient is observed
    assert not {"checkin", "decision", "infusion_start"} & built  # steps already past are never built
