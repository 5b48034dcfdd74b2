"""Opening hours: one row per weekday, saved together; tampered forms change nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from clinic.models import OpeningHours
from tests import factories as f

pytestmark = pytest.mark.django_db


def _week(**overrides) -> dict:
    data = {"form-TOTAL_FORMS": "7", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "7", "form-MAX_NUM_FORMS": "7"}
    for day in range(7):
        data[f"form-{day}-weekday"] = str(day)
        if day < 5:
            data[f"form-{day}-opens"], data[f"form-{day}-closes"] = "08:00", "18:00"
        else:
            data[f"form-{day}-closed"] = "on"
    data.update(overrides)
    return data


def test_an_admin_changes_existing_opening_hours(admin_client_):
    f.open_weekdays()
    response = admin_client_.post(reverse("opening_hours"), _week(**{"form-0-opens": "07:30"}))
    assert response.status_code == 302
    assert OpeningHours.objects.get(weekday=0).opens == dt.time(7, 30)
    assert OpeningHours.objects.count() == 5


def test_ticking_closed_removes_that_day(admin_client_):
    f.open_weekdays()
    admin_client_.post(reverse("opening_hours"), _week(**{"form-4-closed": "on"}))
    assert not OpeningHours.objects.filter(weekday=4).exists()


def test_a_tampered_form_count_is_refused_without_an_error_page(admin_client_):
    f.open_weekdays()
    response = admin_client_.post(reverse("opening_hours"), _week(**{"form-TOTAL_FORMS": "9"}))
    assert response.status_code == 200
    assert OpeningHours.objects.count() == 5


def test_a_tampered_weekday_is_refused(admin_client_):
    f.open_weekdays()
    response = admin_client_.post(reverse("opening_hours"), _week(**{"form-1-weekday": "0", "form-0-opens": "06:00"}))
    assert response.status_code == 200
    assert OpeningHours.objects.get(weekday=0).opens == dt.time(8)
