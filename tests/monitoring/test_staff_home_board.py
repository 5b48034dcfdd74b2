"""The nurse lands where the danger is: the staff home shows open alerts and every patient in a
chair first, each blood pressure with its time and kind (red when above its limit), a PHQ-9 item 9
alert on the patient's card and session page, then the day by chair."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import Instrument, Source
from sessions.monitoring import services as m
from sessions.outcomes.services import outcome_record
from tests import factories as f
from tests import factories_monitoring as fm
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _observing(patient, nurse, chair_name="Chair 7"):
    session = fm.esketamine_session(course=f.CourseFactory(patient=patient), chair=f.ChairFactory(name=chair_name))
    return fm.dosed(session, nurse)


def test_the_staff_home_shows_patients_in_a_chair_before_the_day_by_chair(cast):
    _observing(cast.patient_a, cast.staff)
    page = client_for(cast.staff).get("/today/").content.decode()
    assert page.index("In clinic now") < page.index("board-card") < page.index("The day by chair")


def test_an_alert_on_the_staff_home_comes_first_and_a_prescriber_acknowledges_it_there(cast):
    session = _observing(cast.patient_a, cast.staff)
    m.vitals_record(session=session, by=cast.staff, systolic=204, diastolic=118, heart_rate=80, spo2=97)
    response = client_for(cast.prescriber).get("/today/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("204/118") < page.index("The day by chair")
    alert = session.alerts.get()
    assert f'action="/alerts/{alert.pk}/acknowledge/"' in page
    assert 'name="next" value="/today/"' in page


def test_a_nurse_sees_the_alert_on_the_staff_home_without_an_acknowledge_form(cast):
    session = _observing(cast.patient_a, cast.staff)
    m.vitals_record(session=session, by=cast.staff, systolic=204, diastolic=118, heart_rate=80, spo2=97)
    page = client_for(cast.staff).get("/today/").content.decode()
    assert "204/118" in page and "A prescriber acknowledges it here" in page
    assert "/acknowledge/" not in page


def test_each_bp_on_the_board_shows_its_time_and_kind_and_a_high_value_is_red_in_the_number(cast):
    session = fm.esketamine_session(course=f.CourseFactory(patient=cast.patient_a))
    fm.checked_in(session, cast.staff, systolic=150, diastolic=95)
    page = client_for(cast.staff).get("/today/").content.decode()
    reading = session.vitals.get()
    assert f"{reading.taken_at.astimezone().strftime('%H:%M')}" in page or "pre-dose" in page
    assert 'pre-dose</span> <strong class="bp-value bp-high">150/95</strong>' in page
    assert "(above 140/90)" in page


def test_a_bp_within_limits_is_not_marked_high(cast):
    session = fm.esketamine_session(course=f.CourseFactory(patient=cast.patient_a))
    fm.checked_in(session, cast.staff, systolic=128, diastolic=82)
    page = client_for(cast.staff).get("/today/").content.decode()
    assert '<strong class="bp-value">128/82</strong>' in page
    assert "bp-high" not in page


def test_a_phq9_self_harm_alert_shows_on_the_board_card_and_the_session_page(cast):
    session = _observing(cast.patient_a, cast.staff)
    outcome_record(
        patient=cast.patient_a,
        by=cast.patient_a.user,
        instrument=Instrument.PHQ9,
        items=[1, 1, 1, 1, 1, 1, 1, 1, 2],
        source=Source.PORTAL,
    )
    board = client_for(cast.staff).get("/today/").content.decode()
    card = board[board.index("board-card") : board.index("The day by chair")]
    assert "PHQ-9 item 9 answered 2" in card
    detail = client_for(cast.staff).get(f"/sessions/{session.pk}/").content.decode()
    assert "PHQ-9 item 9 answered 2" in detail
    live = client_for(cast.staff).get(f"/sessions/{session.pk}/live/").content.decode()
    assert "PHQ-9 item 9 answered 2" in live


def test_the_staff_home_runs_the_same_number_of_queries_for_two_patients_and_for_six(cast):
    # (with one patient the read log adds its entry: a page showing one patient's data is logged)
    def count() -> tuple[int, int]:
        client = client_for(cast.staff)
        client.get("/today/")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/today/")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode().count("board-card")

    _observing(cast.patient_a, cast.staff, "Chair 1")
    _observing(cast.patient_b, cast.staff, "Chair 2")
    two, cards = count()
    assert cards == 2
    for i in range(4):
        _observing(f.PatientFactory(), cast.staff, f"Chair {i + 3}")
    six, cards = count()
    assert cards == 6
    assert six == two


def test_a_card_shows_the_dose_given_to_the_half_milligram_not_rounded(cast):
    from decimal import Decimal

    session = fm.iv_session(patient=cast.patient_a)
    fm.checked_in(session, cast.staff)
    m.session_start_dosing(session=session, by=cast.staff)
    lot = fm.DrugLotFactory(drug="ketamine", quantity=5000)
    m.infusion_start(session=session, by=cast.staff, lot=lot, weight_kg=Decimal(95), mg_per_kg=Decimal("0.5"))
    page = client_for(cast.staff).get("/monitor/").content.decode()
    assert "47.5 mg" in page and "48 mg" not in page
