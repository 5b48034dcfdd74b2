"""Demo at any hour: seed_demo builds today's live sessions so that their chairs and planned times agree
with their states whatever time it runs, and no chair ever holds two active patients."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command

from sessions.models import IN_CLINIC_STATUSES, TreatmentSession

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")


@pytest.mark.parametrize("hour", [3, 10, 22])
def test_the_demo_board_never_holds_two_active_patients_in_one_chair(hour):
    now = dt.datetime(2026, 11, 17, hour, 0, tzinfo=NY)  # a Tuesday
    with time_machine.travel(now, tick=False):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    active = list(
        TreatmentSession.objects.filter(status__in=IN_CLINIC_STATUSES).select_related("chair", "course__protocol")
    )
    per_chair = Counter(s.chair.name for s in active)
    assert all(n == 1 for n in per_chair.values()), per_chair
    for s in active:  # booked for the visit that is going on now, in a chair that serves it
        assert s.planned_start <= now <= s.planned_end, (s, s.status)
        assert s.chair.serves(s.course.protocol.chair_need)
    if hour == 10:
        assert len(active) >= 4
