"""The patient record is one selector: the same few queries for a new patient and for one with 60 sessions,
with or without questionnaires and billing rows; the panels of other areas read what the page loaded, and the
audit trail is the latest page of changes from one query over every history table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.billing import services as billing
from sessions.models import (
    Alert,
    AlertKind,
    AmendedField,
    Amendment,
    Instrument,
    OutcomeScore,
    SessionStatus,
    VitalsKind,
    VitalsReading,
)
from tests import factories as f
from tests.conftest import client_for
from tests.factories_billing import AuthorisationFactory, claimable_session, standard_prices

pytestmark = pytest.mark.django_db


def _sessions(patient, n: int, nurse) -> None:
    """``n`` sessions of one course: half discharged (with readings), half booked ahead, each with a ride."""
    course = f.CourseFactory(patient=patient)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for i in range(n):
        past = i < n // 2
        start = now + dt.timedelta(days=(i - n // 2) * 2 + (0 if past else 1))
        s = f.TreatmentSessionFactory(
            course=course,
            number=i + 1,
            planned_start=start,
            status=SessionStatus.DISCHARGED if past else SessionStatus.SCHEDULED,
        )
        f.RideFactory(session=s)
        if past:
            for minutes, kind in ((0, VitalsKind.PREDOSE), (40, VitalsKind.OBSERVATION), (110, VitalsKind.OBSERVATION)):
                VitalsReading.objects.create(
                    session=s,
                    kind=kind,
                    taken_at=start + dt.timedelta(minutes=minutes),
                    systolic=130,
                    diastolic=80,
                    by=nurse,
                )


def _outcomes(patient, n: int, by) -> None:
    for i in range(n):
        for instrument in (Instrument.PHQ9, Instrument.GAD7):
            OutcomeScore.objects.create(
                patient=patient,
                instrument=instrument,
                items=[1] * (9 if instrument == Instrument.PHQ9 else 7),
                total=9 if instrument == Instrument.PHQ9 else 7,
                band="mild",
                completed_at=timezone.now() - dt.timedelta(days=7 * (n - i)),
                source="staff",
                entered_by=by,
            )


def _billing_and_alerts(patient, nurse) -> None:
    """Coverage, an authorisation, a charged session, payments, an open alert and a corrected reading."""
    AuthorisationFactory(patient=patient)
    session = claimable_session(patient=patient)
    for _ in range(3):
        billing.payment_record(
            patient=patient, amount=Decimal("5"), method="card", on=timezone.localdate(), as_credit=True
        )
    Alert.objects.create(patient=patient, kind=AlertKind.BP_ONCE, message="BP 182/110", raised_at=timezone.now())
    reading = VitalsReading.objects.create(
        session=session, kind=VitalsKind.PREDOSE, taken_at=session.planned_start, systolic=150, diastolic=90, by=nurse
    )
    Amendment.objects.create(
        session=session,
        vitals=reading,
        corrects=AmendedField.BP,
        values={"systolic": 140, "diastolic": 85},
        subject="BP",
        corrected="140/85",
        reason="Typed wrong",
        by=nurse,
        at=timezone.now(),
    )


def _record_queries(user, patient) -> tuple[int, str]:
    client = client_for(user)
    url = reverse("patient_detail", args=[patient.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("outcomes_and_billing", [False, True])
def test_the_patient_record_costs_the_same_queries_for_5_sessions_and_for_60(cast, outcomes_and_billing):
    few, many = cast.patient_a, cast.patient_b
    _sessions(few, 5, cast.staff)
    _sessions(many, 60, cast.staff)
    if outcomes_and_billing:
        _outcomes(few, 2, cast.staff)
        _outcomes(many, 20, cast.staff)
        standard_prices()
        _billing_and_alerts(few, cast.staff)
        _billing_and_alerts(many, cast.staff)
    few_count, _ = _record_queries(cast.staff, few)
    many_count, page = _record_queries(cast.staff, many)
    assert few_count == many_count
    assert many_count <= 8
    # What the panels show, read from the page's one selector.
    assert 'id="bp-chart-data"' in page and "Session 31 of" in page
    if outcomes_and_billing:
        assert 'id="outcome-chart-data"' in page and "BP 182/110" in page and "Typed wrong" in page
        assert "Balance due <strong>" in page and "Acme Health (copay 50.00)" in page
        assert 'data-testid="authorisation"' in page


def test_the_history_page_costs_the_same_queries_for_5_sessions_and_for_60(cast):
    _sessions(cast.patient_a, 5, cast.staff)
    _sessions(cast.patient_b, 60, cast.staff)
    client = client_for(cast.staff)
    counts = []
    for patient in (cast.patient_a, cast.patient_b):
        url = reverse("patient_history", args=[patient.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page": 2})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] <= 6  # settings, session, user, patient, the trail's one query, the read log
