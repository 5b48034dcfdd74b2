"""Titration, missed-check reasons and amendments through the pages (Django test client): who sees which
form, the message beside the field on bad input, nothing saved, and the amended value on every view."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from sessions.billing.charges import charge_session
from sessions.models import (
    Administration,
    AmendedField,
    DoseChange,
    MissedCheck,
    Scale,
    SessionStatus,
    TreatmentSession,
)
from sessions.monitoring import services as m
from tests import factories as f
from tests.factories_billing import discharged_session, standard_prices
from tests.factories_monitoring import DrugLotFactory, checked_in, dosed

pytestmark = pytest.mark.django_db


def course_with_day_one_given(patient=None, n: int = 3):
    """A TRD course whose day 1 (56 mg) was given yesterday; session 2 is today, the rest later."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    course = f.CourseFactory(**({"patient": patient} if patient else {}))
    first = f.TreatmentSessionFactory(
        course=course, number=1, planned_start=now - dt.timedelta(days=1), first_dose_at=now - dt.timedelta(days=1)
    )
    rest = [
        f.TreatmentSessionFactory(course=course, number=i + 2, planned_start=now + dt.timedelta(days=3 * i))
        for i in range(n - 1)
    ]
    return course, [first, *rest]


# ---- titration -------------------------------------------------------------------------------------


def test_a_prescriber_changes_the_planned_dose_on_the_session_page(prescriber_client, django_assert_max_num_queries):
    _course, (_first, second, _third) = course_with_day_one_given()
    url = reverse("session_detail", args=[second.pk])
    prescriber_client.get(url)
    with django_assert_max_num_queries(25):  # a scheduled session: + when check-in opens, + who is in its chair
        page = prescriber_client.get(url)
    assert page.status_code == 200 and "Change the planned dose (prescriber)" in page.content.decode()
    r = prescriber_client.post(
        reverse("session_dose_change", args=[second.pk]),
        {"dose_mg": "84", "scope": "session", "reason": "Partial response at 56 mg"},
    )
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.planned_dose_mg == 84
    page = prescriber_client.get(url).content.decode()
    assert "84 mg (3 devices)" in page


def test_a_nurse_sees_no_dose_form_and_a_posted_change_is_refused_beside_the_field(staff_client):
    _course, (_first, second, _third) = course_with_day_one_given()
    page = staff_client.get(reverse("session_detail", args=[second.pk])).content.decode()
    assert "Change the planned dose" not in page and "Only a prescriber changes the planned dose" in page
    r = staff_client.post(
        reverse("session_dose_change", args=[second.pk]), {"dose_mg": "84", "scope": "session", "reason": "Asked"}
    )
    assert r.status_code == 400
    assert "Only a prescriber can change a planned dose." in r.content.decode()
    second.refresh_from_db()
    assert second.planned_dose_mg == 56 and not DoseChange.objects.exists()


def test_the_course_page_shows_the_planned_doses_and_a_prescriber_titrates_the_rest_of_the_phase(
    prescriber_client, django_assert_max_num_queries
):
    course, (_first, second, third) = course_with_day_one_given()
    with django_assert_max_num_queries(27):  # + whether the review is possible, + the phase windows
        page = prescriber_client.get(reverse("course_detail", args=[course.pk]))
    assert page.status_code == 200
    assert "Planned doses" in page.content.decode() and 'id="course-dose-form"' in page.content.decode()
    r = prescriber_client.post(
        reverse("course_dose_change", args=[course.pk]),
        {"session": second.pk, "dose_mg": "84", "scope": "phase", "reason": "Titrate for the rest of induction"},
    )
    assert r.status_code == 302 and r["Location"] == course.get_absolute_url()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.planned_dose_mg, third.planned_dose_mg) == (84, 84)
    page = prescriber_client.get(reverse("course_detail", args=[course.pk])).content.decode()
    assert "56 mg → 84 mg" in page and "Titrate for the rest of induction" in page


def test_84_mg_on_day_1_from_the_course_page_is_refused_beside_the_dose(prescriber_client):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    course = f.CourseFactory()
    first = f.TreatmentSessionFactory(course=course, number=1, planned_start=now + dt.timedelta(days=1))
    r = prescriber_client.post(
        reverse("course_dose_change", args=[course.pk]),
        {"session": first.pk, "dose_mg": "84", "scope": "session", "reason": "Start high"},
    )
    assert r.status_code == 400
    content = r.content.decode()
    assert "the label fixes it at 56 mg" in content and 'id="error_1_id_dose_dose_mg"' in content
    first.refresh_from_db()
    assert first.planned_dose_mg == 56


def test_a_nurse_opens_the_course_dose_page_without_a_form(staff_client):
    course, _sessions = course_with_day_one_given()
    r = staff_client.get(reverse("course_dose_change", args=[course.pk]))
    assert r.status_code == 200
    assert "Only a prescriber changes a planned dose." in r.content.decode()
    assert 'id="course-dose-form"' not in r.content.decode()


def test_a_device_beyond_the_planned_dose_is_refused_beside_the_lot_and_not_recorded(staff_client, cast):
    _course, (_first, second, _third) = course_with_day_one_given()
    s = checked_in(second, cast.staff)
    lot = DrugLotFactory()
    staff_client.post(reverse("session_start_dosing", args=[s.pk]))
    for _ in range(2):
        assert staff_client.post(reverse("session_device", args=[s.pk]), {"lot": lot.pk}).status_code == 302
    r = staff_client.post(reverse("session_device", args=[s.pk]), {"lot": lot.pk})
    assert r.status_code == 400
    assert "Device 3 refused: the planned dose is 56 mg" in r.content.decode()
    assert Administration.objects.filter(session=s).count() == 2


