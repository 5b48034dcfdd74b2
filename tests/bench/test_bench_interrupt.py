"""A stopped benchmark (SIGTERM, as from a CI time-out, or Ctrl-C) drops its throw-away databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings


def test_a_benchmark_stopped_while_measuring_leaves_no_database_behind(tmp_path: Path):
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("the SQLite files show the clean-up; PostgreSQL drops its databases the same way")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "bench", "--small", "--rounds", "500", "--dir", str(tmp_path)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("Measuring"):
                break
        assert list(tmp_path.glob("*.sqlite3")), "the databases exist while measuring"
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not list(tmp_path.glob("*.sqlite3*"))
