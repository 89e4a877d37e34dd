"""Redis is stopped and restarted under the production processes (gunicorn with production
settings, a Celery worker from bin/worker), on a Redis of the test's own.

While Redis is away: anonymous visitors get `/` and `/events/` (200, within a bound), an
officer logs in with TOTP, asks for a report build, and a person signs up; `/healthz` says the
broker is down (503). Nothing is lost: the build and the verification mail wait in the outbox
and are queued when Redis is back (a worker drains it as it starts). The worker then loses
Redis in the middle of the build and reconnects instead of exiting. Nothing is duplicated:
one report revision built once, one mail per sign-up.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from association.models import TaskOutbox
from reports.models import MonthlyReport, MonthlyReportStatus
from reports.services import PAUSE_ENV
from tests.faults.conftest import (
    Browser,
    Processes,
    RedisServer,
    SmtpSink,
    free_port,
    subprocess_env,
    wait_until,
    worker_command,
)
from tests.tenants import PASSWORD, SEEDED_OUTBOX_TASK, Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SECRET = "fault-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123"
PAGE_BOUND_SECONDS = 5.0
AUGUST = date(2026, 8, 1)
NEW_PASSWORD = "a-good-long-password-42"


def report_row(tenant: Tenant) -> MonthlyReport | None:
    with scope(association=tenant.association.pk):
        return (
            MonthlyReport.objects.filter(kind="retention", month=AUGUST).order_by("revision").last()
        )


def outbox_tasks() -> list[str]:
    with scopes_disabled():
        rows = TaskOutbox.objects.exclude(task=SEEDED_OUTBOX_TASK).order_by("pk")
        return list(rows.values_list("task", flat=True))


def mails(folder: Path) -> list[str]:
    return sorted(path.read_text(errors="replace") for path in folder.glob("*.log"))


def sign_up(base: str, host: str, email: str) -> None:
    visitor = Browser(base, host)
    assert visitor.request("/accounts/signup/")[0] == 200
    status, location, _body = visitor.request(
        "/accounts/signup/",
        {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert (status, location) == (302, reverse("account_email_verification_sent"))


def test_redis_away_and_back_loses_nothing_and_duplicates_nothing(
    tenant_a: Tenant,
    processes: Processes,
    redis_server: RedisServer,
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    # The production settings' hasher (the tests' own MD5 one is unknown to them).
    officer_user = tenant_a.users["officer"]
    officer_user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    officer_user.save(update_fields=["password"])
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS=f"{tenant_a.host},127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        REDIS_URL=redis_server.url(0),
        STATIC_ROOT=str(tmp_path / "static"),
        # The web process meets a mail server that refuses: a request that sent mail would fail.
        EMAIL_URL=smtp_sink.url,
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], env=env, check=True
    )
    port = free_port()
    processes.spawn(
        "web", ["bin/web"], {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    )
    base = f"http://127.0.0.1:{port}"
    anonymous = Browser(base, tenant_a.host)
    wait_until(lambda: _answers(anonymous), 60, "gunicorn to start")
    for path in ("/", "/events/"):  # cached while Redis is up
        assert anonymous.request(path)[0] == 200

    redis_server.stop()

    # (a) Public pages, built from the database, within a bound.
    for path in ("/", "/events/", "/events/"):
        started = time.monotonic()
        status, _location, body = anonymous.request(path)
        assert status == 200, body[-2000:]
        assert time.monotonic() - started < PAGE_BOUND_SECONDS
    status, _location, body = Browser(base, "127.0.0.1").request("/healthz?deep=1")
    assert status == 503 and '"broker": "error"' in body

    # (b) An officer logs in (password, then TOTP; sessions are in the database).
    officer = Browser(base, tenant_a.host)
    assert officer.request("/accounts/login/")[0] == 200
    status, location, body = officer.request(
        "/accounts/login/", {"login": tenant_a.users["officer"].email, "password": PASSWORD}
    )
    assert (status, location) == (302, reverse("mfa_authenticate")), body
    code = format_hotp_value(hotp_value(tenant_a.totp_secrets["officer"], int(time.time()) // 30))
    status, location, _body = officer.request(reverse("mfa_authenticate"), {"code": code})
    assert (status, location) == (302, "/dashboard/")  # an officer lands on the dashboard
    assert officer.request("/reports/build/")[0] == 200
    assert report_row(tenant_a) is None

    # (c) A report build is requested: the page says so, the task waits in the outbox.
    status, location, _body = officer.request(
        "/reports/build/", {"month": "2026-08", "kind": "retention"}
    )
    assert status == 302 and location.startswith("/reports/")
    assert officer.request(location)[0] == 200
    report = report_row(tenant_a)
    assert report is not None and report.status == MonthlyReportStatus.BUILDING

    # (d) A person signs up: the verification mail waits in the outbox.
    sign_up(base, tenant_a.host, "first.person@care.example")
    assert outbox_tasks() == ["kpis.tasks.monthly_report_build_task", "association.tasks.mail_send"]

    redis_server.start()  # back, with what it had (append-only file)

    worker = processes.spawn(
        "worker",
        worker_command(),
        {**env, "EMAIL_URL": f"filemail:///{mail_dir}", PAUSE_ENV: "8"},
    )
    # The worker drains the outbox as it starts; the build pauses half-way ...
    wait_until(lambda: (r := report_row(tenant_a)) and r.progress >= 50, 120, "the build")
    assert outbox_tasks() == []
    # ... and Redis goes away under it: the worker reconnects instead of exiting.
    redis_server.stop()
    time.sleep(4)
    assert worker.poll() is None
    redis_server.start()

    wait_until(lambda: report_row(tenant_a).status != "building", 120, "the build to finish")  # type: ignore[union-attr]
    wait_until(lambda: len(mails(mail_dir)) >= 1, 60, "the verification mail")
    # The reconnected worker still takes new work.
    sign_up(base, tenant_a.host, "second.person@care.example")
    wait_until(lambda: len(mails(mail_dir)) >= 2, 60, "the second verification mail")
    time.sleep(5)  # a duplicate, if any, would arrive now

    sent = mails(mail_dir)
    assert len(sent) == 2
    assert sum("first.person@care.example" in m for m in sent) == 1
    assert sum("second.person@care.example" in m for m in sent) == 1
    with scope(association=tenant_a.association.pk):
        rows = list(MonthlyReport.objects.filter(kind="retention", month=AUGUST))
    assert [(r.pk, r.status, r.attempts) for r in rows] == [(report.pk, "draft", 1)]
    assert outbox_tasks() == []
    with scopes_disabled():
        assert not TaskOutbox.objects.exists()  # the seeded rows were dropped, logged
    assert worker.poll() is None
    assert Browser(base, "127.0.0.1").request("/healthz")[0] == 200


def _answers(browser: Browser) -> bool:
    try:
        return browser.request("/healthz", timeout=2)[0] in (200, 503)
    except OSError:
        return False
