"""Two nurses checking two patients into one free chair at the same moment, on PostgreSQL with real threads:
check-ins into a chair run one after the other, so the second is told the chair is occupied."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections

from sessions.models import SessionStatus, TreatmentSession
from sessions.monitoring import checkin
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_monitoring import CHECKLIST, esketamine_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NY = dt.timezone(dt.timedelta(hours=-5))
DAY = dt.date(2026, 11, 16)  # a Monday


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=NY)


def test_two_simultaneous_check_ins_into_one_free_chair_seat_one_patient_and_offer_the_other_the_free_chair(
    db, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    f.open_weekdays(dt.time(8), dt.time(18))
    f.clinic_settings(time_zone="America/New_York", checkin_early_minutes=60)
    chair, spare = f.ChairFactory(name="Chair 1"), f.ChairFactory(name="Chair 2")
    # Back-to-back bookings of one chair (no overlap, so the exclusion constraint has nothing to say).
    sessions = [
        esketamine_session(chair=chair, planned_start=at(9), planned_end=at(10)),
        esketamine_session(chair=chair, planned_start=at(10), planned_end=at(11)),
    ]
    nurses = [f.StaffFactory(), f.StaffFactory()]
    real_save = checkin.audited_save

    def slow_save(*args, **kwargs):  # widen the gap between the chair check and the commit
        time.sleep(0.3)
        return real_save(*args, **kwargs)

    monkeypatch.setattr(checkin, "audited_save", slow_save)
    barrier = threading.Barrier(len(sessions))
    results: dict[int, str] = {}

    def check_in(session, nurse):
        try:
            barrier.wait()
            m.session_check_in(session=session, by=nurse, checklist=dict(CHECKLIST))
            outcome = "checked in"
        except ValidationError as exc:
            outcome = "refused: " + " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001 - any other error is a test failure, reported below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        results[session.pk] = outcome

    with time_machine.travel(at(9, 30), tick=False):
        threads = [threading.Thread(target=check_in, args=pair) for pair in zip(sessions, nurses, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    outcomes = sorted(results.values())
    assert outcomes[0] == "checked in", results
    assert outcomes[1].startswith("refused: Chair 1 is occupied by") and "Choose a free chair (Chair 2)" in outcomes[1]
    assert TreatmentSession.objects.filter(chair=chair, status=SessionStatus.CHECKED_IN).count() == 1
    assert TreatmentSession.objects.filter(status=SessionStatus.SCHEDULED, chair=chair).count() == 1
    assert spare.is_active
