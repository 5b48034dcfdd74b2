"""What the session page and the board cards say, in the words a nurse reads at the chair: each part of
a rule named with its state in words (not colour only), thresholds said the way a nurse says them."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import Scale
from sessions.monitoring import discharge, timeline
from sessions.monitoring import services as m
from sessions.monitoring.selectors import live_sessions
from tests import factories as f
from tests.factories_monitoring import CHECKLIST, dosed, esketamine_session

pytestmark = pytest.mark.django_db


def text(page: str) -> str:
    """The page as a reader hears it: tags and hidden symbols dropped, whitespace collapsed."""
    page = re.sub(r'<[^>]*aria-hidden="true"[^>]*>[^<]*</[^>]+>', "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_check_in_summary_names_food_and_drink_each_with_its_state(staff_client, cast):
    s = esketamine_session()
    m.session_check_in(session=s, by=cast.staff, checklist={**CHECKLIST, "no_drink_30min": False})
    m.session_defer(session=s, by=cast.staff, reason="Drank coffee 10 minutes ago")
    r = staff_client.get(reverse("session_detail", args=[s.pk]))
    assert r.status_code == 200
    page = text(r.content.decode())
    assert "Food: nothing for 2 h — confirmed" in page
    assert "Drink: nothing for 30 min — NOT confirmed" in page
    assert "fasting ok" not in page


def observing_with(nurse, *, cadss_items: list[int], moaas: int = 5):
    s = dosed(esketamine_session(), nurse)
    m.assessment_record(session=s, by=nurse, scale=Scale.MOAAS, score=moaas)
    m.assessment_record(session=s, by=nurse, scale=Scale.CADSS6, items=cadss_items)
    return s


def test_the_discharge_gate_says_cadss_back_to_0_and_moaas_5_alert_as_a_nurse_says_them(staff_client, cast):
    s = observing_with(cast.staff, cadss_items=[1, 0, 0, 0, 0, 0])
    r = staff_client.get(reverse("session_detail", args=[s.pk]))
    assert r.status_code == 200
    page = text(r.content.decode())
    assert "Dissociation resolved: CADSS back to 0 (no dissociation) — CADSS 1 at" in page
    assert "Sedation resolved: MOAA/S 5 (alert, responds readily to name) — MOAA/S 5 at" in page
    assert "or less" not in page


def test_a_clinic_counting_cadss_2_as_resolved_reads_2_or_below_and_the_rule_is_unchanged(cast):
    cs = f.clinic_settings(cadss_resolved_max=2)
    at_limit = observing_with(cast.staff, cadss_items=[1, 1, 0, 0, 0, 0])
    above = observing_with(cast.staff, cadss_items=[1, 1, 1, 0, 0, 0])
    met = {}
    for s in (at_limit, above):
        crit = {c.key: c for c in discharge.discharge_criteria(live_sessions().get(pk=s.pk), cs=cs)}
        assert crit["dissociation"].label == "Dissociation resolved: CADSS 2 or below (clinic setting)"
        met[s] = crit["dissociation"].met
    assert met == {at_limit: True, above: False}


T0 = dt.datetime(2026, 11, 16, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York


def hm(minutes: int) -> str:
    return timezone.localtime(T0 + dt.timedelta(minutes=minutes)).strftime("%H:%M")


@pytest.fixture
def bp_after_the_discharge_check(cast):
    """Dosed at T0; BP at 40 min (the peak check), at 95 (in the before-discharge window, which opens
    30 min before the earliest discharge at 120) and again at 110; the clock at 112."""
    with time_machine.travel(T0, tick=False) as clock:
        s = dosed(esketamine_session(planned_start=T0), cast.staff, start=T0, clock=clock)
        for minute, (systolic, diastolic) in ((40, (150, 92)), (95, (138, 86)), (110, (128, 80))):
            clock.move_to(T0 + dt.timedelta(minutes=minute))
            m.vitals_record(session=s, by=cast.staff, systolic=systolic, diastolic=diastolic, heart_rate=70, spo2=98)
        clock.move_to(T0 + dt.timedelta(minutes=112))
        yield s


def test_a_bp_after_the_discharge_check_is_labelled_so_on_the_board_and_marked_as_the_one_discharge_uses(
    staff_client, bp_after_the_discharge_check
):
    r = staff_client.get(reverse("monitor_board"))
    assert r.status_code == 200
    page = text(r.content.decode())
    assert f"{hm(40)} 40 min 150/92" in page
    assert f"{hm(95)} discharge check 138/86" in page
    assert f"{hm(110)} after the discharge check 128/80 latest · used for discharge" in page
    assert " extra " not in page
    assert page.count("used for discharge") == 1


def test_the_session_page_lists_each_bp_with_the_same_labels_and_the_gate_names_the_reading_it_uses(
    staff_client, bp_after_the_discharge_check
):
    s = bp_after_the_discharge_check
    for name in ("session_detail", "session_live"):
        r = staff_client.get(reverse(name, args=[s.pk]))
        assert r.status_code == 200
        page = text(r.content.decode())
        assert f"{hm(95)} discharge check 138/86" in page
        assert f"{hm(110)} after the discharge check 128/80 latest · used for discharge" in page
        assert f"— latest reading 128/80 at {hm(110)}" in page


def test_the_labels_change_no_rule_the_before_discharge_check_keeps_its_reading_and_the_gate_the_latest(
    bp_after_the_discharge_check,
):
    s = live_sessions().get(pk=bp_after_the_discharge_check.pk)
    cs = ClinicSettings.load()
    checks = {c.key: c for c in timeline.due_checks(s, cs) if c.kind == "bp"}
    assert checks["bp@discharge"].done_at == T0 + dt.timedelta(minutes=95)
    crit = {c.key: c for c in discharge.discharge_criteria(s, cs=cs)}
    assert crit["bp"].met and "128/80" in crit["bp"].detail
