"""Two tablets holding stale copies of one session, writing one after the other: nothing is lost, a state
change happens once, a record signed meanwhile refuses the write. (Writes at the same instant, in threads
on PostgreSQL: test_concurrency_pg.py.)"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions.models import InvalidTransition, SessionStatus, TreatmentSession
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_monitoring import DrugLotFactory, checked_in, dosed, esketamine_session

pytestmark = pytest.mark.django_db


def test_readings_from_two_stale_copies_of_the_session_are_both_kept():
    nurse_a, nurse_b = f.StaffFactory(), f.StaffFactory()
    s = dosed(esketamine_session(), nurse_a)
    copy_a, copy_b = TreatmentSession.objects.get(pk=s.pk), TreatmentSession.objects.get(pk=s.pk)
    m.vitals_record(session=copy_a, by=nurse_a, systolic=140, diastolic=88)
    m.vitals_record(session=copy_b, by=nurse_b, systolic=142, diastolic=86)
    assert sorted(r.systolic for r in s.vitals.all() if r.kind == "observation") == [140, 142]


def test_a_transition_submitted_twice_happens_once():
    nurse_a, nurse_b = f.StaffFactory(), f.StaffFactory()
    s = checked_in(esketamine_session(), nurse_a)
    copy_a, copy_b = TreatmentSession.objects.get(pk=s.pk), TreatmentSession.objects.get(pk=s.pk)
    m.session_start_dosing(session=copy_a, by=nurse_a)
    with pytest.raises(InvalidTransition):
        m.session_start_dosing(session=copy_b, by=nurse_b)
    s.refresh_from_db()
    assert s.status == SessionStatus.DOSING
    assert s.history.filter(history_change_reason="Dosing started").count() == 1


def test_devices_from_two_tablets_are_numbered_in_turn_and_the_dose_adds_up():
    nurse_a, nurse_b = f.StaffFactory(), f.StaffFactory()
    s = checked_in(esketamine_session(planned_dose_mg=84), nurse_a)
    m.session_start_dosing(session=s, by=nurse_a)
    lot = DrugLotFactory()
    copy_a, copy_b = TreatmentSession.objects.get(pk=s.pk), TreatmentSession.objects.get(pk=s.pk)
    first = m.administer_device(session=copy_a, by=nurse_a, lot=lot)
    second = m.administer_device(session=copy_b, by=nurse_b, lot=lot)
    assert (first.number, second.number) == (1, 2)
    s.refresh_from_db()
    assert s.dose_given_mg == 56 and s.version >= 4


def test_a_stale_copy_cannot_write_to_a_record_signed_meanwhile():
    nurse = f.StaffFactory()
    s = dosed(esketamine_session(), nurse)
    stale = TreatmentSession.objects.get(pk=s.pk)
    TreatmentSession.objects.filter(pk=s.pk).update(signed_at=timezone.now(), status=SessionStatus.DISCHARGED)
    with pytest.raises(ValidationError, match="signed"):
        m.vitals_record(session=stale, by=nurse, systolic=120, diastolic=80)
