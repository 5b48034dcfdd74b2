"""The treatment app migrates to zero and back, in a throw-away database of the suite's engine.

Each round trip runs in its own process against its own database (``migrate``; ``migrate treatment zero``;
``migrate``), so the test database of the suite is never touched. The SQLite round trip runs in the SQLite
pass, the PostgreSQL one (with the data-safety triggers) in the PostgreSQL pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection

ROUND_TRIP = r"""
import json
import django

django.setup()
from django.core.management import call_command
from django.db import connection

from sessions.datasafety import guard_triggers


def snapshot():
    with connection.cursor() as cursor:
        tables = sorted(t for t in connection.introspection.table_names(cursor) if t.startswith("treatment_"))
        protocols = []
        if "treatment_protocol" in tables:
            cursor.execute("SELECT slug FROM treatment_protocol ORDER BY slug")
            protocols = [row[0] for row in cursor.fetchall()]
    triggers = sorted(f"{table}.{name}" for table, names in guard_triggers(connection).items() for name in names)
    return {"tables": tables, "protocols": protocols, "triggers": triggers}


steps = {}
for label, args in (("up", ["migrate"]), ("zero", ["migrate", "treatment", "zero"]), ("again", ["migrate"])):
    call_command(*args, verbosity=0, interactive=False)
    steps[label] = snapshot()
print(json.dumps(steps))
"""


def round_trip(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "clinic.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", ROUND_TRIP],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_round_trip(steps: dict) -> None:
    up, zero, again = steps["up"], steps["zero"], steps["again"]
    assert "treatment_treatmentsession" in up["tables"] and len(up["tables"]) > 30
    assert up["protocols"] == ["esketamine-mdsi", "esketamine-trd", "iv-ketamine"]
    assert zero["tables"] == [], "migrate treatment zero left tables behind"
    assert zero["triggers"] == [], "migrate treatment zero left data-safety triggers behind"
    assert again == up


def test_treatment_migrates_to_zero_and_back_on_sqlite(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip runs in the SQLite pass")
    steps = round_trip(f"sqlite:///{tmp_path / 'round_trip.sqlite3'}")
    assert_round_trip(steps)
    assert steps["up"]["triggers"] == []  # the data-safety migrations do nothing on SQLite


@pytest.mark.postgres
def test_treatment_migrates_to_zero_and_back_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")
    import psycopg
    from psycopg import sql

    params = connection.settings_dict
    server = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }
    name = f"clinic_migrations_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        credentials = server["user"] + (f":{server['password']}" if server["password"] else "")
        steps = round_trip(f"postgres://{credentials}@{server['host']}:{server['port']}/{name}")
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    assert_round_trip(steps)
    assert any(t.endswith("_signed_row") for t in steps["up"]["triggers"])
    assert len(steps["up"]["triggers"]) > 50
