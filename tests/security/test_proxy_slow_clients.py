"""deploy/nginx.conf on loopback in front of gunicorn: slow clients do not take the sync workers offline.

The control: with one sync gunicorn worker, one client trickling its header lines holds the worker and
/healthz stops answering. Through nginx (the shipped configuration, with only ports, certificate and log
paths changed) /healthz keeps answering while four such clients run, they are cut off by the header
timeout, an oversized body is refused, and the client address reaches gunicorn in X-Forwarded-For.
Needs Debian's nginx (`./dev test` installs it when root); REQUIRE_NGINX=1 (CI) turns a skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SLOW_CLIENTS = 4


@pytest.fixture(scope="module")
def nginx_binary():
    if NGINX is None:
        if os.environ.get("REQUIRE_NGINX") == "1":
            pytest.fail("REQUIRE_NGINX=1 but nginx is not installed (apt-get install nginx)")
        pytest.skip("needs Debian's nginx (apt-get install nginx)")
    return NGINX


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, context=None) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2, context=context)  # noqa: S310 - loopback test server
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def render_site(tmp: Path, *, https_port: int, http_port: int, app_port: int) -> str:
    """The shipped site file, with only what a loopback run must change."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "/etc/letsencrypt/live/clinic.example.org/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/clinic.example.org/privkey.pem": str(tmp / "key.pem"),
        "/var/log/nginx/": f"{tmp}/",
    }
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx.conf no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return "\n".join(line for line in text.splitlines() if "listen [::]" not in line)


@pytest.fixture(scope="module")
def stack(nginx_binary, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proxy")
    os.chmod(tmp, 0o755)  # noqa: S103 - nginx workers read their temp paths
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            shutil.which("openssl") or "/usr/bin/openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(tmp / "key.pem"),
            "-out",
            str(tmp / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    (tmp / "site.conf").write_text(render_site(tmp, https_port=https_port, http_port=http_port, app_port=app_port))
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp_paths = "".join(
        f"{kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {tmp}/nginx.pid;\nerror_log {tmp}/nginx-error.log;\n"
        f"events {{ worker_connections 256; }}\nhttp {{\n{temp_paths}include {tmp}/site.conf;\n}}\n"
    )
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_ACCESS_LOG": str(tmp / "gunicorn-access.log"),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "DJANGO_DEBUG": "1",
    }
    gunicorn = subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "gunicorn", "clinic.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    nginx = subprocess.Popen(  # noqa: S603 - fixed arguments
        [nginx_binary, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        wait_for(f"https://127.0.0.1:{https_port}/healthz", insecure)
        yield {"tmp": tmp, "app": app_port, "https": https_port, "tls": insecure}
    finally:
        nginx.terminate()
        gunicorn.terminate()
        nginx.wait(timeout=30)
        gunicorn.wait(timeout=30)


class SlowClient(threading.Thread):
    """Sends one header line a second and never finishes the request; records how it ended."""

    def __init__(self, port: int, tls: ssl.SSLContext | None, seconds: float):
        super().__init__(daemon=True)
        self.port, self.tls, self.seconds = port, tls, seconds
        self.cut_off_after: float | None = None
        self.answer = b""
        self.ready = threading.Event()

    def run(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock = self.tls.wrap_socket(raw, server_hostname="localhost") if self.tls else raw
        start = time.monotonic()
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            self.ready.set()
            while time.monotonic() - start < self.seconds:
                time.sleep(1)
                sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            self.cut_off_after = time.monotonic() - start
            try:
                self.answer = sock.recv(200)
            except OSError:
                pass
        finally:
            self.ready.set()
            sock.close()


def healthz_answers(url: str, tls=None, timeout: float = 3) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=tls) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


def test_without_the_proxy_one_slow_client_takes_the_only_sync_worker_offline(stack):
    slow = SlowClient(stack["app"], None, seconds=6)
    slow.start()
    slow.ready.wait(5)
    time.sleep(0.5)
    assert not healthz_answers(f"http://127.0.0.1:{stack['app']}/healthz", timeout=2)
    slow.join(15)


def test_through_the_proxy_healthz_keeps_answering_while_slow_clients_trickle_their_headers(stack):
    clients = [SlowClient(stack["https"], stack["tls"], seconds=20) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    for client in clients:
        client.ready.wait(5)
    answered, started = [], time.monotonic()
    while time.monotonic() - started < 8:
        answered.append(healthz_answers(f"https://127.0.0.1:{stack['https']}/healthz", stack["tls"]))
        time.sleep(0.5)
    assert answered and all(answered), answered
    for client in clients:
        client.join(20)
    # nginx cut them off at client_header_timeout (10 s), not gunicorn.
    assert all(c.cut_off_after is not None and c.cut_off_after < 15 for c in clients), [
        c.cut_off_after for c in clients
    ]


def test_the_proxy_refuses_an_oversized_body_and_forwards_the_client_address(stack):
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"https://127.0.0.1:{stack['https']}/accounts/login/", data=b"x" * (3 * 1024 * 1024), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10, context=stack["tls"])  # noqa: S310
    assert refused.value.code == 413
    assert healthz_answers(f"https://127.0.0.1:{stack['https']}/healthz?forwarded", stack["tls"])
    time.sleep(0.5)
    lines = [line for line in (stack["tmp"] / "gunicorn-access.log").read_text().splitlines() if "forwarded" in line]
    assert lines and lines[-1].startswith("127.0.0.1 127.0.0.1 "), lines
