"""Fewer steps at the chair: each save brings the nurse back to the next form, *Record and start dosing*
starts dosing when the pre-dose BP allows it, the lot is remembered between devices, and check-in items
the clinic already knows are shown as confirmed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.models import RemsStatus
from sessions.models import RideStatus, SessionStatus
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_monitoring import CHECKLIST, DrugLotFactory, checked_in, esketamine_session

pytestmark = pytest.mark.django_db


def checked_in_only(session, nurse):
    m.session_check_in(session=session, by=nurse, checklist=dict(CHECKLIST))
    session.refresh_from_db()
    return session


def vitals(client, s, systolic, diastolic, **extra):
    data = {"systolic": systolic, "diastolic": diastolic, "heart_rate": 70, "spo2": 98, **extra}
    return client.post(reverse("session_vitals", args=[s.pk]), data)


def test_record_and_start_dosing_starts_dosing_when_the_bp_is_within_limits(staff_client, cast):
    s = checked_in_only(esketamine_session(), cast.staff)
    r = vitals(staff_client, s, 128, 82, and_start="Record and start dosing")
    s.refresh_from_db()
    assert s.status == SessionStatus.DOSING
    assert r.status_code == 302 and r["Location"].endswith("#dosing-card")


def test_record_and_start_dosing_with_a_high_bp_saves_the_bp_and_says_why_not(staff_client, cast):
    s = checked_in_only(esketamine_session(), cast.staff)
    r = vitals(staff_client, s, 165, 95, and_start="Record and start dosing")
    s.refresh_from_db()
    assert s.status == SessionStatus.CHECKED_IN and s.vitals.count() == 1
    assert r["Location"].endswith("#predose-card")
    page = staff_client.get(r["Location"]).content.decode()
    assert "dosing not started" in page


def test_the_session_page_offers_record_and_start_dosing_only_before_dosing(staff_client, cast):
    s = checked_in_only(esketamine_session(), cast.staff)
    assert 'name="and_start"' in staff_client.get(s.get_absolute_url()).content.decode()
    m.vitals_record(session=s, by=cast.staff, systolic=120, diastolic=80, heart_rate=70, spo2=98)
    m.session_start_dosing(session=s, by=cast.staff)
    assert 'name="and_start"' not in staff_client.get(s.get_absolute_url()).content.decode()


def test_a_save_in_observation_returns_to_the_form_just_used(staff_client, cast):
    s = checked_in(esketamine_session(), cast.staff)
    m.session_start_dosing(session=s, by=cast.staff)
    r = staff_client.post(reverse("session_moaas", args=[s.pk]), {"score": "5"})
    assert r.status_code == 302 and r["Location"] == s.get_absolute_url() + "#moaas-card"
    r = vitals(staff_client, s, 130, 80)
    assert r["Location"] == s.get_absolute_url() + "#vitals-card"


def test_the_lot_is_remembered_between_devices(staff_client, cast):
    first, other = DrugLotFactory(), DrugLotFactory()
    s = checked_in(esketamine_session(), cast.staff)
    m.session_start_dosing(session=s, by=cast.staff)
    m.administer_device(session=s, by=cast.staff, lot=other)
    page = staff_client.get(s.get_absolute_url()).content.decode()
    assert f'<option value="{other.pk}" selected>' in page
    assert f'<option value="{first.pk}" selected>' not in page


def test_known_check_in_items_are_shown_as_confirmed(staff_client, cast):
    patient = f.PatientFactory(rems_status=RemsStatus.ENROLLED, rems_enrolled_on=timezone.localdate())
    s = esketamine_session(course=f.CourseFactory(patient=patient))
    f.RideFactory(session=s, status=RideStatus.CONFIRMED)
    page = staff_client.get(s.get_absolute_url()).content.decode()
    assert "Confirmed: enrolled in the SPRAVATO REMS" in page
    assert "Confirmed: this ride was confirmed for today." in page
    box = re.search(r'<input[^>]*name="rems_enrolled"[^>]*>', page).group(0)
    assert "checked" in box


def observing(nurse):
    from tests.factories_monitoring import dosed

    return dosed(esketamine_session(), nurse)


def round_data(**changes):
    data = {"systolic": 132, "diastolic": 84, "heart_rate": 70, "spo2": 98, "moaas": "5", "with_cadss": "on"}
    data |= {f"item_{n}": "0" for n in (1, 2, 6, 7, 15, 22)}
    return data | changes


def test_one_check_round_records_bp_moaas_and_cadss_together(staff_client, cast):
    s = observing(cast.staff)
    before_vitals, before_assessments = s.vitals.count(), s.assessments.count()
    r = staff_client.post(reverse("session_check_round", args=[s.pk]), round_data(item_1="2"))
    assert r.status_code == 302 and r["Location"].endswith("#round-card")
    assert s.vitals.count() == before_vitals + 1
    scales = sorted(a.scale for a in s.assessments.order_by("-pk")[:2])
    assert s.assessments.count() == before_assessments + 2 and scales == ["cadss6", "moaas"]


def test_a_refused_value_in_the_round_saves_none_of_it(staff_client, cast):
    # At noon clinic time: an hour ahead of 23:30 would be 00:30, a time of today already past.
    noon = dt.datetime.combine(timezone.localdate(), dt.time(12), timezone.get_current_timezone())
    with time_machine.travel(noon, tick=False):
        s = observing(cast.staff)
        before_vitals, before_assessments = s.vitals.count(), s.assessments.count()
        future = (timezone.localtime() + dt.timedelta(hours=1)).strftime("%H:%M")
        r = staff_client.post(reverse("session_check_round", args=[s.pk]), round_data(taken_at=future))
    assert r.status_code == 400 and "cannot be in the future" in r.content.decode()
    assert (s.vitals.count(), s.assessments.count()) == (before_vitals, before_assessments)


def test_the_round_without_cadss_records_bp_and_moaas(staff_client, cast):
    s = observing(cast.staff)
    before = s.assessments.count()
    data = round_data()
    del data["with_cadss"]
    staff_client.post(reverse("session_check_round", args=[s.pk]), data)
    assert s.assessments.count() == before + 1
