"""Two nurses acting on one session at the same instant (threads released together, PostgreSQL):
a state change happens once, devices are numbered in turn and the dose adds up."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from sessions.models import InvalidTransition, SessionStatus, TreatmentSession
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_monitoring import DrugLotFactory, checked_in, esketamine_session
from tests.factories_scheduling import ensure_protocols

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    ensure_protocols()


def at_once(*actions: Callable[[], object]) -> list[object]:
    """Run each action in its own thread (its own connection), all released together; return what each
    returned, or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=30)
            results[i] = action()
        except Exception as exc:  # noqa: BLE001 - returned to the test, which asserts on each outcome
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting (deadlock?)"
    return results


def test_two_nurses_starting_dosing_at_the_same_instant_start_it_once():
    nurse_a, nurse_b = f.StaffFactory(), f.StaffFactory()
    s = checked_in(esketamine_session(), nurse_a)
    copy_a, copy_b = TreatmentSession.objects.get(pk=s.pk), TreatmentSession.objects.get(pk=s.pk)
    results = at_once(
        lambda: m.session_start_dosing(session=copy_a, by=nurse_a),
        lambda: m.session_start_dosing(session=copy_b, by=nurse_b),
    )
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert len(refused) == 1, results
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, InvalidTransition)], results
    s.refresh_from_db()
    assert s.status == SessionStatus.DOSING
    assert s.history.filter(history_change_reason="Dosing started").count() == 1


def test_devices_given_from_two_tablets_at_the_same_instant_are_numbered_in_turn_and_the_dose_adds_up():
    nurse_a, nurse_b = f.StaffFactory(), f.StaffFactory()
    s = checked_in(esketamine_session(planned_dose_mg=84), nurse_a)
    m.session_start_dosing(session=s, by=nurse_a)
    lot = DrugLotFactory()
    copy_a, copy_b = TreatmentSession.objects.get(pk=s.pk), TreatmentSession.objects.get(pk=s.pk)
    results = at_once(
        lambda: m.administer_device(session=copy_a, by=nurse_a, lot=lot),
        lambda: m.administer_device(session=copy_b, by=nurse_b, lot=lot),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.number for r in results) == [1, 2]
    s.refresh_from_db()
    assert s.dose_given_mg == 56
    assert s.administrations.count() == 2
