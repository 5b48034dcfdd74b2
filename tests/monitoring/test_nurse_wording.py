"""What the session page and the board cards say, in the words a nurse reads at the chair: each part of
a rule named with its state in words (not colour only), thresholds said the way a nurse says them."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from sessions.monitoring import services as m
from tests.factories_monitoring import CHECKLIST, esketamine_session

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
