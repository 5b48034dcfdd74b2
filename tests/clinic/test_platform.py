"""Health check, error pages, production settings, the demo clinic, admin forms."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse

from clinic.models import ClinicSettings, OpeningHours, Patient, User

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7Qm2pL9vR4tY8wZ1aB3cD5eF6gH0jK2lM4nP6qS8uV0wX2yZ4aC6eG8iK0mO2qS",
    "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
    "DJANGO_TESTING": "0",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "up"


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch("clinic.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_an_unknown_page_shows_the_apps_own_404(staff_client):
    response = staff_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_server_error_shows_a_plain_page_without_a_stack_trace(settings, cast):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(cast.staff)
    with mock.patch("clinic.views.Patient.objects", side_effect=RuntimeError("boom")) as broken:
        broken.all.side_effect = RuntimeError("secret detail")
        response = client.get(reverse("patient_list"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in body and "Traceback" not in body and "secret detail" not in body


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="clinic.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=PRODUCTION["DJANGO_SECRET_KEY"])
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_the_deployment_check_finds_nothing_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_seed_demo_creates_the_documented_logins_with_the_demo_password(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    for username in ("admin", "nurse", "prescriber", "patient", "patient2"):
        assert User.objects.get(username=username).check_password("demo")
    assert User.objects.get(username="prescriber").is_prescriber
    assert Patient.objects.count() >= 12


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    before = (User.objects.count(), Patient.objects.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (User.objects.count(), Patient.objects.count()) == before


def test_seed_demo_refuses_to_run_in_production_mode(settings):
    settings.PRODUCTION_MODE = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not User.objects.filter(username="admin").exists()


def test_the_settings_form_refuses_a_discharge_limit_below_the_pre_dose_limit(admin_client_):
    data = {f.name: getattr(ClinicSettings.load(), f.name) for f in ClinicSettings._meta.fields if f.name != "id"}
    data = {k: v for k, v in data.items() if v is not None}
    data["discharge_systolic_max"] = 120
    response = admin_client_.post(reverse("clinic_settings"), data)
    assert "cannot be below the pre-dose limit" in response.content.decode()
    assert ClinicSettings.load().discharge_systolic_max != 120


def test_the_settings_page_says_where_each_default_comes_from(admin_client_):
    page = admin_client_.get(reverse("clinic_settings")).content.decode()
    assert "SPRAVATO REMS: at least 2 hours" in page


def test_opening_hours_must_open_before_they_close(admin_client_):
    data = {"form-TOTAL_FORMS": "7", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "7"}
    for day in range(7):
        data[f"form-{day}-weekday"] = str(day)
        data[f"form-{day}-opens"] = "18:00" if day == 0 else ""
        data[f"form-{day}-closes"] = "08:00" if day == 0 else ""
        if day:
            data[f"form-{day}-closed"] = "on"
    response = admin_client_.post(reverse("opening_hours"), data)
    assert "Opening time must be before closing time" in response.content.decode()
    assert not OpeningHours.objects.exists()


def test_an_admin_adds_a_staff_member_with_a_unique_username(admin_client_, cast):
    data = {
        "username": cast.staff.username.upper(),
        "first_name": "A",
        "last_name": "B",
        "email": "ab@example.org",
        "role": "staff",
        "is_active": "on",
    }
    response = admin_client_.post(reverse("staff_create"), data)
    assert "username is taken" in response.content.decode()
    assert not User.objects.filter(email="ab@example.org").exists()
