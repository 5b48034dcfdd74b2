"""Chairs: names unique whatever their case, edits keep the name, taking one out of use warns about its bookings."""

import datetime as dt

import pytest
from django.utils import timezone

from clinic.models import Chair
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_chair_named_like_an_existing_one_in_other_letter_case_is_refused_beside_the_field(cast):
    Chair.objects.create(name="Chair 2")
    response = client_for(cast.admin).post("/manage/chairs/new/", {"name": "chair  2", "is_active": "on"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Chair.objects.count() == 1


def test_a_chair_keeps_its_own_name_when_edited(cast):
    chair = Chair.objects.create(name="Chair 2")
    response = client_for(cast.admin).post(f"/manage/chairs/{chair.pk}/", {"name": "Chair 2", "location": "Bay 2"})
    assert response.status_code == 302
    chair.refresh_from_db()
    assert (chair.location, chair.is_active) == ("Bay 2", False)


def test_taking_a_chair_with_upcoming_bookings_out_of_use_warns_to_move_them(cast):
    session = f.TreatmentSessionFactory(planned_start=timezone.now() + dt.timedelta(days=2))
    response = client_for(cast.admin).post(
        f"/manage/chairs/{session.chair.pk}/", {"name": session.chair.name}, follow=True
    )
    assert "still holds 1 upcoming booking" in response.content.decode()
