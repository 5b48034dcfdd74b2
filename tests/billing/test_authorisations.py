"""Prior authorisations: sessions used, planned, remaining, and planned beyond the count or dates."""

import datetime as dt

import pytest
from django.utils import timezone

from sessions.billing.authorisations import authorisation_status
from sessions.models import SessionStatus
from tests import factories as f
from tests.factories_billing import AuthorisationFactory

pytestmark = pytest.mark.django_db


def plan_sessions(patient, days: list[int], status=SessionStatus.SCHEDULED):
    course = f.CourseFactory(patient=patient)
    base = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0)
    return [
        f.TreatmentSessionFactory(course=course, number=n, planned_start=base + dt.timedelta(days=d), status=status)
        for n, d in enumerate(days, start=1)
    ]


def test_remaining_sessions_count_what_is_used_and_planned(patient):
    AuthorisationFactory(patient=patient, sessions_authorised=6)
    plan_sessions(patient, [-10, -7], status=SessionStatus.DISCHARGED)
    plan_sessions(patient, [3, 6])
    [status] = authorisation_status(patient=patient)
    assert (status.used, status.planned, status.remaining) == (2, 2, 2)
    assert status.warnings == []


def test_planned_sessions_beyond_the_authorised_count_are_flagged(patient):
    AuthorisationFactory(patient=patient, sessions_authorised=2)
    plan_sessions(patient, [2, 5, 9, 12])
    [status] = authorisation_status(patient=patient)
    assert len(status.beyond_count) == 2
    assert "2 planned session(s) go beyond the 2 authorised" in status.warnings[0]


def test_planned_sessions_after_the_end_date_are_flagged(patient):
    AuthorisationFactory(patient=patient, ends_on=timezone.localdate() + dt.timedelta(days=5))
    plan_sessions(patient, [2, 9])
    [status] = authorisation_status(patient=patient)
    assert len(status.beyond_dates) == 1
    assert "fall outside" in status.warnings[0]


def test_an_authorisation_with_one_session_left_is_about_to_run_out(patient):
    AuthorisationFactory(patient=patient, sessions_authorised=3)
    plan_sessions(patient, [-9, -6], status=SessionStatus.DISCHARGED)
    [status] = authorisation_status(patient=patient)
    assert status.about_to_run_out
    assert "about to run out" in status.warnings[0]


def test_the_plan_course_panel_shows_the_warning_to_an_admin(rf, patient, cast):
    from clinic.panels import panels_for

    AuthorisationFactory(patient=patient, sessions_authorised=1)
    plan_sessions(patient, [2, 5])
    request = rf.get("/")
    request.user = cast.admin
    [panel] = [p for p in panels_for("plan_course", request, patient) if "billing" in p["template"]]
    assert panel["context"]["authorisations"][0].beyond_count


def test_a_calendar_can_flag_each_session_beyond_its_authorisation(patient, django_assert_max_num_queries):
    from sessions.billing.authorisations import sessions_beyond_authorisation

    AuthorisationFactory(patient=patient, sessions_authorised=1, ends_on=timezone.localdate() + dt.timedelta(days=10))
    inside, over, late = plan_sessions(patient, [2, 5, 12])
    other = f.PatientFactory()
    f.clinic_settings()  # the settings row exists in a running clinic
    with django_assert_max_num_queries(3):
        flags = sessions_beyond_authorisation(patient_ids=[patient.pk, other.pk])
    assert inside.pk not in flags
    assert "Beyond the 1 sessions" in flags[over.pk]
    assert "After authorisation" in flags[late.pk]
