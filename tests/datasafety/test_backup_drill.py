"""The backup drill restores the database into a fresh one with identical rows, checksums and triggers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.postgres]


def test_a_dump_restored_into_a_fresh_database_matches_table_by_table(postgres_only):
    name = connection.settings_dict["NAME"]
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, "scripts/backup_drill.py", name, "--port", str(connection.settings_dict["PORT"] or 5432)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["ok"] and report["tables"] > 50 and report["triggers"] > 50
