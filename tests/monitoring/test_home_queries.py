"""The staff home, its refresh, the monitor board and the board's refresh read the day's sessions once
(``sessions.monitoring.selectors.day_sessions``) and every alert they show in one query: each costs
the same number of queries with 5 or 60 sessions in the day, 1 or 8 patients in a chair and 4 or 20
chairs. The day's sessions bring their readings, devices and the rest of what a card shows in the same
query (``live_rows_with_related``)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import AlertKind, Scale
from sessions.monitoring import services as m
from sessions.monitoring.alerts import alert_acknowledge, raise_alert
from tests import factories as f
from tests import factories_monitoring as fm
from tests.conftest import client_for
from tests.factories_scheduling import MONDAY, at, clinic

pytestmark = pytest.mark.django_db

# The floor (clinic settings, login session, user) and the page's own reads.
HOME = 3 + 4  # day's sessions with their rows, chairs, on-site rota, alerts
HOME_REFRESH = 3 + 2  # day's sessions, chairs
BOARD = 3 + 2  # sessions in a chair with their rows, alerts

PAGES = {
    "staff home": ("/today/", {}, HOME),
    "staff home refresh": ("/today/", {"HX-Request": "true", "X-Auto-Refresh": "1"}, HOME_REFRESH),
    "monitor board": ("/monitor/", {}, BOARD),
    "monitor board refresh": ("/monitor/live/", {"HX-Request": "true", "X-Auto-Refresh": "1"}, BOARD),
}


@pytest.fixture
def late_morning():
    with time_machine.travel(at(MONDAY, 11), tick=False) as traveller:
        yield traveller


def _day(nurse, *, scheduled: int, in_chairs: int, chairs: int):
    """Patients in the first ``in_chairs`` chairs since 10:30 (dosed, BP and MOAA/S recorded, the first
    with a very high BP alert and a PHQ-9 item 9 alert), ``scheduled`` sessions from 14:00 spread over
    ``chairs`` chairs, a nurse and a prescriber on site, and an open alert of a patient not in clinic."""
    rooms = clinic(max(chairs, in_chairs))
    lot = fm.DrugLotFactory(quantity=1000)
    in_clinic = []
    for chair in rooms[:in_chairs]:
        session = fm.esketamine_session(chair=chair, planned_start=at(MONDAY, 10, 30))
        with time_machine.travel(at(MONDAY, 10, 20), tick=False) as clock:
            fm.dosed(session, nurse, lot=lot, clock=clock)
            clock.shift(dt.timedelta(minutes=5))
            m.vitals_record(session=session, by=nurse, systolic=150, diastolic=90, spo2=97, heart_rate=80)
            m.assessment_record(session=session, by=nurse, scale=Scale.MOAAS, score=5)
        in_clinic.append(session)
    first = in_clinic[0]
    m.vitals_record(session=first, by=nurse, systolic=204, diastolic=118, spo2=97, heart_rate=80)
    raise_alert(patient=first.patient, session=None, kind=AlertKind.PHQ9_ITEM9, message="Item 9: 2", by=None)
    raise_alert(patient=f.PatientFactory(), session=None, kind=AlertKind.PHQ9_ITEM9, message="Item 9: 1", by=None)
    for i in range(scheduled):
        start = at(MONDAY, 14) + dt.timedelta(minutes=10 * (i // chairs))
        session = f.TreatmentSessionFactory(
            chair=rooms[i % chairs], planned_start=start, planned_end=start + dt.timedelta(minutes=10)
        )
        f.RideFactory(session=session)
    f.StaffShiftFactory(date=MONDAY, staff=nurse)
    f.StaffShiftFactory(date=MONDAY, staff=f.PrescriberFactory())
    return in_clinic


def _queries(client, url: str, headers: dict) -> int:
    client.get(url, headers=headers)  # the first request of a login also writes its session row
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("scheduled", "in_chairs", "chairs"),
    [(5, 1, 4), (60, 1, 4), (5, 1, 20), (5, 8, 20)],
    ids=["5 sessions, 1 in a chair, 4 chairs", "60 sessions", "20 chairs", "8 in a chair"],
)
def test_each_page_costs_the_same_queries_whatever_the_day(cast, late_morning, scheduled, in_chairs, chairs):
    _day(cast.staff, scheduled=scheduled, in_chairs=in_chairs, chairs=chairs)
    client = client_for(cast.staff)
    counts = {page: _queries(client, url, headers) for page, (url, headers, _) in PAGES.items()}
    assert counts == {page: expected for page, (_, _, expected) in PAGES.items()}


def test_the_monitor_board_its_refresh_and_the_day_by_chair_refresh_cost_at_most_eight_queries(cast, late_morning):
    _day(cast.staff, scheduled=60, in_chairs=8, chairs=20)
    client = client_for(cast.staff)
    for page in ("staff home refresh", "monitor board", "monitor board refresh"):
        url, headers, _ = PAGES[page]
        assert _queries(client, url, headers) <= 8, page


def test_a_nurse_lands_on_the_cards_then_the_day_by_chair_with_no_acknowledge_form(cast, late_morning):
    first = _day(cast.staff, scheduled=5, in_chairs=2, chairs=4)[0]
    response = client_for(cast.staff).get("/today/")
    page = response.content.decode()
    assert response.status_code == 200
    card = page[page.index(first.patient.full_name) : page.index("The day by chair")]
    assert "204/118" in card and "PHQ-9 item 9" in card and "A prescriber acknowledges it here" in card
    assert page.count("board-card") == 2 and page.count('class="card shadow-sm mb-3 board-chair"') == 4
    assert "/acknowledge/" not in page


def test_a_prescriber_lands_on_the_same_page_and_can_acknowledge_each_alert_there(cast, late_morning):
    first = _day(cast.staff, scheduled=5, in_chairs=2, chairs=4)[0]
    response = client_for(cast.prescriber).get("/today/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("board-card") == 2 and page.count('class="card shadow-sm mb-3 board-chair"') == 4
    for alert in first.patient.alerts.all():
        assert f'action="/alerts/{alert.pk}/acknowledge/"' in page
    other = page[page.index("Open alerts") : page.index("board-card")]
    assert "Item 9: 1" in other and 'name="next" value="/today/"' in other


def test_the_board_lists_the_newest_fifty_other_open_alerts_and_no_acknowledged_one(cast, late_morning):
    for minute in range(52):
        raise_alert(
            patient=f.PatientFactory(),
            session=None,
            kind=AlertKind.PHQ9_ITEM9,
            message=f"Alert at minute {minute:02d}.",
            by=None,
            at=at(MONDAY, 9) + dt.timedelta(minutes=minute),
        )
    seen = raise_alert(patient=f.PatientFactory(), session=None, kind=AlertKind.SPO2, message="Seen.", by=None)
    alert_acknowledge(alert=seen, by=cast.prescriber, action="Oxygen given")
    response = client_for(cast.staff).get("/monitor/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Alert at minute") == 50 and "minute 51" in page and "minute 02" in page
    assert "minute 01" not in page and "minute 00" not in page and "Seen." not in page
