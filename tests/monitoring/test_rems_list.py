"""The REMS list is filtered, counted and paged in the database: its cost does not grow with the history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sessions.models import RemsSubmission, SessionStatus, TreatmentSession
from sessions.monitoring import rems
from tests import factories as f
from tests.factories_monitoring import esketamine_session

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 11, 0, tzinfo=dt.UTC)


def _discharged(days_ago: float, *, submitted_by=None) -> TreatmentSession:
    at = NOW - dt.timedelta(days=days_ago)
    s = esketamine_session(planned_start=at - dt.timedelta(hours=2))
    TreatmentSession.objects.filter(pk=s.pk).update(status=SessionStatus.DISCHARGED, discharged_at=at)
    if submitted_by is not None:
        RemsSubmission.objects.create(
            session=s, submitted_on=at.date(), confirmation_number=f"RC-{s.pk}", by=submitted_by
        )
    return s


def _count(client, url) -> int:
    client.get(url)  # the first request of a login also writes its session row
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_rems_list_costs_the_same_queries_with_5_and_60_sessions(frozen, staff_client, cast):
    f.clinic_settings()
    for i in range(5):
        _discharged(i + 1)
    url = reverse("rems_list")
    few = _count(staff_client, url)
    for i in range(55):
        _discharged(i % 80 + 1, submitted_by=cast.staff if i % 2 else None)
    many = _count(staff_client, url)
    assert many == few <= 8
    assert _count(staff_client, url + "?status=overdue&page=2") == few
    assert _count(staff_client, url + "?history=all") == few


def test_the_counts_of_each_tab_match_each_sessions_status(frozen, staff_client, cast):
    cs = f.clinic_settings()
    due = cs.rems_form_due_days
    to_submit = _discharged(0.1)
    overdue = _discharged(due + 2)
    submitted = _discharged(due + 3, submitted_by=cast.staff)
    page = rems.rems_page(cs)
    assert page.counts == {"to_submit": 1, "submitted": 1, "overdue": 1}
    for s in (to_submit, overdue, submitted):
        tab = rems.rems_page(cs, wanted=rems.form_status(s, cs))
        assert [r["s"].pk for r in tab.rows] == [s.pk]


def test_the_list_shows_the_last_90_days_unless_the_whole_history_is_asked(frozen, staff_client, cast):
    f.clinic_settings()
    recent = _discharged(10)
    old = _discharged(400)
    page = staff_client.get(reverse("rems_list")).content.decode()
    assert recent.patient.full_name in page and old.patient.full_name not in page
    assert "Show the whole history" in page
    page = staff_client.get(reverse("rems_list") + "?history=all&status=overdue").content.decode()
    assert recent.patient.full_name in page and old.patient.full_name in page


def test_the_list_is_paged_fifty_forms_at_a_time_newest_first(frozen, staff_client, cast):
    cs = f.clinic_settings()
    sessions = [_discharged(1 + i / 10) for i in range(rems.PAGE_SIZE + 3)]
    first = rems.rems_page(cs)
    second = rems.rems_page(cs, page=2)
    assert (first.pages, first.total) == (2, rems.PAGE_SIZE + 3)
    assert [r["s"].pk for r in first.rows + second.rows] == [s.pk for s in sessions]
    r = staff_client.get(reverse("rems_list") + "?page=99")
    assert r.status_code == 200 and "Page 2 of 2" in r.content.decode()
    assert staff_client.get(reverse("rems_list") + "?page=x&status=bogus").status_code == 200


def test_a_session_without_a_discharge_time_is_listed_by_its_planned_start(frozen, staff_client, cast):
    cs = f.clinic_settings()
    recent, old = _discharged(3), _discharged(200)
    TreatmentSession.objects.filter(pk__in=[recent.pk, old.pk]).update(discharged_at=None)
    page = rems.rems_page(cs)
    assert [r["s"].pk for r in page.rows] == [recent.pk]
    assert page.counts == {"to_submit": 1, "submitted": 0, "overdue": 0}
    assert [r["s"].pk for r in rems.rems_page(cs, wanted="overdue", whole_history=True).rows] == [old.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_the_list_reads_the_window_as_one_index_range_newest_first(frozen, staff_client, cast):
    cs = f.clinic_settings()
    for i in range(8):
        _discharged(i * 20 + 1, submitted_by=cast.staff if i % 2 else None)
    for wanted in ("", "to_submit", "overdue", "submitted"):
        with CaptureQueriesContext(connection) as ctx:
            rems.rems_page(cs, wanted=wanted)
        plans = []
        with connection.cursor() as cursor:
            for query in ctx.captured_queries:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plans += [row[-1] for row in cursor.fetchall()]
        sessions = [p for p in plans if " treatment_treatmentsession " in f"{p} "]
        assert sessions and all("USING INDEX session_rems_day_idx" in p for p in sessions), plans
        assert not [p for p in plans if "MULTI-INDEX OR" in p or p == "USE TEMP B-TREE FOR ORDER BY"], plans
