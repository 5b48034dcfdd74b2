"""A routine 56 mg esketamine session from the board to the signed discharge on a tablet, counting what the
nurse does: taps (clicks and ticks), page loads, and whether the next form is on screen after each save
(no scrolling to find it). Typed values are not taps. The observation clock is moved by shifting the
recorded times into the past (the live server runs on the real clock); the reload that shows the shifted
clock stands for the page's own 30-second refresh and is not counted."""

from __future__ import annotations

import pytest

from sessions.models import SessionStatus, TreatmentSession
from tests import factories as f
from tests.factories_monitoring import DrugLotFactory

from .conftest import login, shot
from .test_monitoring_journey import shift_back

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TABLET = {"width": 768, "height": 1024}


class Counter:
    def __init__(self, page):
        self.page, self.taps, self.loads, self.scrolls = page, 0, 0, []
        page.on("load", lambda _: setattr(self, "loads", self.loads + 1))

    def tap(self, selector_or_locator):
        loc = self.page.locator(selector_or_locator) if isinstance(selector_or_locator, str) else selector_or_locator
        self.taps += 1
        loc.click()
        self.page.wait_for_load_state("load")

    def tick(self, selector):
        if not self.page.is_checked(selector):
            self.tap(selector)

    def on_screen(self, selector, step):
        """The next control is in the viewport without scrolling (after the page's own jump to its card)."""
        box = self.page.locator(selector).first.bounding_box()
        scroll_y = self.page.evaluate("window.scrollY")
        top = box["y"] if box else -1
        if not (box and 0 <= top and top + box["height"] <= TABLET["height"]):
            self.scrolls.append(f"{step}: {selector} at {top + scroll_y:.0f} (scrolled {scroll_y:.0f})")


def test_a_routine_56_mg_session_takes_at_most_20_taps_and_10_page_loads(page, cast):
    f.clinic_settings(phone="+1 555 0100 200", address="100 Example Avenue\nSpringfield", rems_setting_id="SET-1")
    session = f.TreatmentSessionFactory(course=f.CourseFactory(patient=cast.patient_a), number=3, planned_dose_mg=56)
    f.RideFactory(session=session, status="confirmed")
    DrugLotFactory(lot_number="LOT-ROUTINE-1")  # the one lot in stock is preselected
    page.set_viewport_size(TABLET)
    page.emulate_media(reduced_motion="reduce")  # the jump to the next card is instant (no smooth scroll)
    login(page, cast.staff.username)
    page.goto("/today/")
    count = Counter(page)

    count.tap(page.locator(f'a[href="{session.get_absolute_url()}"]').first)
    count.on_screen("#id_identity_confirmed", "check-in")
    for box in ("identity_confirmed", "no_food_2h", "no_drink_30min", "nasal_spray_ok", "contraindications_unchanged"):
        count.tick(f"#id_{box}")
    count.tick("#id_rems_enrolled")  # shown as confirmed when the record says enrolled
    count.tap(page.get_by_role("button", name="Check in"))
    count.on_screen("#id_vitals_systolic", "pre-dose")
    page.fill("#id_vitals_systolic", "132")
    page.fill("#id_vitals_diastolic", "84")
    count.tap(page.get_by_role("button", name="Record and start dosing"))
    assert "Dosing" in page.locator("#session-status").inner_text()
    for n in (1, 2):
        count.on_screen("#dosing-card button[type=submit], #dosing-card input[type=submit]", f"device {n}")
        count.tap(page.get_by_role("button", name="Record device"))
    count.tap(page.get_by_role("button", name="Dosing complete — observe"))
    assert "Observing" in page.locator("#session-status").inner_text()

    for minutes, bp in ((45, ("150", "90")), (80, ("134", "84"))):
        shift_back(session, minutes)
        page.reload()  # the page's own refresh: not counted
        count.loads -= 1
        count.on_screen("#id_round_systolic", f"round after {minutes} min")
        page.fill("#id_round_systolic", bp[0])
        page.fill("#id_round_diastolic", bp[1])
        count.tap("#id_round_moaas_0")
        count.tap(page.get_by_role("button", name="Record the check round"))
    count.on_screen("text=Ride is here", "ride")
    count.tap(page.get_by_role("button", name="Ride is here"))
    count.on_screen("#id_discharge_clinician_ready", "discharge")
    count.tap("#id_discharge_clinician_ready")
    page.fill("#id_discharge_ready_without_rule_minutes", "70")
    count.tap(page.get_by_role("button", name="Discharge and sign"))
    shot(page, "chairside-routine-discharged")

    s = TreatmentSession.objects.get(pk=session.pk)
    assert s.status == SessionStatus.DISCHARGED and s.is_signed, page.locator("main").inner_text()[:2000]
    print(f"taps={count.taps} page loads={count.loads} scrolls={count.scrolls}")
    assert count.taps <= 20, count.taps
    assert count.loads <= 10, count.loads
    assert not count.scrolls, count.scrolls
