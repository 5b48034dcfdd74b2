"""Dates far in the future are a form error beside the field, never a 500, and nothing is booked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.models import TreatmentSession
from tests.conftest import client_for
from tests.scheduling.test_booking import plan_trd

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["9999-12-31", "2999-01-01"])
def test_a_reschedule_to_a_far_future_day_is_a_form_error(cast, chairs, day):
    session = plan_trd(cast, chairs).sessions.order_by("planned_start").first()
    before = session.planned_start
    response = client_for(cast.admin).post(
        f"/bookings/{session.pk}/reschedule/",
        {"date": day, "time": "10:00", "chair": chairs[0].pk, "version": session.version},
    )
    assert response.status_code == 400
    assert "within the next two years" in response.content.decode()
    session.refresh_from_db()
    assert session.planned_start == before


@pytest.mark.parametrize("start", ["9999-12-31T10:00", "2999-01-01T10:00", "0001-01-01T10:00"])
def test_booking_a_far_future_slot_on_a_course_is_refused_with_a_message(cast, chairs, start):
    course = plan_trd(cast, chairs)
    count = TreatmentSession.objects.count()
    response = client_for(cast.admin).post(
        f"/courses/{course.pk}/book/", {"start": start, "chair": chairs[0].pk}, follow=True
    )
    assert response.status_code == 200
    assert "no longer valid" in response.content.decode()
    assert TreatmentSession.objects.count() == count


@pytest.mark.parametrize(("field", "value"), [("expires_on", "9999-12-31"), ("received_on", "1900-01-01")])
def test_a_lot_dated_far_out_is_a_form_error_and_no_lot_is_stored(staff_client, field, value):
    from sessions.models import DrugLot

    data = {
        "drug": "esketamine",
        "lot_number": "L-1",
        "received_on": timezone.localdate().isoformat(),
        "expires_on": (timezone.localdate() + dt.timedelta(days=180)).isoformat(),
        "quantity": 10,
        field: value,
    }
    response = staff_client.post("/lots/new/", data)
    assert response.status_code == 400
    assert "within the" in " ".join(response.context["lot_form"].errors[field])
    assert not DrugLot.objects.exists()
