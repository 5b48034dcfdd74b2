"""The admin's audit search: changes (every simple-history table) and reads (the access log), by
patient, user and dates; paginated; a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import html
import re

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.models import AccessLog
from tests import factories as f

URL = "/manage/audit/"


def _edit(patient, by, **changes):
    for key, value in changes.items():
        setattr(patient, key, value)
    patient._history_user = by
    patient.save()


def test_the_audit_log_is_in_the_manage_menu(admin_client_):
    assert f'href="{URL}"' in admin_client_.get("/patients/").content.decode()


def test_changes_can_be_searched_by_patient(cast, admin_client_):
    _edit(cast.patient_a, cast.staff, phone="+1 555 0199 001")
    _edit(cast.patient_b, cast.staff, phone="+1 555 0199 002")
    page = admin_client_.get(URL, {"kind": "changes", "patient": f"#{cast.patient_a.pk}"}).context["changes"]
    assert page.rows
    assert {r.patient_id for r in page.rows} == {cast.patient_a.pk}


def test_changes_can_be_searched_by_patient_name(cast, admin_client_):
    _edit(cast.patient_b, cast.staff, phone="+1 555 0199 002")
    page = admin_client_.get(URL, {"patient": "Beta"}).context["changes"]
    assert page.rows and {r.patient_id for r in page.rows} == {cast.patient_b.pk}


def test_changes_of_rows_linked_to_a_patient_through_a_session_are_found(cast, admin_client_):
    ride = f.RideFactory(session__course__patient=cast.patient_a)
    page = admin_client_.get(URL, {"patient": f"#{cast.patient_a.pk}"}).context["changes"]
    assert any(r.what == f"Ride #{ride.pk}" for r in page.rows)


def test_changes_can_be_searched_by_who_made_them(cast, admin_client_):
    _edit(cast.patient_a, cast.staff, phone="+1 555 0199 001")
    _edit(cast.patient_a, cast.prescriber, phone="+1 555 0199 003")
    page = admin_client_.get(URL, {"user": cast.prescriber.username}).context["changes"]
    assert page.rows and {r.who for r in page.rows} == {cast.prescriber.get_full_name()}


def test_changes_can_be_searched_by_date_range(cast, admin_client_):
    # Noon, clinic time, 40 days ago (now minus 40 days can be another clinic day: the evening, a DST change).
    when = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=40), dt.time(12), timezone.get_current_timezone())
    with time_machine.travel(when):
        _edit(cast.patient_a, cast.staff, phone="+1 555 0199 004")
    day = when.date().isoformat()
    page = admin_client_.get(URL, {"date_from": day, "date_to": day}).context["changes"]
    assert len(page.rows) == 1 and page.rows[0].who == cast.staff.get_full_name()


def test_an_end_date_before_the_start_date_is_refused_beside_the_field(admin_client_):
    response = admin_client_.get(URL, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_reads_can_be_searched_by_patient_and_user(cast, admin_client_, staff_client, prescriber_client):
    staff_client.get(f"/patients/{cast.patient_a.pk}/")
    prescriber_client.get(f"/patients/{cast.patient_b.pk}/")
    page = admin_client_.get(URL, {"kind": "reads", "patient": "Alpha"}).context["reads"]
    assert [(r.user_id, r.patient_id) for r in page] == [(cast.staff.pk, cast.patient_a.pk)]
    page = admin_client_.get(URL, {"kind": "reads", "user": cast.prescriber.username}).context["reads"]
    assert [r.patient_id for r in page] == [cast.patient_b.pk]


def _many_changes(patient, by, n):
    for i in range(n):
        _edit(patient, by, phone=f"+1 555 01{i:05d}")


def test_the_changes_list_is_paginated(cast, admin_client_):
    _many_changes(cast.patient_a, cast.staff, 60)
    first = admin_client_.get(URL, {"patient": "Alpha"}).context["changes"]
    second = admin_client_.get(URL, {"patient": "Alpha", "page": 2}).context["changes"]
    assert len(first.rows) == 50 and first.has_next
    assert second.rows and not second.has_next
    assert {r.when for r in first.rows}.isdisjoint({r.when for r in second.rows})


def _table_rows(response, table_id: str) -> list[list[str]]:
    """The cell texts (tags stripped) of each body row of the page's table ``table_id``."""
    body = re.search(rf'id="{table_id}">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S)
    assert body, f"no table {table_id} on the page"
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    cells = (re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in row] for row in cells]


