"""axe-core (npm, pinned in package-lock.json) in Chromium on every page each role can open, at the
width of that role's device: admin on a desktop (1366), nurse and prescriber on a tablet (820), a
patient on a phone (390), the login pages on a phone. The pages come from the access tables
(every URL name a role gets a 200 from), so a new page is checked as soon as it is listed there;
sessions in every live state are added so that the chairside forms are all seen.

A serious or critical finding fails the test. No page may scroll sideways, and admin pages are
also tried at 1024 px. On the session page in each state every tappable control is at least
44 × 44 px.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from clinic.models import ClinicSettings
from sessions.models import TreatmentSession
from tests import access_tables

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEVICES = {
    "admin": {"width": 1366, "height": 768},
    "staff": {"width": 820, "height": 1180},
    "prescriber": {"width": 820, "height": 1180},
    "patient_a": {"width": 390, "height": 844},
    "patient_demo": {"width": 390, "height": 844},
    "anon": {"width": 390, "height": 844},
}
BLOCKING = {"serious", "critical"}


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` in the repository root (./dev test does it).")
    return AXE.read_text()


PASSWORD = "demo-a11y-pass"
# Who logs in for each pass: the clinic's people from the demo (rich pages), patient A of the
# access tables (every portal page with its own objects), and the demo patient (a full portal).
LOGINS = {
    "anon": None,
    "patient_a": ("cast", "correct-horse-battery"),
    "patient_demo": ("patient", PASSWORD),
    "staff": ("nurse", PASSWORD),
    "prescriber": ("prescriber", PASSWORD),
    "admin": ("admin", PASSWORD),
}


@pytest.fixture
def world(cast):
    """The access tables' objects (for every URL's arguments), then the demo clinic on top: today's
    sessions in every state, histories with readings, billing, REMS forms."""
    w = SimpleNamespace(
        patient_a=cast.patient_a,
        patient_b=cast.patient_b,
        staff=cast.staff,
        prescriber=cast.prescriber,
        admin=cast.admin,
        patient_a_username=cast.patient_a.user.username,
    )
    for build in access_tables.builders():
        build(w)
    call_command("seed_demo", password=PASSWORD, stdout=io.StringIO())
    cs = ClinicSettings.load()
    w.today = list(TreatmentSession.objects.on_day(timezone.localdate(timezone=cs.tz), cs.tz).order_by("planned_start"))
    w.by_status = {}
    for s in w.today:
        w.by_status.setdefault(s.status, s)
    return w


def _pages(world, role: str) -> list[str]:
    urls = []
    table_role = "patient_a" if role == "patient_demo" else role
    for name, case in sorted(access_tables.table().items()):
        if case.expect[table_role] != 200:
            continue
        if role == "patient_demo" and case.expect["patient_b"] != 200:
            continue  # patient A's own objects: seen in the patient_a pass
        urls.append(reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else ""))
    if role in ("staff", "prescriber", "admin"):
        urls += [reverse("session_detail", args=[s.pk]) for s in world.today]
    return urls


def _audit(page, source: str, url: str) -> tuple[list[str], bool]:
    """(serious or critical findings, whether the page was a full HTML page)."""
    probe = page.request.get(url, max_redirects=0)
    assert probe.status < 400, f"{url}: HTTP {probe.status}"
    if "text/html" not in (probe.headers.get("content-type") or "") or "<main" not in probe.text():
        return [], False  # a download, a redirect or an htmx fragment (checked inside its page)
    response = page.goto(url)
    assert response is not None and response.ok, f"{url}: HTTP {response and response.status}"
    page.add_script_tag(content=source)
    result = page.evaluate("async () => JSON.parse(JSON.stringify(await axe.run(document)))")
    found = []
    for v in result["violations"]:
        if v["impact"] in BLOCKING:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
            found.append(f"{url} [{v['impact']}] {v['id']}: {v['help']} — {targets}")
    return found, True


def _sideways(page, url: str) -> str | None:
    wide = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return f"{url} scrolls sideways by {wide} px" if wide > 1 else None


def test_every_page_each_role_can_open_has_no_serious_accessibility_finding(chromium, live_server, world):
    source = _axe_source()
    findings = []
    for role in LOGINS:
        findings += _audit_role(chromium, live_server, world, source, role)
    assert not findings, f"{len(findings)} findings:\n" + "\n".join(findings)


def _audit_role(chromium, live_server, world, source: str, role: str) -> list[str]:
    context = chromium.new_context(viewport=DEVICES[role], base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        if LOGINS[role]:
            username, password = LOGINS[role]
            login(page, world.patient_a_username if username == "cast" else username, password)
        findings, checked, skipped = [], [], []
        for url in _pages(world, role):
            found, full = _audit(page, source, url)
            (checked if full else skipped).append(url)
            findings += found
            if full:
                wide = _sideways(page, url)
                if wide:
                    findings.append(wide)
                if role == "admin":
                    page.set_viewport_size({"width": 1024, "height": 768})
                    page.wait_for_timeout(400)  # charts redraw for the new width
                    wide = _sideways(page, url)
                    if wide:
                        findings.append(wide + " at 1024 px")
                    page.set_viewport_size(DEVICES[role])
        print(f"{role}: axe ran on {len(checked)} pages; {len(skipped)} fragments or downloads skipped")
        assert len(checked) >= 5, checked
        return findings
    finally:
        context.close()


CHAIRSIDE_TARGETS = "main input:not([type=hidden]), main select, main textarea, main button, main .btn, main summary"


@pytest.mark.parametrize("state", ["scheduled", "checked_in", "dosing", "observing"])
def test_every_control_on_the_session_page_is_a_44_pixel_touch_target(chromium, live_server, world, state):
    context = chromium.new_context(viewport=DEVICES["staff"], base_url=live_server.url)
    page = context.new_page()
    try:
        login(page, "prescriber", PASSWORD)
        session = world.by_status.get(state) or TreatmentSession.objects.filter(status=state).first()
        page.goto(reverse("session_detail", args=[session.pk]))
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        small = page.evaluate(
            """(sel) => {
              const out = [];
              document.querySelectorAll(sel).forEach(el => {
                const r = el.getBoundingClientRect();
                if (!r.width || !r.height) return;  // not shown
                let box = {l: r.left, t: r.top, r: r.right, b: r.bottom};
                if ((el.type === 'checkbox' || el.type === 'radio') && el.id) {
                  const label = document.querySelector(`label[for="${el.id}"]`);
                  const wrap = el.closest('.form-check') || label;
                  if (wrap) {
                    const q = wrap.getBoundingClientRect();
                    box = {l: Math.min(box.l, q.left), t: Math.min(box.t, q.top), r: Math.max(box.r, q.right), b: Math.max(box.b, q.bottom)};
                  }
                }
                const w = box.r - box.l, h = box.b - box.t;
                if (w < 44 - 0.5 || h < 44 - 0.5) out.push(`${el.tagName.toLowerCase()}#${el.id || el.name || el.textContent.trim().slice(0, 30)} ${Math.round(w)}x${Math.round(h)}`);
              });
              return out;
            }""",
            CHAIRSIDE_TARGETS,
        )
        shot(page, f"a11y-session-{state}")
        assert not small, f"{state}: targets smaller than 44 x 44 px: " + json.dumps(small)
    finally:
        context.close()
