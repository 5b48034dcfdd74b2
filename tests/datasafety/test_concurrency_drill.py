"""A CI-sized concurrency drill on PostgreSQL (the full 1,000-attempt one: scripts/concurrency_drill.py)."""

from __future__ import annotations

import pytest

from bench.drills import booking_drill, readings_drill

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_bookings_of_a_few_slots_give_one_winner_each_and_no_errors(postgres_only):
    # Threads stay below the connection pool's size (DB_POOL_MAX, 10 by default): waiting for a pooled
    # connection is not what this drill is about (scripts/concurrency_drill.py sizes the pool itself).
    result = booking_drill(attempts=120, threads=8, chairs=3, times=2)
    assert result.ok, result.as_dict()
    assert result.outcomes["won"] == 6


def test_nurses_recording_vitals_on_one_session_at_once_lose_none(postgres_only):
    result = readings_drill(nurses=8, readings_each=10)
    assert result.ok, result.as_dict()
    assert result.outcomes["stored"] == 80
