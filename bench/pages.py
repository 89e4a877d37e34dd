"""Page throughput on the demo association (550 offices), gunicorn with production settings.

Not a test: run `make bench` (PostgreSQL and Redis up; Debian's `wrk` installed). It seeds a
separate database, starts gunicorn with 2 workers on 127.0.0.1, makes logged-in sessions for
the demo officer and office staff, and drives each page with wrk (16 connections, 10 s).
Figures are for comparing pages with each other and with /healthz in one run: the machine is
noisy, ratios are steadier than absolute numbers.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "MFA_REQUIRED": "false",
        "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "renkei-bench-static"),
        "LOG_LEVEL": "WARNING",
        "PYTHON": sys.executable,
    }


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env(), check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def session_cookie(email: str) -> str:
    """A logged-in session made on the server side (production cookies are HTTPS-only)."""
    code = (
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, "
        "HASH_SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        f"user = get_user_model().objects.get(email={email!r})\n"
        "session = SessionStore()\n"
        "session[SESSION_KEY] = str(user.pk)\n"
        "session[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "session[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "session.create()\n"
        "print(session.session_key)\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return f"sessionid={result.stdout.strip().splitlines()[-1]}"


def wrk(url: str, cookie: str | None) -> tuple[float, str, str]:
    command = ["wrk", "-t2", "-c16", f"-d{SECONDS}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{url}: {non_2xx.group(1)} error responses\n{output}")
    return rate, p50, p99


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("Install Debian's wrk first: apt-get install wrk")
    database = urllib.parse.urlparse(DATABASE_URL)
    subprocess.run(  # the bench database may not exist yet; an existing one is reused
        [
            "createdb",
            "-h",
            database.hostname or "127.0.0.1",
            "-p",
            str(database.port or 5432),
            "-U",
            database.username or "postgres",
            database.path.lstrip("/"),
        ],
        capture_output=True,
    )
    manage("migrate", "--no-input", "-v0")
    manage("seed_demo", "--offices", "550")
    manage("collectstatic", "--no-input", "-v0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ROOT / "bin" / "web")],
        cwd=ROOT,
        env={**env(), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        officer = session_cookie("officer@toyonaka.example")
        staff = session_cookie("office-staff@toyonaka.example")
        pages = [
            ("/healthz (database, cache, broker)", "/healthz", None),
            ("/ home, anonymous", "/", None),
            ("/dashboard/ officer, 550 offices", "/dashboard/", officer),
            ("/members/directory/ office staff, page 1 of 11", "/members/directory/", staff),
            ("/api/v1/offices/ office staff, 100 rows", "/api/v1/offices/", staff),
        ]
        print("| page | requests/s | p50 | p99 |\n|---|---|---|---|")
        for label, path, cookie in pages:
            rate, p50, p99 = wrk(f"{base}{path}", cookie)
            print(f"| {label} | {rate:,.0f} | {p50} | {p99} |", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
