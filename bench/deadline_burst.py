"""The deadline burst (not a test): every approved office of the 550-office demo files this
month through the API at once, from 32 concurrent clients, against gunicorn with production
settings (2 workers) on PostgreSQL.

Run `make bench-kpis` (PostgreSQL and Redis up). Uses its own database
(BENCH_BURST_DATABASE_URL, default renkei_bench_burst): migrates, seeds the demo once
(`seed_demo --defer-history`: 550 offices, the last two months filed), creates one API token
per approved office, removes this month's filings of an earlier run (and rebuilds the
aggregates), then POSTs one submitted filing per office to /api/v1/filings/ with an
Idempotency-Key, each month-start headcount carried forward from last month's end. Reports
errors, filings stored, p50/p95/max latency over BENCH_BURST_RUNS runs (default 3), and
whether the maintained aggregates equal a rebuild (`manage.py kpi_aggregates --check`).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DATABASE_URL = os.environ.get(
    "BENCH_BURST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei_bench_burst"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
CLIENTS = int(os.environ.get("BENCH_BURST_CLIENTS", "32"))
RUNS = int(os.environ.get("BENCH_BURST_RUNS", "3"))

PREPARE = """
import json, sys
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from association.models import Association
from core.calendar import add_months, month_start
from kpis.aggregates import kpi_aggregates_rebuild
from kpis.models import OfficeApiToken, ReportStatus, StaffingReport, StaffingRow
from kpis.tokens import token_create
from members.models import Office, OfficeStatus

with scopes_disabled():
    association = Association.objects.order_by("pk").first()
month = month_start(timezone.localdate())
previous = add_months(month, -1)
payloads = []
with scope(association=association.pk), transaction.atomic():
    # A bench re-run: this month's filings of the last run go (around the service), then the
    # aggregates are rebuilt from what is left.
    StaffingReport.objects.filter(month=month).delete()
    OfficeApiToken.objects.filter(name="deadline burst").delete()
    kpi_aggregates_rebuild(association_id=association.pk)
    ends = {}
    for office_id, job, employment, end in StaffingRow.objects.filter(
        report__month=previous, report__status=ReportStatus.SUBMITTED
    ).values_list("report__office_id", "job_category", "employment_type", "headcount_end"):
        ends.setdefault(office_id, []).append((job, employment, end))
    for office in Office.objects.filter(status=OfficeStatus.APPROVED).order_by("pk"):
        _token, raw = token_create(office=office, name="deadline burst", created_by=None)
        rows = [
            {"job_category": job, "employment_type": employment, "headcount_start": end,
             "hires": 1, "hires_hello_work": 1, "separations": 1 if end else 0,
             "separations_within_year": 0, "headcount_end": end + 1 - (1 if end else 0)}
            for job, employment, end in ends.get(office.pk, [("care_worker", "regular", 10)])
        ]
        payloads.append({"token": raw, "body": {"month": f"{month:%Y-%m}", "rows": rows,
                         "submit": True, "confirm_warnings": True}})
json.dump({"month": f"{month:%Y-%m}", "payloads": payloads}, sys.stdout)
"""

COUNT = """
import django
django.setup()
from django.utils import timezone
from django_scopes import scopes_disabled
from core.calendar import month_start
from kpis.models import StaffingReport
with scopes_disabled():
    print(StaffingReport.objects.filter(month=month_start(timezone.localdate()),
                                        status="submitted").count())
"""


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
        "PYTHON": sys.executable,  # bin/web runs gunicorn with it
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(*args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env(),
        check=not capture,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env(),
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    ).stdout


def post(base: str, payload: dict) -> tuple[int, float]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}/api/v1/filings/",
        data=json.dumps(payload["body"]).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {payload['token']}",
            "Content-Type": "application/json",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, (time.perf_counter() - started) * 1000


def main() -> None:
    database = DATABASE_URL.rsplit("/", 1)
    subprocess.run(
        ["createdb", f"--maintenance-db={database[0]}/postgres", database[1]], capture_output=True
    )
    manage("migrate", "--no-input", "-v0")
    manage("seed_demo", "--defer-history")
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
    results = []
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        for run in range(RUNS):
            prepared = json.loads(python(PREPARE))
            payloads = prepared["payloads"]
            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                answers = list(pool.map(lambda p: post(base, p), payloads))
            wall = time.perf_counter() - started
            latencies = sorted(ms for _status, ms in answers)
            errors = sum(1 for status, _ms in answers if status not in (200, 201))
            stored = int(python(COUNT).strip())
            check = subprocess.run(
                [sys.executable, "manage.py", "kpi_aggregates", "--check"],
                cwd=ROOT,
                env=env(),
                capture_output=True,
                text=True,
            )
            results.append(
                {
                    "run": run + 1,
                    "offices": len(payloads),
                    "errors": errors,
                    "stored": stored,
                    "wall_s": round(wall, 1),
                    "p50_ms": round(statistics.median(latencies)),
                    "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1]),
                    "max_ms": round(latencies[-1]),
                    "aggregates_equal_rebuild": check.returncode == 0,
                }
            )
            print(json.dumps(results[-1]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("\n| run | offices | errors | stored | wall | p50 | p95 | max | aggregates = rebuild |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['run']} | {r['offices']} | {r['errors']} | {r['stored']} | {r['wall_s']} s "
            f"| {r['p50_ms']} ms | {r['p95_ms']} ms | {r['max_ms']} ms "
            f"| {'yes' if r['aggregates_equal_rebuild'] else 'NO'} |"
        )
    if any(r["errors"] or not r["aggregates_equal_rebuild"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
