"""Choices and searches that must stay small as years of data pile up."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions.models import TreatmentSession
from sessions.scheduling.forms import CalendarFilterForm
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_calendar_filter_searches_patients_instead_of_listing_every_one():
    f.CourseFactory()
    html = str(CalendarFilterForm()["patient"])
    assert 'type="search"' in html and "<option" not in html


def test_an_overlap_search_finds_a_visit_that_started_before_the_searched_window():
    session = f.TreatmentSessionFactory()
    later = session.planned_start + dt.timedelta(minutes=30)
    assert TreatmentSession.objects.overlapping(later, later + dt.timedelta(hours=1)).filter(pk=session.pk).exists()


def test_a_phase_cannot_hold_a_chair_for_more_than_twelve_hours():
    phase = f.first_phase()
    phase.observation_minutes = 13 * 60
    with pytest.raises(ValidationError, match="12 hours"):
        phase.clean()
