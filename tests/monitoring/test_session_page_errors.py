"""Errors in view on the session page: the page keeps its own address after a refused entry,
"Dosing complete — observe" waits for a device, a single lot is chosen already."""

from __future__ import annotations

import pytest

from sessions.monitoring import services as m
from tests import factories as f
from tests import factories_monitoring as fm
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _dosing(cast):
    session = fm.checked_in(fm.esketamine_session(course=f.CourseFactory(patient=cast.patient_a)), cast.staff)
    m.session_start_dosing(session=session, by=cast.staff)
    return session


def test_a_refused_vitals_entry_shows_the_form_with_the_page_address_to_restore(cast):
    session = fm.dosed(fm.esketamine_session(course=f.CourseFactory(patient=cast.patient_a)), cast.staff)
    response = client_for(cast.staff).post(f"/sessions/{session.pk}/vitals/", {"systolic": "80", "diastolic": "90"})
    page = response.content.decode()
    assert response.status_code == 400
    assert f'data-canonical="/sessions/{session.pk}/"' in page
    assert "is-invalid" in page and "Systolic must be above diastolic." in page


def test_the_session_page_itself_carries_no_address_to_restore(cast):
    session = _dosing(cast)
    assert "data-canonical" not in client_for(cast.staff).get(f"/sessions/{session.pk}/").content.decode()


def test_dosing_complete_appears_only_after_a_device_is_recorded(cast):
    session = _dosing(cast)
    client = client_for(cast.staff)
    assert "Dosing complete" not in client.get(f"/sessions/{session.pk}/").content.decode()
    m.administer_device(session=session, by=cast.staff, lot=fm.DrugLotFactory())
    assert "Dosing complete" in client.get(f"/sessions/{session.pk}/").content.decode()


def test_the_only_lot_in_stock_is_chosen_already(cast):
    session = _dosing(cast)
    lot = fm.DrugLotFactory()
    page = client_for(cast.staff).get(f"/sessions/{session.pk}/").content.decode()
    assert f'<option value="{lot.pk}" selected>' in page


def test_with_two_lots_in_stock_the_nurse_chooses(cast):
    session = _dosing(cast)
    fm.DrugLotFactory()
    fm.DrugLotFactory()
    page = client_for(cast.staff).get(f"/sessions/{session.pk}/").content.decode()
    assert '<option value="" selected>' in page.split('id="id_device_lot"')[1].split("</select>")[0]


def test_a_wrong_password_is_announced_to_screen_readers(cast):
    from django.test import Client

    page = Client().post("/accounts/login/", {"username": cast.staff.username, "password": "nope"}).content.decode()
    assert 'role="alert" id="login-error"' in page and 'aria-describedby="login-error"' in page


def test_the_defer_button_is_an_outline_danger_button_and_not_also_primary():
    from crispy_forms.utils import render_crispy_form

    from sessions.monitoring.forms import DeferForm

    html = render_crispy_form(DeferForm(action="/x/"))
    assert 'class="btn btn-outline-danger"' in html and "btn-primary" not in html


def test_a_nurse_is_not_told_a_decision_is_needed_once_the_prescriber_made_it(cast):
    from sessions.models import Decision
    from sessions.monitoring import services as m
    from tests.conftest import client_for
    from tests.factories_monitoring import checked_in, esketamine_session

    session = checked_in(esketamine_session(patient=cast.patient_a), cast.staff, systolic=152, diastolic=88)
    page = client_for(cast.staff).get(f"/sessions/{session.pk}/").content.decode()
    assert "A prescriber must record the decision" in page
    m.dosing_decision_record(session=session, by=cast.prescriber, decision=Decision.PROCEED, reason="Baseline 150s")
    page = client_for(cast.staff).get(f"/sessions/{session.pk}/").content.decode()
    assert "A prescriber must record the decision" not in page and "Baseline 150s" in page
