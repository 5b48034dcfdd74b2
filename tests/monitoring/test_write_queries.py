"""The nurse's writes at the chair (vitals, a device, the discharge with its charge) cost the same number of SQL
queries whatever the patient's history and however busy the day: 2 earlier sessions or 40, 5 other bookings
on 4 chairs or 60 on 20."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.models import Administration, Charge, SessionStatus, VitalsReading
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_billing import standard_prices
from tests.factories_monitoring import DrugLotFactory, all_checks_recorded, checked_in, dosed, esketamine_session

pytestmark = pytest.mark.django_db

SMALL = {"earlier": 2, "bookings": 5, "chairs": 4}
LARGE = {"earlier": 40, "bookings": 60, "chairs": 20}


def busy_day(*, bookings: int, chairs: int, now: dt.datetime) -> None:
    """Other patients' bookings today, spread over ``chairs`` chairs, none at the time of the visit under test."""
    seats = [f.ChairFactory() for _ in range(chairs)]
    for i in range(bookings):
        start = now + dt.timedelta(hours=3 + 3 * (i // chairs))
        f.TreatmentSessionFactory(chair=seats[i % chairs], planned_start=start, number=1)


def patient_with_history(*, earlier: int, now: dt.datetime, chairs: int = 0, bookings: int = 0):
    """A session booked now for a patient whose course already has ``earlier`` discharged sessions (with readings)."""
    busy_day(bookings=bookings, chairs=chairs, now=now)
    session = esketamine_session(number=earlier + 1, planned_start=now)
    for i in range(1, earlier + 1):
        start = now - dt.timedelta(days=3 * i)
        old = f.TreatmentSessionFactory(
            course=session.course,
            number=earlier + 1 - i,
            planned_start=start,
            status=SessionStatus.DISCHARGED,
            discharged_at=start + dt.timedelta(hours=2),
        )
        VitalsReading.objects.create(
            session=old, kind="predose", taken_at=start, systolic=130, diastolic=80, by=session.course.prescriber
        )
    return session


def posted(client, url: str, data: dict, *, expect: int = 302) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, data)
    assert response.status_code == expect, response.content.decode()[:2000]
    if os.environ.get("SHOW_SQL"):
        print(f"\n--- {url}: {len(ctx.captured_queries)} queries")
        for q in ctx.captured_queries:
            print("   ", q["sql"][:300])
    return len(ctx.captured_queries)


def _now() -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0)


def vitals_cost(client, nurse, size: dict) -> int:
    s = checked_in(patient_with_history(now=_now(), **size), nurse)
    data = {"systolic": 130, "diastolic": 80, "heart_rate": 70, "spo2": 98, "idempotency_key": f"key-{s.pk:08d}"}
    return posted(client, reverse("session_vitals", args=[s.pk]), data)


def test_recording_vitals_costs_the_same_for_a_long_history_and_a_busy_day(staff_client, cast):
    f.clinic_settings()
    small = vitals_cost(staff_client, cast.staff, SMALL)
    large = vitals_cost(staff_client, cast.staff, LARGE)
    # The request (settings, login session, user), the session for the access check; the idempotency key
    # (look up, savepoint, claim, store the answer, release, forget day-old keys); the service (savepoint,
    # the session again in its transaction, the systolic > diastolic constraint as a savepointed query,
    # the reading and its audit row, the hour's earlier readings for the alerts, release); the read log.
    assert large == small <= 20


def device_cost(client, nurse, size: dict) -> int:
    s = checked_in(patient_with_history(now=_now(), **size), nurse)
    m.session_start_dosing(session=s, by=nurse)
    lot = DrugLotFactory(quantity=1000)
    count = posted(client, reverse("session_device", args=[s.pk]), {"lot": lot.pk})
    assert Administration.objects.filter(session=s).count() == 1
    return count


def test_recording_a_device_costs_the_same_for_a_long_history_and_a_busy_day(staff_client, cast):
    f.clinic_settings()
    small = device_cost(staff_client, cast.staff, SMALL)
    large = device_cost(staff_client, cast.staff, LARGE)
    # The request (3), the session for the access check, the lot chosen; the service (savepoint, the session
    # locked, its devices so far, the device number free, the constraint check (3), the device and its audit
    # row, the session's dose and its audit row, release); the read log.
    assert large == small <= 18


def discharge_cost(client, nurse, size: dict) -> int:
    t0 = _now()
    s = patient_with_history(now=t0, **size)
    with time_machine.travel(t0, tick=False) as clock:
        dosed(s, nurse, start=t0, clock=clock)
        all_checks_recorded(s, nurse, clock=clock, t0=t0)
        client.force_login(nurse)  # the login made before the clock moved on has timed out
        client.get(reverse("session_detail", args=[s.pk]))  # the first request of a login writes its session row
        data = {"clinician_ready": "on", "ready_without_rule_minutes": 75}
        count = posted(client, reverse("session_discharge", args=[s.pk]), data)
    s.refresh_from_db()
    assert s.status == SessionStatus.DISCHARGED and Charge.objects.filter(session=s).exists()
    return count


def test_a_discharge_with_its_charge_costs_the_same_for_a_long_history_and_a_busy_day(staff_client, cast):
    f.clinic_settings()
    standard_prices()
    small = discharge_cost(staff_client, cast.staff, SMALL)
    large = discharge_cost(staff_client, cast.staff, LARGE)
    # The request (3), the session for the access check; the service: the session locked with its readings
    # (vitals, assessments, administrations, amendments, missed checks, alerts: 7), one discharge per session,
    # the discharge and the signed session with their audit rows (4); the charge (savepoint, the patient
    # locked, no charge yet, the visit coding, the price, the coverage, the charge and its lines with their
    # audit rows: 4, release); the course locked, whether the phase is over, its status and audit row; the
    # savepoints around it all (2) and the read log.
    assert large == small <= 34
