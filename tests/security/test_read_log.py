"""Reads of patient records are logged: who opened which patient, when — on every page that shows
one patient's data, whether or not the view called note_patient_access itself."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from clinic.middleware import PatientReadLogMiddleware
from clinic.models import AccessLog, Patient
from tests import factories as f
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


@pytest.mark.parametrize("role", ["patient_a", "staff", "prescriber", "admin"])
def test_every_page_showing_one_patients_data_records_the_read(cast, role):
    world = _world(cast)
    user = cast.users[role]
    client = client_for(user)
    unlogged = []
    for name, case in sorted(TABLE.items()):
        kwargs = case.kwargs(world)
        # One patient's page: a portal page, or a page about one object (an id in the URL).
        # Lists and reports that happen to show only patient A in this small world are not.
        if role != "patient_a" and not any(isinstance(v, int) for v in kwargs.values()):
            continue
        url = reverse(name, kwargs=kwargs) + (f"?{case.query}" if case.query else "")
        before = AccessLog.objects.filter(user=user, patient=cast.patient_a).count()
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        shows_a = cast.patient_a.last_name in html
        shows_others = cast.patient_b.last_name in html
        if shows_a and not shows_others:
            after = AccessLog.objects.filter(user=user, patient=cast.patient_a).count()
            if after == before:
                unlogged.append(url)
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


def _middleware(view):
    return PatientReadLogMiddleware(view)


def test_the_safety_net_logs_a_view_that_loaded_one_patients_rows_without_noting_it(cast):
    session = f.TreatmentSessionFactory(course__patient=cast.patient_a)

    def view(request):
        from sessions.models import TreatmentSession

        TreatmentSession.objects.get(pk=session.pk)
        return HttpResponse("ok")

    request = RequestFactory().get("/somewhere/")
    request.user = cast.staff
    _middleware(view)(request)
    assert AccessLog.objects.filter(patient=cast.patient_a, user=cast.staff, path="/somewhere/").count() == 1


def test_the_safety_net_logs_the_patient_named_in_the_url(cast):
    def view(request):
        list(Patient.objects.all())  # several patients on the page
        return HttpResponse("ok")

    request = RequestFactory().get("/x/")
    request.user = cast.staff
    middleware = _middleware(view)
    middleware.process_view(request, view, (), {"patient_pk": cast.patient_b.pk})
    middleware(request)
    assert list(AccessLog.objects.values_list("patient_id", flat=True)) == [cast.patient_b.pk]


def test_the_safety_net_does_not_log_twice_what_the_view_noted(cast, staff_client):
    staff_client.get(f"/patients/{cast.patient_a.pk}/edit/")
    assert AccessLog.objects.filter(patient=cast.patient_a).count() == 1


def test_a_refused_request_is_not_logged_as_a_read(cast, patient_b_client):
    patient_b_client.get(f"/patients/{cast.patient_a.pk}/")
    assert not AccessLog.objects.filter(patient=cast.patient_a).exists()