def test_the_changes_page_costs_the_same_queries_for_5_rows_as_for_60(
    cast, admin_client_, django_assert_max_num_queries
):
    _many_changes(cast.patient_a, cast.staff, 5)
    with CaptureQueriesContext(connection) as small:
        assert admin_client_.get(URL).status_code == 200
    _many_changes(cast.patient_b, cast.prescriber, 60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client_.get(URL)
    assert response.status_code == 200
    # The page counted for is the first of the 65 changes: 50 rows, the newest first (Ben's 60 edits).
    rows = _table_rows(response, "audit-changes")
    assert len(rows) == 50
    assert {(row[1], row[4]) for row in rows} == {(cast.prescriber.get_full_name(), "Ben Beta")}
    assert "Next</a>" in response.content.decode()


def test_one_patients_changes_cost_at_most_eight_queries_with_5_rows_as_with_60(cast, admin_client_):
    """Every history table is read in one UNION ALL query, not one query per table."""
    query = {"kind": "changes", "patient": f"#{cast.patient_a.pk}"}

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client_.get(URL, query).status_code == 200
        return len(ctx.captured_queries)

    admin_client_.get(URL, query)  # the first request of a login also writes its session row
    _many_changes(cast.patient_a, cast.staff, 5)
    few = count()
    _many_changes(cast.patient_a, cast.staff, 55)
    assert count() == few <= 8
    rows = admin_client_.get(URL, query).context["changes"].rows
    assert len(rows) == 50 and rows[0].who == cast.staff.get_full_name() and rows[0].what.startswith("Patient #")


def test_the_reads_page_costs_the_same_queries_for_5_rows_as_for_60(cast, admin_client_, django_assert_max_num_queries):
    def reads(n, patient):
        AccessLog.objects.bulk_create(
            [AccessLog(user=cast.staff, patient=patient, path="/x/", method="GET") for _ in range(n)]
        )

    reads(5, cast.patient_a)
    with CaptureQueriesContext(connection) as small:
        assert admin_client_.get(URL, {"kind": "reads"}).status_code == 200
    reads(60, cast.patient_b)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client_.get(URL, {"kind": "reads"})
    assert response.status_code == 200
    rows = _table_rows(response, "audit-reads")
    assert len(rows) == 50
    assert {(row[1], row[2], row[3]) for row in rows} == {(str(cast.staff), "Ben Beta", "GET /x/")}


def test_a_page_number_that_is_not_a_number_shows_the_first_page(admin_client_):
    assert admin_client_.get(URL, {"page": "abc"}).status_code == 200
    assert admin_client_.get(URL, {"kind": "reads", "page": "abc"}).status_code == 200


def test_searches_of_the_same_shape_one_after_the_other_each_find_their_own_patients_changes(cast, admin_client_):
    _edit(cast.patient_a, cast.staff, phone="+1 555 0199 001")
    _edit(cast.patient_b, cast.prescriber, phone="+1 555 0199 002")
    found = {}
    for patient in (cast.patient_a, cast.patient_b, cast.patient_a):
        page = admin_client_.get(URL, {"kind": "changes", "patient": f"#{patient.pk}"}).context["changes"]
        found.setdefault(patient.pk, []).append({(r.patient_id, r.who) for r in page.rows})
    assert {pid for pid, _ in found[cast.patient_b.pk][0]} == {cast.patient_b.pk}
    assert cast.prescriber.get_full_name() in {who for _, who in found[cast.patient_b.pk][0]}
    assert found[cast.patient_a.pk][0] == found[cast.patient_a.pk][1] and found[cast.patient_a.pk][0]
    assert cast.prescriber.get_full_name() not in {who for _, who in found[cast.patient_a.pk][0]}
