"""The production processes, started as docker-compose starts them: gunicorn web and one beat.

(The Celery worker is started through bin/worker by the `celery_worker` fixture.)
"""

from __future__ import annotations

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
from pathlib import Path

import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from tests.conftest import database_url_for_subprocesses
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
    process = subprocess.Popen(
        [str(ROOT / "bin" / "beat"), "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT,
        env=production_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so nothing it starts outlives the test
    )
    try:
        # Generous: on a loaded 2-core machine beat's start-up alone has taken over 30 s.
        deadline = time.monotonic() + 120
        while not PeriodicTask.objects.filter(name="pending-applications-digest").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("beat did not start or did not write its schedule")
            time.sleep(0.3)
        task = PeriodicTask.objects.get(name="pending-applications-digest")
        assert task.task == "members.tasks.pending_applications_digest_all"
        assert task.enabled
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


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
