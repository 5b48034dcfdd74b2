"""The admin calendar flags sessions planned beyond the patient's prior authorisation."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.factories_billing import AuthorisationFactory

pytestmark = pytest.mark.django_db


def _auth(patient, **kw):
    today = timezone.localdate()
    fields = {
        "number": "PA-1",
        "sessions_authorised": 1,
        "starts_on": today - dt.timedelta(days=7),
        "ends_on": today + dt.timedelta(days=60),
    }
    fields.update(kw)
    return AuthorisationFactory(patient=patient, **fields)


def test_the_week_calendar_flags_a_session_beyond_the_authorised_count(admin_client_):
    f.open_weekdays()
    first = f.TreatmentSessionFactory()
    start = first.planned_start + dt.timedelta(days=1)
    f.TreatmentSessionFactory(course=first.course, number=2, chair=first.chair, planned_start=start)
    _auth(first.patient)
    page = admin_client_.get(reverse("calendar_week"), {"start": first.planned_start.date().isoformat()})
    assert "Beyond the 1 sessions of authorisation PA-1" in page.content.decode()


def test_the_week_calendar_shows_no_flag_within_the_authorisation(admin_client_):
    f.open_weekdays()
    first = f.TreatmentSessionFactory()
    _auth(first.patient, sessions_authorised=5)
    page = admin_client_.get(reverse("calendar_week"), {"start": first.planned_start.date().isoformat()})
    assert "authorisation PA-1" not in page.content.decode()
