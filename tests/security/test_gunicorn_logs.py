"""gunicorn listens on loopback by default, and its access log masks calendar-feed tokens."""

from __future__ import annotations

import logging
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from clinic.logmask import MaskFeedTokens, mask

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cr3t-Feed-Token_abc"


def test_gunicorn_binds_loopback_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["bind"] == ["127.0.0.1:8000"]


def test_a_feed_token_is_masked_in_a_log_line_and_other_paths_are_untouched():
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, "%(r)s", ({"r": f"GET /calendar/feed/{TOKEN}.ics HTTP/1.1"},), None
    )
    MaskFeedTokens().filter(record)
    assert TOKEN not in record.getMessage() and "/calendar/feed/[token].ics" in record.getMessage()
    assert mask("GET /patients/12/ HTTP/1.1") == "GET /patients/12/ HTTP/1.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_real_access_log_of_gunicorn_never_holds_a_feed_token(tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": str(log),
        "GUNICORN_WORKERS": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_DEBUG": "1",
    }
    server = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "gunicorn", "clinic.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/calendar/feed/{TOKEN}.ics", timeout=5)  # noqa: S310
            except urllib.error.HTTPError:
                pass
            except OSError:
                time.sleep(0.2)
                continue
            break
        for _ in range(50):
            if log.exists() and "calendar/feed" in log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = log.read_text()
    assert "/calendar/feed/[token].ics" in text
    assert TOKEN not in text
