"""The production processes, started as docker-compose starts them: gunicorn web, a Celery
worker and one beat, alone and all together (a month filed through the API, built by beat's
job on the worker, downloaded by the city).

(The `celery_worker` fixture starts a worker of the test settings through bin/worker.)
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_scopes import scope
from pypdf import PdfReader

from core.calendar import month_start, wareki_month
from kpis.selectors import deadline_for
from kpis.tokens import token_create
from reports.models import MonthlyReport
from reports.services import monthly_report_publish
from tests.conftest import (
    ObjectStore,
    client_for,
    database_url_for_subprocesses,
    start_worker,
)
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
SECRET = "process-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PYTHON": sys.executable,
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "alpha.test,beta.test,127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url_for_subprocesses(),
        "REDIS_URL": settings.REDIS_URL,
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_FORMAT": "json",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, host: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def started_gunicorn(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """bin/web with production settings on a free port: its base URL and its process, whose
    stdout carries the access log (read it after the process has stopped)."""
    env = production_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    process = subprocess.Popen(
        [str(ROOT / "bin" / "web")],
        cwd=ROOT,
        env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:  # refused, reset or timed out while gunicorn boots
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"gunicorn did not start:\n{process.stdout.read() if process.stdout else ''}"
                )
            time.sleep(0.2)
    try:
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def started_beat(tmp_path: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """bin/beat (the database scheduler) in its own process group, so nothing it starts
    outlives the test; stopped with SIGTERM (SIGKILL if it hangs)."""
    process = subprocess.Popen(
        [str(ROOT / "bin" / "beat"), "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[str]:
    with started_gunicorn(tmp_path) as (base, _process):
        yield base


def test_gunicorn_serves_the_tenant_with_production_settings(
    gunicorn: str, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    status, body = fetch(f"{gunicorn}/healthz", "127.0.0.1")
    assert status == 200 and '"broker": "ok"' in body

    status, body = fetch(f"{gunicorn}/", tenant_a.host)
    assert status == 200
    assert tenant_a.association.name in body and tenant_b.association.name not in body
    assert "/static/css/site." in body  # hashed name from the manifest storage

    status, body = fetch(f"{gunicorn}/no-such-page/", tenant_a.host)
    assert status == 404
    assert "Traceback" not in body and "DEBUG" not in body


def test_one_beat_loads_the_schedule_into_the_database(tmp_path: Path, tenant_a: Tenant) -> None:
    assert not PeriodicTask.objects.filter(name="pending-applications-digest").exists()
    with started_beat(tmp_path, production_env(tmp_path)) as process:
        # Generous: on a loaded 2-core machine beat's start-up alone has taken over 30 s.
        deadline = time.monotonic() + 120
        while not PeriodicTask.objects.filter(name="pending-applications-digest").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("beat did not start or did not write its schedule")
            time.sleep(0.3)
        task = PeriodicTask.objects.get(name="pending-applications-digest")
        assert task.task == "members.tasks.pending_applications_digest_all"
        assert task.enabled


def test_access_log_keeps_no_cancel_offer_invitation_or_account_keys(
    tmp_path: Path, tenant_a: Tenant
) -> None:
    """Links that act as passwords are logged with their key redacted, the rest intact."""
    secrets = {
        "/events/cancel/?key=CANCELSECRET1": "CANCELSECRET1",
        "/events/offer/?key=OFFERSECRET2&lang=ja": "OFFERSECRET2",
        "/events/registration/?key=STATUSSECRET3": "STATUSSECRET3",
        "/members/invitation/?key=INVITESECRET4": "INVITESECRET4",
        "/accounts/confirm-email/CONFIRMSECRET5/": "CONFIRMSECRET5",
    }
    with started_gunicorn(tmp_path) as (base, process):
        for path in secrets:
            request = urllib.request.Request(
                f"{base}{path}",
                headers={"Host": tenant_a.host, "Referer": f"https://{tenant_a.host}{path}"},
            )
            # A 302 to log in or a 404 is logged all the same.
            with suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10).read()
        process.terminate()
        log, _ = process.communicate(timeout=20)
    assert "/events/cancel/?key=[redacted]" in log
    assert "lang=ja" in log
    for secret in secrets.values():
        assert secret not in log, secret


def test_a_month_filed_through_the_api_is_built_by_beat_and_downloaded_by_the_city(
    tmp_path: Path,
    object_store: ObjectStore,
    tenant_a: Tenant,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    """What docker-compose runs, as separate processes on PostgreSQL, Redis and an
    S3-compatible store: gunicorn, one worker on both queues and one beat. An office's payroll
    system files this month with its token; beat runs the monthly-reports job, scheduled to
    fire now through a django-celery-beat row (what an operator would add in the admin, with
    `today` set past this month's deadline); the worker builds the reports into the bucket;
    an officer publishes; a city viewer downloads the PDF from gunicorn."""
    stem = f"test-{os.getpid()}-{time.monotonic_ns()}"
    for name, value in {
        "CELERY_SLOW_QUEUE": f"{stem}-slow",
        "CELERY_QUICK_QUEUE": f"{stem}-quick",
    }.items():
        monkeypatch.setenv(name, value)  # every process below sends and reads this test's queues
    association = tenant_a.association
    month = month_start(timezone.localdate())
    with scope(association=association.pk):
        _token, raw_token = token_create(
            office=tenant_a.offices[0], name="給与システム", created_by=None
        )
        due = deadline_for(association_id=association.pk, month=month) + timedelta(days=1)

    with started_gunicorn(tmp_path) as (base, _web):
        filing = {
            "month": f"{month:%Y-%m}",
            "rows": [
                {
                    "job_category": "care_worker",
                    "employment_type": "regular",
                    "headcount_start": 12,
                    "hires": 2,
                    "separations": 1,
                    "separations_within_year": 0,
                    "headcount_end": 13,
                    "open_positions": 1,
                    "hires_hello_work": 2,
                }
            ],
            "submit": True,
            "expected_version": None,
        }
        request = urllib.request.Request(
            f"{base}/api/v1/filings/",
            data=json.dumps(filing).encode(),
            method="POST",
            headers={
                "Host": tenant_a.host,
                "Content-Type": "application/json",
                "Authorization": f"Bearer {raw_token}",
                "Idempotency-Key": stem,
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            assert json.loads(response.read())["status"] == "submitted"

        schedule = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.create(
            name="monthly reports now",
            task="kpis.tasks.monthly_reports_due_all",
            interval=schedule,
            kwargs=json.dumps({"today": due.isoformat()}),
            one_off=True,
        )
        env = production_env(tmp_path)
        worker = start_worker(env, node=f"{stem}@%h")  # bin/worker: both queues
        try:
            with started_beat(tmp_path, env):
                deadline = time.monotonic() + 240
                while True:
                    with scope(association=association.pk):
                        report = MonthlyReport.objects.filter(
                            month=month, kind="recruitment"
                        ).first()
                    if report is not None and report.status != "building":
                        break
                    if time.monotonic() > deadline:
                        pytest.fail(f"no report built by beat and the worker: {report}")
                    time.sleep(0.5)
        finally:
            worker.kill()  # busy with the second report now; acks-late keeps it for later
            worker.wait(timeout=20)
        assert report.status == "draft", report.error
        assert report.pdf.name in object_store.object_names()
        with scope(association=association.pk):
            monthly_report_publish(report=report, by=tenant_a.users["officer"])

        settings.SECRET_KEY = SECRET  # the session is signed as gunicorn checks it
        city = client_for(tenant_a, tenant_a.users["city"])
        request = urllib.request.Request(
            f"{base}/reports/{report.pk}/pdf",
            headers={
                "Host": tenant_a.host,
                "Cookie": f"sessionid={city.cookies['sessionid'].value}",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/pdf"
            body = response.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert association.name in text
    assert wareki_month(month) in text
