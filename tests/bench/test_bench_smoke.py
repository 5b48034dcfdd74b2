"""``manage.py bench --small`` runs end to end and prints one JSON object with every figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_bench_command_measures_every_page_on_two_throwaway_databases(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env["PYTHONUNBUFFERED"] = "1"
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # Its own databases next to the test database, never the test database itself.
        env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[0] + "/bench_smoke"
    dev_db = Path(settings.BASE_DIR) / "db.sqlite3"
    before = dev_db.stat().st_mtime if dev_db.exists() else None
    result = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "bench", "--small", "--rounds", "2", "--json", "--dir", str(tmp_path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["debug"] is False
    assert set(report["data_sets"]) == {"3k", "600"}
    assert report["data_sets"]["3k"]["rows"]["treatment_treatmentsession"] >= 3000
    for key in ("board", "week", "portal", "record", "day", "patient", "plan"):
        entry = report["pages"][key]
        assert entry["3k"]["n"] == 2 and entry["3k"]["errors"] == 0, entry
        assert "scale_ratio" in entry
    for key in ("board", "week", "portal", "record", "day", "patient"):
        assert report["pages"][key]["rows"]["same"], report["pages"][key]["rows"]
    assert report["pages"]["plan"]["rows"]["bounded"]
    day = report["pages"]["day"]["rows"]
    assert day["chairs"] == [4, 20] and day["chairs_same"], day
    # Every write path answered each round with a redirect and wrote what it should, on both sets,
    # and the rounds' own targets are gone again.
    for key in ("vitals", "device", "discharge", "book", "course"):
        entry = report["pages"][key]
        for label in ("3k", "600"):
            assert entry[label]["n"] == 2 and entry[label]["errors"] == 0, entry
            assert entry[label]["queries"] > 0, entry
    assert not [note for note in report["notes"] if note.startswith("ERROR")], report["notes"]
    # The throw-away databases are gone and the development database was not touched.
    assert not list(tmp_path.glob("*.sqlite3"))
    assert (dev_db.stat().st_mtime if dev_db.exists() else None) == before
