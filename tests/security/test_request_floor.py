"""What every logged-in request pays: the session and the user are read, nothing is written unless
something changed; the clinic settings are read once; a page's read-log entries go in one insert."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.memo import request_scope
from clinic.models import AccessLog, ClinicSettings

from .helpers import password_login


def _queries(client, url: str, **headers) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(url, headers=headers).status_code
    return status, [q["sql"] for q in ctx.captured_queries]


def _writes(sql: list[str]) -> list[str]:
    return [q for q in sql if q.split()[0] in ("INSERT", "UPDATE", "DELETE")]


def test_a_logged_in_request_reads_the_session_and_the_user_and_writes_nothing(cast):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        client.get("/healthz")
        clock.shift(dt.timedelta(seconds=20))
        status, sql = _queries(client, "/healthz")
    assert status == 200
    assert len(sql) == 3  # the session, the user, the health check's SELECT 1
    assert _writes(sql) == []


def test_activity_is_written_to_the_session_at_most_once_a_minute(cast):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        clock.shift(dt.timedelta(seconds=30))
        _, within = _queries(client, "/healthz")
        clock.shift(dt.timedelta(seconds=31))
        status, after = _queries(client, "/healthz")
    assert _writes(within) == []
    assert status == 200 and any("django_session" in q for q in _writes(after))


def test_activity_recorded_a_minute_apart_keeps_a_busy_user_signed_in(cast, settings):
    settings.STAFF_IDLE_MINUTES = 15
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = password_login(cast.staff)
        for _ in range(40):  # a click every 45 seconds for half an hour
            clock.shift(dt.timedelta(seconds=45))
            assert client.get("/patients/").status_code == 200


def test_a_page_reads_the_clinic_settings_once(cast, patient_a_client):
    patient_a_client.get("/portal/")
    status, sql = _queries(patient_a_client, "/portal/")
    assert status == 200
    assert sum('FROM "clinic_clinicsettings"' in q for q in sql) == 1


def test_settings_saved_during_a_request_are_read_afresh_by_the_rest_of_it(db):
    with request_scope():
        first = ClinicSettings.load()
        changed = ClinicSettings.load()
        changed.name = "Renamed clinic"
        assert ClinicSettings.load().name == first.name  # each caller has its own copy
        changed.save()
        assert ClinicSettings.load().name == "Renamed clinic"


def test_a_patient_page_writes_its_read_entry_in_one_insert_without_a_session_write(cast, staff_client):
    url = f"/patients/{cast.patient_a.pk}/"
    staff_client.get(url)
    status, sql = _queries(staff_client, url)
    assert status == 200
    assert _writes(sql) == [q for q in sql if q.startswith('INSERT INTO "clinic_accesslog"')]
    assert len(_writes(sql)) == 1
    assert AccessLog.objects.filter(patient=cast.patient_a, user=cast.staff).count() == 2
