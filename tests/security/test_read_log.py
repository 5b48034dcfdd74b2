"""Reads of patient records are logged: who opened which patient, when — on every page that shows
one patient's data. Pages record the read through one explicit call (``note_patient_access``, made by
the lookup that loads the patient's data); the walk below is the safety net: it opens every page as
every role and fails when one shows patient A's data without a log entry."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from clinic.models import AccessLog
from tests.conftest import client_for
from tests.test_access_matrix import BUILDERS, TABLE


def _world(cast):
    world = SimpleNamespace(
        patient_a=cast.patient_a,
        patient_b=cast.patient_b,
        staff=cast.staff,
        prescriber=cast.prescriber,
        admin=cast.admin,
    )
    for build in BUILDERS:
        build(world)
    return world


def _unlogged_pages(cast, role: str, method: str) -> tuple[list[str], int]:
    """Walk every page of the access table as ``role``: the pages that showed patient A's data (and
    no one else's) without a read entry, and how many such pages were checked."""
    world = _world(cast)
    user = cast.users[role]
    client = client_for(user)
    unlogged, checked = [], 0
    for name, case in sorted(TABLE.items()):
        kwargs = case.kwargs(world)
        about_one_object = any(isinstance(v, int) for v in kwargs.values())
        # One patient's page: a portal page, or a page about one object (an id in the URL).
        # Lists and reports that happen to show only patient A in this small world are not.
        if role != "patient_a" and not about_one_object:
            continue
        if method == "post" and not about_one_object:
            continue  # a refused change is shown again on the page of the object it was about
        url = reverse(name, kwargs=kwargs) + (f"?{case.query}" if case.query else "")
        before = AccessLog.objects.filter(user=user, patient=cast.patient_a).count()
        # An empty POST is refused by every form: the page comes back with the messages (400).
        response = client.get(url) if method == "get" else client.post(url, {})
        if response.status_code not in (200, 400):
            continue
        # A portal page (only patients may open it) shows the patient's own data, named or not
        # (calendar files included); any other page counts when it names patient A and no one else.
        portal_page = role == "patient_a" and case.expect["patient_a"] == 200 and case.expect["staff"] == 403
        is_html = response.get("Content-Type", "").startswith("text/html")
        html = response.content.decode() if is_html else ""
        if portal_page or (cast.patient_a.last_name in html and cast.patient_b.last_name not in html):
            checked += 1
            if AccessLog.objects.filter(user=user, patient=cast.patient_a).count() == before:
                unlogged.append(f"{method.upper()} {url}")
    return unlogged, checked


@pytest.mark.parametrize("role", ["patient_a", "staff", "prescriber", "admin"])
def test_every_page_showing_one_patients_data_records_the_read(cast, role):
    unlogged, checked = _unlogged_pages(cast, role, "get")
    assert checked >= 5, f"the walk found only {checked} pages of patient A's data for {role}"
    assert not unlogged, f"{role} saw patient A's data without a read being logged: {unlogged}"


@pytest.mark.parametrize("role", ["staff", "prescriber", "admin"])
def test_every_refused_change_that_shows_a_patients_data_again_records_the_read(cast, role):
    unlogged, checked = _unlogged_pages(cast, role, "post")
    assert checked >= 1, f"the walk found no refused change shown again for {role}"
    assert not unlogged, f"{role} saw patient A's data without a read being logged: {unlogged}"


def test_opening_a_patient_page_records_who_what_and_when(cast, staff_client):
    staff_client.get(f"/patients/{cast.patient_a.pk}/")
    entry = AccessLog.objects.get(patient=cast.patient_a)
    assert entry.user == cast.staff
    assert entry.path == f"/patients/{cast.patient_a.pk}/"
    assert entry.method == "GET"
    assert entry.at is not None


def test_each_opening_is_one_entry(cast, staff_client):
    staff_client.get(f"/patients/{cast.patient_a.pk}/")
    staff_client.get(f"/patients/{cast.patient_a.pk}/")
    assert AccessLog.objects.filter(patient=cast.patient_a).count() == 2


def test_a_list_of_many_patients_is_not_logged_patient_by_patient(cast, staff_client):
    staff_client.get("/patients/")
    assert not AccessLog.objects.exists()


def test_a_page_that_notes_the_same_patient_twice_logs_one_entry(cast, staff_client):
    staff_client.get(f"/patients/{cast.patient_a.pk}/edit/")
    assert AccessLog.objects.filter(patient=cast.patient_a).count() == 1


def test_a_refused_request_is_not_logged_as_a_read(cast, patient_b_client):
    patient_b_client.get(f"/patients/{cast.patient_a.pk}/")
    assert not AccessLog.objects.filter(patient=cast.patient_a).exists()


def test_a_calendar_filtered_to_one_patient_records_the_read(cast, admin_client_):
    _world(cast)
    response = admin_client_.get("/calendar/", {"patient": cast.patient_a.last_name})
    assert (
        response.status_code == 200
        and f"{cast.patient_a.first_name} {cast.patient_a.last_name[0]}." in response.content.decode()
    )
    assert AccessLog.objects.filter(user=cast.admin, patient=cast.patient_a).count() == 1


def test_the_whole_calendar_is_not_logged_patient_by_patient(cast, admin_client_):
    _world(cast)
    assert admin_client_.get("/calendar/").status_code == 200
    assert not AccessLog.objects.exists()


def test_one_patients_audit_trail_records_the_read(cast, admin_client_):
    response = admin_client_.get("/manage/audit/", {"patient": f"#{cast.patient_a.pk}"})
    assert response.status_code == 200
    assert AccessLog.objects.filter(user=cast.admin, patient=cast.patient_a).count() == 1


def test_an_audit_search_for_a_patient_who_does_not_exist_logs_nothing(cast, admin_client_):
    assert admin_client_.get("/manage/audit/", {"patient": "#999999"}).status_code == 200
    assert not AccessLog.objects.exists()
