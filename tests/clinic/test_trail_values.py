"""What the patient's audit trail says a change was: a date and time in clinic time (converted once), a person
by name, and the prescriber's dosing decisions among the changes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from clinic.audit import patient_history
from sessions.models import AlertKind, Decision
from sessions.monitoring import services as m
from sessions.monitoring.alerts import alert_acknowledge, raise_alert
from tests.factories_monitoring import checked_in, esketamine_session

pytestmark = pytest.mark.django_db

# 17:47 in New York (the clinic's zone in the tests) is 22:47 UTC.
ACKNOWLEDGED = dt.datetime(2026, 11, 18, 22, 47, tzinfo=dt.UTC)


def _change(entries, label: str, field: str):
    return next(c for e in entries if e.label.startswith(label) for c in e.changes if c.field == field)


def _acknowledged_alert(cast):
    with time_machine.travel(ACKNOWLEDGED - dt.timedelta(hours=1), tick=False):
        alert = raise_alert(patient=cast.patient_a, session=None, kind=AlertKind.PHQ9_ITEM9, message="Item 9", by=None)
    with time_machine.travel(ACKNOWLEDGED, tick=False):
        alert_acknowledge(alert=alert, by=cast.prescriber, action="Called the patient; safety plan reviewed")
    return alert


def test_a_changed_date_and_time_shows_in_clinic_time_once_converted(cast):
    assert timezone.localtime(ACKNOWLEDGED).strftime("%H:%M") == "17:47"  # the test means something
    _acknowledged_alert(cast)
    change = _change(patient_history(cast.patient_a), "Alert", "acknowledged at")
    assert (change.old, change.new) == ("—", "2026-11-18 17:47")


def test_a_change_of_person_shows_the_persons_name_not_their_number(cast):
    _acknowledged_alert(cast)
    change = _change(patient_history(cast.patient_a), "Alert", "acknowledged by")
    assert change.new == cast.prescriber.get_full_name()


def test_a_prescribers_dosing_decision_is_in_the_patients_trail(cast):
    session = checked_in(esketamine_session(patient=cast.patient_a), cast.staff, systolic=152, diastolic=88)
    m.dosing_decision_record(session=session, by=cast.prescriber, decision=Decision.PROCEED, reason="Baseline 150s")
    entries = [e for e in patient_history(cast.patient_a) if e.label.startswith("Dosing decision")]
    assert len(entries) == 1 and entries[0].action == "created"
    assert entries[0].who == cast.prescriber.get_full_name()
