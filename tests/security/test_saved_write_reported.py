"""A committed write is reported as saved even if the session cannot be saved afterwards; a resubmitted
form (same idempotency key) returns the first result instead of a second row."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.urls import reverse

from clinic.idempotency import once
from sessions.models import VitalsReading
from tests.factories_monitoring import checked_in, esketamine_session

pytestmark = pytest.mark.django_db

KEY = "0f3c2b1a9d8e7f6a5b4c3d2e1f0a9b8c"


@pytest.mark.parametrize("failure", [UpdateError, OperationalError])
def test_a_reading_stored_before_the_session_save_fails_is_reported_as_saved(staff_client, cast, monkeypatch, failure):
    session = checked_in(esketamine_session(), cast.staff)
    before = VitalsReading.objects.filter(session=session).count()

    def broken_save(self, must_create=False):
        raise failure("the connection dropped after the commit")

    monkeypatch.setattr(SessionStore, "save", broken_save)
    response = staff_client.post(reverse("session_vitals", args=[session.pk]), {"systolic": 122, "diastolic": 78})
    assert response.status_code == 302
    assert response["Location"].startswith(session.get_absolute_url())  # the page, at the next card
    assert VitalsReading.objects.filter(session=session).count() == before + 1


def test_the_same_vitals_form_sent_twice_records_one_reading(staff_client, cast):
    session = checked_in(esketamine_session(), cast.staff)
    before = VitalsReading.objects.filter(session=session).count()
    data = {"systolic": 124, "diastolic": 80, "idempotency_key": KEY}
    first = staff_client.post(reverse("session_vitals", args=[session.pk]), data)
    again = staff_client.post(reverse("session_vitals", args=[session.pk]), data)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert VitalsReading.objects.filter(session=session).count() == before + 1
    other = staff_client.post(reverse("session_vitals", args=[session.pk]), {**data, "idempotency_key": KEY[::-1]})
    assert other.status_code == 302
    assert VitalsReading.objects.filter(session=session).count() == before + 2


def test_the_vitals_form_carries_a_fresh_key_each_time_it_is_shown(staff_client, cast):
    session = checked_in(esketamine_session(), cast.staff)
    pages = [staff_client.get(reverse("session_detail", args=[session.pk])).content.decode() for _ in range(2)]
    keys = [page.split('name="idempotency_key" value="')[1][:32] for page in pages]
    assert keys[0] != keys[1]


def test_a_refused_write_does_not_use_up_the_key(cast):
    calls = []

    def refused():
        calls.append(1)
        raise ValueError("refused")

    for _ in range(2):
        with pytest.raises(ValueError):
            once(key=KEY, user=cast.staff, run=refused)
    assert once(key=KEY, user=cast.staff, run=lambda: "/done/") == ("/done/", True)
    assert once(key=KEY, user=cast.staff, run=lambda: "/again/") == ("/done/", False)
    assert len(calls) == 2
