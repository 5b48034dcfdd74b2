"""After a PHQ-9 with thoughts of self-harm the patient sees the crisis line and when the clinic will call."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from sessions.outcomes.views import follow_up_when
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
NY = zoneinfo.ZoneInfo("America/New_York")


def answer(client, item9):
    answers = {f"q{i}": 1 for i in range(1, 9)} | {"q9": item9}
    return client.post(reverse("portal_questionnaire", args=["phq9"]), answers, follow=True).content.decode()


def test_item_9_above_0_shows_the_crisis_line_and_when_the_clinic_calls(cast):
    f.open_weekdays()
    with time_machine.travel(dt.datetime(2030, 1, 7, 10, 0, tzinfo=NY), tick=False):  # a Monday morning
        page = answer(client_for(cast.patient_a.user), 2)
    assert 'call or text <a href="tel:988">988</a>' in page
    assert "We will call you today, before" in page


def test_the_follow_up_is_shown_once(patient_a_client, cast):
    answer(patient_a_client, 1)
    again = patient_a_client.get(reverse("portal_questionnaires")).content.decode()
    assert "We will call you" not in again


def test_item_9_at_0_shows_no_follow_up(patient_a_client, cast):
    assert "We will call you" not in answer(patient_a_client, 0)


def test_after_closing_the_call_comes_the_next_opening_morning(cast):
    f.open_weekdays(dt.time(8), dt.time(18))
    friday_night = dt.datetime(2030, 1, 11, 19, 0, tzinfo=NY)
    f.clinic_settings(time_zone="America/New_York")
    assert follow_up_when(friday_night).startswith("on Monday morning")
    assert follow_up_when(dt.datetime(2030, 1, 7, 19, 0, tzinfo=NY)).startswith("tomorrow morning")


def test_every_portal_page_shows_the_clinics_address_and_phone(patient_a_client, cast):
    f.clinic_settings(address="1 Harbour Road\nSpringfield", phone="+1 555 0100 200")
    for url in (reverse("portal_home"), reverse("portal_questionnaires"), reverse("portal_billing")):
        page = patient_a_client.get(url).content.decode()
        assert "1 Harbour Road" in page and "+1 555 0100 200" in page, url