# ---- every scheduled check before discharge ------------------------------------------------------


def observing_without_the_40_minute_bp(nurse):
    """A session dosed 125 minutes ago: all recorded but the 40-minute blood pressure."""
    _course, (_first, s, _third) = course_with_day_one_given()
    start = timezone.now() - dt.timedelta(minutes=125)
    # Booked for when it was given: check-in opens only shortly before the booking.
    TreatmentSession.objects.filter(pk=s.pk).update(planned_start=start, planned_end=start + s.phase.chair_duration)
    with time_machine.travel(start, tick=False) as clock:
        dosed(s, nurse, clock=clock)
        clock.move_to(start + dt.timedelta(minutes=40))
        m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=4)
        m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[1, 0, 0, 0, 0, 0])
        clock.move_to(start + dt.timedelta(minutes=112))
        m.vitals_record(session=s, by=nurse, systolic=130, diastolic=80, spo2=98)
        m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=5)
        m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=[0] * 6)
        m.ride_arrived(session=s, by=nurse)
    return s


DISCHARGE = {"clinician_ready": "on", "ready_without_rule_minutes": 70}


def test_discharge_with_the_40_minute_bp_missing_is_refused_and_a_nurse_cannot_excuse_it(staff_client, cast):
    s = observing_without_the_40_minute_bp(cast.staff)
    page = staff_client.get(reverse("session_detail", args=[s.pk])).content.decode()
    assert "Scheduled checks not recorded" in page and "ask a prescriber to write why it was missed" in page
    r = staff_client.post(reverse("session_discharge", args=[s.pk]), DISCHARGE)
    assert r.status_code == 400 and "BP 40 min (peak) not recorded" in r.content.decode()
    r = staff_client.post(reverse("session_missed_check", args=[s.pk]), {"key": "bp@40", "reason": "Asleep"})
    assert r.status_code == 400 and "Only a prescriber can record why" in r.content.decode()
    s.refresh_from_db()
    assert s.status == SessionStatus.OBSERVING and not MissedCheck.objects.exists()


def test_an_empty_reason_is_refused_beside_the_check(prescriber_client, cast):
    s = observing_without_the_40_minute_bp(cast.staff)
    r = prescriber_client.post(reverse("session_missed_check", args=[s.pk]), {"key": "bp@40", "reason": ""})
    assert r.status_code == 400
    assert 'id="missed-bp@40-error"' in r.content.decode()
    assert not MissedCheck.objects.exists()


def test_the_prescribers_reason_lets_the_discharge_through_and_the_rems_form_says_not_taken(
    prescriber_client, staff_client, cast, django_assert_max_num_queries
):
    s = observing_without_the_40_minute_bp(cast.staff)
    r = prescriber_client.post(
        reverse("session_missed_check", args=[s.pk]), {"key": "bp@40", "reason": "Patient asleep, not woken"}
    )
    assert r.status_code == 302
    assert staff_client.post(reverse("session_discharge", args=[s.pk]), DISCHARGE).status_code == 302
    with django_assert_max_num_queries(21):
        r = staff_client.get(reverse("rems_form", args=[s.pk]))
    assert r.status_code == 200
    assert "not taken — Patient asleep, not woken" in r.content.decode()


# ---- amendments flow everywhere ------------------------------------------------------------------


def test_an_amendment_made_on_the_page_shows_on_the_rems_form_marked_with_the_original(staff_client, cast):
    s = observing_without_the_40_minute_bp(cast.staff)
    m.vitals_record(session=s, by=cast.staff, systolic=142, diastolic=88)
    reading = s.vitals.order_by("taken_at").last()
    page = staff_client.get(reverse("session_detail", args=[s.pk])).content.decode()
    assert f'value="vitals:{reading.pk}:bp"' in page
    r = staff_client.post(
        reverse("session_amend", args=[s.pk]),
        {"target": f"vitals:{reading.pk}:bp", "corrected": "152/94", "reason": "Transcription error"},
    )
    assert r.status_code == 302
    page = staff_client.get(reverse("session_detail", args=[s.pk])).content.decode()
    assert "<strong>152/94</strong>" in page and "recorded 142/88 — Transcription error" in page
    r = staff_client.get(reverse("rems_form", args=[s.pk])).content.decode()
    assert "152/94" in r and "amended-badge" in r and "recorded 142/88" in r


def test_a_bad_correction_on_the_page_is_refused_beside_the_field(staff_client, cast):
    s = observing_without_the_40_minute_bp(cast.staff)
    reading = s.vitals.order_by("taken_at").last()
    r = staff_client.post(
        reverse("session_amend", args=[s.pk]),
        {"target": f"vitals:{reading.pk}:bp", "corrected": "150", "reason": "x"},
    )
    assert r.status_code == 400 and "systolic/diastolic" in r.content.decode()
    assert not s.amendments.exists()


def test_the_portal_statement_shows_an_amended_dose_marked_with_the_original(patient_a_client, cast):
    standard_prices()
    s = discharged_session(patient=cast.patient_a, dose=56, given=Decimal("56"))
    type(s).objects.filter(pk=s.pk).update(first_dose_at=s.planned_start)
    s.refresh_from_db()
    charge_session(session=s, by=cast.staff)
    m.amendment_add(session=s, by=cast.prescriber, corrects=AmendedField.DOSE, corrected="84", reason="3 devices")
    r = patient_a_client.get(reverse("portal_billing"))
    assert r.status_code == 200
    content = r.content.decode()
    assert "84 mg" in content and "amended-badge" in content and "recorded 56 mg — 3 devices" in content
    assert "Charged on 56 mg before the correction" in content
