"""The portal is one selector: the same few queries for a new patient and for one with years of visits,
its panels reading what the selector loaded; the visits it lists are the next 20 and the last 20."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import SessionStatus
from sessions.scheduling.portal import _upcoming_and_past
from tests import factories as f
from tests.conftest import client_for
from tests.factories_billing import CoverageFactory
from tests.factories_scheduling import MONDAY, at

pytestmark = pytest.mark.django_db


def _visits(patient, chair, days: range, status=SessionStatus.SCHEDULED):
    course = f.CourseFactory(patient=patient)
    made = []
    for d in days:
        start = at(MONDAY + dt.timedelta(days=d), 9)
        s = f.TreatmentSessionFactory(
            course=course, chair=chair, planned_start=start, planned_end=start + dt.timedelta(hours=2), status=status
        )
        f.RideFactory(session=s)
        made.append(s)
    return made


def _portal_queries(user) -> int:
    client = client_for(user)
    client.get("/portal/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/portal/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_portal_costs_the_same_eight_queries_for_5_visits_and_for_60(cast, chairs):
    _visits(cast.patient_a, chairs[0], range(-2, 3))
    _visits(cast.patient_b, chairs[1], range(-30, 0), status=SessionStatus.DISCHARGED)
    _visits(cast.patient_b, chairs[1], range(1, 31))
    CoverageFactory(patient=cast.patient_b)
    few = _portal_queries(cast.patient_a.user)
    many = _portal_queries(cast.patient_b.user)
    assert few == many
    assert many <= 8


def test_the_portal_lists_the_next_20_visits_and_the_last_20(cast, chairs):
    past = _visits(cast.patient_a, chairs[0], range(-25, 0), status=SessionStatus.DISCHARGED)
    coming = _visits(cast.patient_a, chairs[0], range(1, 26))
    cancelled = coming[0]
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    upcoming, shown_past = _upcoming_and_past(cast.patient_a)
    assert [s.pk for s in upcoming] == [s.pk for s in coming[1:21]]
    assert [s.pk for s in shown_past] == [s.pk for s in reversed(past[-20:])]
    assert all(hasattr(s, "series_total") for s in upcoming + shown_past)
