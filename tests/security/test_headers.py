"""Headers on every response: CSP without unsafe-inline, frame-ancestors 'none', nosniff,
Referrer-Policy, no-store on every page; HSTS, secure cookies and the HTTPS redirect in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.access_tables import ROLES
from tests.conftest import client_for
from tests.test_access_matrix import TABLE

ROOT = Path(__file__).resolve().parents[2]


def _check_common(response, url: str) -> list[str]:
    problems = []
    csp = response.get("Content-Security-Policy", "")
    if not csp:
        problems.append(f"{url}: no Content-Security-Policy")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"{url}: CSP allows unsafe-inline/eval: {csp}")
    if "frame-ancestors 'none'" not in csp:
        problems.append(f"{url}: CSP lacks frame-ancestors 'none'")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{url}: no nosniff")
    if not response.get("Referrer-Policy"):
        problems.append(f"{url}: no Referrer-Policy")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"{url}: X-Frame-Options is {response.get('X-Frame-Options')!r}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_page_carries_the_security_headers_and_no_store(cast, role):
    from types import SimpleNamespace

    from tests.test_access_matrix import BUILDERS

    world = SimpleNamespace(
        patient_a=cast.patient_a,
        patient_b=cast.patient_b,
        staff=cast.staff,
        prescriber=cast.prescriber,
        admin=cast.admin,
    )
    for build in BUILDERS:
        build(world)
    client = client_for(None if role == "anon" else cast.users[role])
    problems = []
    for name, case in sorted(TABLE.items()):
        url = reverse(name, kwargs=case.kwargs(world)) + (f"?{case.query}" if case.query else "")
        response = client.get(url)
        problems += _check_common(response, url)
        if "no-store" not in response.get("Cache-Control", ""):
            problems.append(f"{url}: Cache-Control is {response.get('Cache-Control')!r}")
    assert not problems, "\n".join(problems)


def test_error_pages_carry_the_headers_too(staff_client):
    response = staff_client.get("/no-such-page/")
    assert response.status_code == 404
    assert not _check_common(response, "/no-such-page/")
    assert "no-store" in response["Cache-Control"]


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert "no-store" not in response.get("Cache-Control", "")


def test_the_csp_allows_scripts_only_from_the_site_or_with_a_nonce(staff_client):
    csp = staff_client.get("/patients/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert set(directives["script-src"].split()) - {"'self'"} <= {
        s for s in directives["script-src"].split() if s.startswith("'nonce-")
    }
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "data:" in directives["img-src"]


PRODUCTION_PROBE = r"""
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
call_command("migrate", verbosity=0)
from clinic.models import User
user = User.objects.create_user("probe", password="correct-horse-battery", role="patient")
plain = Client(HTTP_HOST="clinic.example.org")
redirect = plain.get("/accounts/login/")
client = Client(HTTP_HOST="clinic.example.org")
page = client.get("/accounts/login/", secure=True)
login = client.post("/accounts/login/", {"username": "probe", "password": "correct-horse-battery"}, secure=True)
cookies = {name: {"secure": bool(c["secure"]), "httponly": bool(c["httponly"]), "samesite": c["samesite"]}
           for name, c in client.cookies.items()}
print(json.dumps({
    "redirect_status": redirect.status_code,
    "redirect_to": redirect.get("Location", ""),
    "hsts": page.get("Strict-Transport-Security", ""),
    "csp": page.get("Content-Security-Policy", ""),
    "cache": page.get("Cache-Control", ""),
    "nosniff": page.get("X-Content-Type-Options", ""),
    "referrer": page.get("Referrer-Policy", ""),
    "login_status": login.status_code,
    "cookies": cookies,
    "require_2fa": settings.REQUIRE_2FA,
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    db = tmp_path_factory.mktemp("prod") / "probe.sqlite3"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 64,
        "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
        "DJANGO_TESTING": "1",
        "SQLITE_PATH": str(db),
        "DATABASE_URL": "",
        "REQUIRE_2FA": "",
    }
    out = subprocess.run(  # noqa: S603 - our own probe script
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_to_https(production):
    assert production["redirect_status"] == 301
    assert production["redirect_to"].startswith("https://clinic.example.org/")


def test_production_sends_hsts_for_a_year_with_subdomains(production):
    assert "max-age=31536000" in production["hsts"]
    assert "includeSubDomains" in production["hsts"]


def test_production_keeps_csp_nosniff_referrer_and_no_store(production):
    assert "frame-ancestors 'none'" in production["csp"] and "unsafe-inline" not in production["csp"]
    assert production["nosniff"] == "nosniff"
    assert production["referrer"]
    assert "no-store" in production["cache"]


def test_production_cookies_are_secure_httponly_and_samesite(production):
    assert production["login_status"] == 302
    for name in ("sessionid", "csrftoken"):
        cookie = production["cookies"][name]
        assert cookie == {"secure": True, "httponly": True, "samesite": "Lax"}, (name, cookie)


def test_production_requires_two_factor_by_default(production):
    assert production["require_2fa"] is True
