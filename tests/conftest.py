"""Shared fixtures: the cast of users (anonymous, two patients, staff, prescriber, admin).

With ``REQUIRE_POSTGRES=1`` (the PostgreSQL pass of .ci/run) the run must be on PostgreSQL, and a test
marked ``postgres`` that skips fails instead, so the PostgreSQL-only guarantees are never skipped silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client

from . import factories as f


@dataclass
class Cast:
    patient_a: object
    patient_b: object
    staff: object
    prescriber: object
    admin: object

    @property
    def users(self) -> dict:
        return {
            "patient_a": self.patient_a.user,
            "patient_b": self.patient_b.user,
            "staff": self.staff,
            "prescriber": self.prescriber,
            "admin": self.admin,
        }


@pytest.fixture
def cast(db) -> Cast:
    return Cast(
        patient_a=f.PortalPatientFactory(first_name="Ada", last_name="Alpha"),
        patient_b=f.PortalPatientFactory(first_name="Ben", last_name="Beta"),
        staff=f.StaffFactory(username="nurse_t"),
        prescriber=f.PrescriberFactory(username="prescriber_t"),
        admin=f.AdminFactory(username="admin_t"),
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def staff_client(cast) -> Client:
    return client_for(cast.staff)


@pytest.fixture
def prescriber_client(cast) -> Client:
    return client_for(cast.prescriber)


@pytest.fixture
def admin_client_(cast) -> Client:
    return client_for(cast.admin)


@pytest.fixture
def patient_a_client(cast) -> Client:
    return client_for(cast.patient_a.user)


@pytest.fixture
def patient_b_client(cast) -> Client:
    return client_for(cast.patient_b.user)


# ---- REQUIRE_POSTGRES=1: the PostgreSQL tests must run ---------------------------------------------


def _postgres_required() -> bool:
    return os.environ.get("REQUIRE_POSTGRES") == "1"


def pytest_sessionstart(session):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if _postgres_required() and not engine.endswith("postgresql"):
        pytest.exit(f"REQUIRE_POSTGRES=1 but the tests would run on {engine}: set DATABASE_URL=postgres://…", 1)


def fail_if_postgres_test_skipped(report, *, marked_postgres: bool, required: bool) -> None:
    """Turn the skip of a ``postgres``-marked test into a failure when PostgreSQL is required."""
    if not (required and marked_postgres and report.skipped):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"REQUIRE_POSTGRES=1: this PostgreSQL test must run, but it skipped: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    fail_if_postgres_test_skipped(
        outcome.get_result(),
        marked_postgres=item.get_closest_marker("postgres") is not None,
        required=_postgres_required(),
    )


# ---- PostgreSQL: the guarded tables refuse TRUNCATE, and Django's flush (transactional tests) truncates ---


@pytest.fixture(scope="session", autouse=True)
def _flush_is_deliberate_maintenance():
    """Between transactional tests (live_server) Django empties the database with TRUNCATE: a deliberate
    reset by the owner of the test database, so it runs with the maintenance switch on (migration 0012)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return original(self, ["SET LOCAL clinic.maintenance = 'on'", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original
