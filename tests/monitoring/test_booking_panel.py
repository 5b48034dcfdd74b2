"""The booking page's live-session panel offers check-in only on the session's day."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_future_booking_says_check_in_opens_on_the_day(staff_client):
    session = f.TreatmentSessionFactory(planned_start=timezone.now() + dt.timedelta(days=3))
    page = staff_client.get(reverse("booking_detail", args=[session.pk])).content.decode()
    assert "Check-in opens on the day of the session" in page
    assert "> Check in</a>" not in page


def test_todays_booking_offers_check_in(staff_client):
    start = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    session = f.TreatmentSessionFactory(planned_start=start)
    page = staff_client.get(reverse("booking_detail", args=[session.pk])).content.decode()
    assert "Check in</a>" in page
