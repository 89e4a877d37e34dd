"""Page throughput and latency on the demo association, gunicorn with production settings.

Not a test: run `make bench` (PostgreSQL and Redis up; Debian's `wrk`). It seeds a database of
its own once (`seed_demo --offices 550`: 550 offices, 24 months of filings; then bench/seed.py
tops events up to 300 and job postings up to 500), starts gunicorn with 2 workers on
127.0.0.1 with production settings plus two reference views (bench/settings.py), makes
logged-in sessions server-side, warms the public pages' cache, and drives every page with wrk
BENCH_RUNS times (default 3, interleaved, BENCH_SECONDS each, default 10):

- the references: /bench/ceiling, a view returning "ok" from the first middleware (Django's
  handler and gunicorn only), and /bench/bare, the same view behind our whole middleware stack;
- public pages, anonymous, cache warm, 16 connections: throughput as a share of the ceiling in
  the same run, p50 and p95; targets ≥ 50 % of the ceiling and p95 < 50 ms;
- logged-in pages, uncached, 2 connections (one per worker): p95, target < 100 ms.

Prints a markdown table: median (min–max) over the runs. The machine is shared and noisy:
compare ratios within a run, not absolute figures between machines.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/renkei_bench),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/9), BENCH_RUNS, BENCH_SECONDS,
BENCH_CONNECTIONS (public pages, 16), BENCH_LOGGED_IN_CONNECTIONS (2).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
LOGGED_IN_CONNECTIONS = int(os.environ.get("BENCH_LOGGED_IN_CONNECTIONS", "2"))
PUBLIC_P95_MS = 50.0
PUBLIC_SHARE = 0.5
LOGGED_IN_P95_MS = 100.0

# wrk prints its own summary without p95; this prints what the table needs as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.6f, "p50": %.3f, "p95": %.3f, "p99": %.3f, '
    .. '"socket_errors": %d, "status_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
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


@dataclass
class Target:
    group: str  # "reference", "public" or "logged-in"
    label: str
    path: str
    cookie: str | None = None


@dataclass
class Sample:
    rate: float
    p50: float
    p95: float
    p99: float
    timeouts: int = 0  # requests wrk gave up on after 10 s (counted, not fatal)


def wrk(url: str, cookie: str | None, connections: int, script: Path) -> Sample:
    threads = min(2, connections)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{SECONDS}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line.removeprefix("BENCH "))
    if figures["status_errors"]:
        raise SystemExit(f"{url}: error responses in the run\n{output}")
    return Sample(
        rate=figures["requests"] / figures["seconds"],
        p50=figures["p50"],
        p95=figures["p95"],
        p99=figures["p99"],
        timeouts=figures["socket_errors"],
    )


def spread(values: list[float], fmt: str) -> str:
    middle = format(statistics.median(values), fmt)
    if len(values) == 1:
        return middle
    return f"{middle} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average at start {load}"
    )


def seed() -> dict[str, int]:
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
    if not os.environ.get("BENCH_SEEDED"):  # set it to reuse a database seeded before
        manage("migrate", "--no-input", "-v0")
        manage("seed_demo", "--offices", "550")
        manage("collectstatic", "--no-input", "-v0")
    result = subprocess.run(
        [sys.executable, "-m", "bench.seed"],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def targets(ids: dict[str, int]) -> list[Target]:
    officer = session_cookie("officer@toyonaka.example")
    office_admin = session_cookie("office-admin@toyonaka.example")
    office = ids["office"]
    return [
        Target("reference", "ceiling: a view before any middleware", "/bench/ceiling"),
        Target("reference", "bare view behind the whole middleware stack", "/bench/bare"),
        Target("public", "/ home", "/"),
        Target("public", "/events/", "/events/"),
        Target("public", "an event page", f"/events/{ids['event']}/"),
        Target("public", "the festival", f"/events/{ids['festival']}/"),
        Target("public", "/jobs/", "/jobs/"),
        Target("public", "a job posting", f"/jobs/{ids['posting']}/"),
        Target("health", "/healthz (database, cache, broker)", "/healthz"),
        Target("logged-in", "/dashboard/ officer", "/dashboard/", officer),
        Target("logged-in", "/kpis/ KPI dashboard, officer", "/kpis/", officer),
        Target(
            "logged-in",
            "filing form, office admin",
            f"/kpis/offices/{office}/filing/",
            office_admin,
        ),
        Target(
            "logged-in",
            "filing history, office admin",
            f"/kpis/offices/{office}/history/",
            office_admin,
        ),
        Target(
            "logged-in", "/members/directory/ office admin", "/members/directory/", office_admin
        ),
        Target("logged-in", "/reports/ officer", "/reports/", officer),
    ]


def check(base: str, target: Target) -> None:
    request = urllib.request.Request(f"{base}{target.path}")  # noqa: S310 - loopback
    if target.cookie:
        request.add_header("Cookie", target.cookie)
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        if response.status != 200:
            raise SystemExit(f"{target.path}: {response.status}")


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("Install Debian's wrk first: apt-get install wrk")
    ids = seed()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ROOT / "bin" / "web")],
        cwd=ROOT,
        env={**env(), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    samples: dict[str, list[Sample]] = {}
    ratios: dict[str, list[float]] = {}
    started = datetime.now(UTC)
    about = machine()
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        pages = targets(ids)
        for target in pages:  # every page answers, and the public ones are in the cache
            check(base, target)
            check(base, target)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        for run in range(RUNS):
            by_path: dict[str, Sample] = {}
            for target in pages:
                connections = LOGGED_IN_CONNECTIONS if target.group == "logged-in" else CONNECTIONS
                sample = wrk(f"{base}{target.path}", target.cookie, connections, Path(script.name))
                by_path[target.path] = sample
                samples.setdefault(target.label, []).append(sample)
                print(
                    f"run {run + 1}/{RUNS} {target.label}: {sample.rate:,.0f}/s "
                    f"p50 {sample.p50:.1f} ms p95 {sample.p95:.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )
            ceiling = by_path["/bench/ceiling"].rate
            for target in pages:
                ratios.setdefault(target.label, []).append(by_path[target.path].rate / ceiling)
        os.unlink(script.name)
    finally:
        server.terminate()
        server.wait(timeout=20)

    print(
        f"\n{started:%Y-%m-%d %H:%M} UTC, {about}. gunicorn 2 sync workers, production "
        f"settings; {ids['events']} events, {ids['postings']} job postings, 550 offices with "
        f"24 months of filings. {RUNS} runs of {SECONDS} s; median (min–max).\n"
    )
    print(
        "| page | connections | requests/s | share of ceiling | p50 ms | p95 ms | timeouts "
        "| target |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for target in pages:
        runs = samples[target.label]
        connections = LOGGED_IN_CONNECTIONS if target.group == "logged-in" else CONNECTIONS
        share = statistics.median(ratios[target.label])
        p95 = statistics.median(s.p95 for s in runs)
        if target.group == "public":
            met = share >= PUBLIC_SHARE and p95 < PUBLIC_P95_MS
            goal = f"≥ 50 %, p95 < {PUBLIC_P95_MS:.0f} ms: {'met' if met else 'MISSED'}"
        elif target.group == "logged-in":
            # No request finished within the run: wrk reports p95 0, which is no pass.
            met = p95 < LOGGED_IN_P95_MS and min(s.rate for s in runs) > 0
            goal = f"p95 < {LOGGED_IN_P95_MS:.0f} ms: {'met' if met else 'MISSED'}"
        else:
            goal = ""
        print(
            f"| {target.label} | {connections} | {spread([s.rate for s in runs], ',.0f')} | "
            f"{spread([r * 100 for r in ratios[target.label]], '.0f')} % | "
            f"{spread([s.p50 for s in runs], '.1f')} | {spread([s.p95 for s in runs], '.1f')} | "
            f"{sum(s.timeouts for s in runs)} | {goal} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
