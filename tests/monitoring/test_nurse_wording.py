"""What the session page and the board cards say, in the words a nurse reads at the chair: each part of
a rule named with its state in words (not colour only), thresholds said the way a nurse says them."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from sessions.models import Scale
from sessions.monitoring import discharge
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
