"""Two queues, two real worker processes (bin/worker-slow, bin/worker-quick): a report build that
runs for minutes on the slow queue does not delay a password-reset email on the quick one."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django_scopes import scope

from config.celery import app
from config.celery_routes import queue_kind
from config.settings.celery import SLOW_LONGEST_COUNTDOWN
from reports.services import PAUSE_ENV, monthly_report_request
from reports.tasks import monthly_report_build_task
from tests.conftest import client_for, start_worker, stop_process, worker_env
from tests.reports.test_report_build_worker import wait_for
from tests.tenants import Tenant


@dataclass
class Queues:
    slow: str
    quick: str
    env: dict[str, str]
    mail_dir: Path


@pytest.fixture
def queues(transactional_db: None, tmp_path: Path, settings: Any) -> Iterator[Queues]:
    """Queue names of this test's own, in this process (the router reads the settings) and in
    the workers it starts (the environment)."""
    stem = f"test-{os.getpid()}-{time.monotonic_ns()}"
    names = Queues(slow=f"{stem}-slow", quick=f"{stem}-quick", env={}, mail_dir=tmp_path / "mail")
    names.mail_dir.mkdir()
    names.env = worker_env(
        names.mail_dir, CELERY_SLOW_QUEUE=names.slow, CELERY_QUICK_QUEUE=names.quick
    )
    settings.CELERY_SLOW_QUEUE, settings.CELERY_QUICK_QUEUE = names.slow, names.quick
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield names
    finally:
        app.conf.task_always_eager = previous


def node(queue: str) -> str:
    return f"{queue}@{os.uname().nodename}"


def reset_mails(mail_dir: Path) -> list[str]:
    texts = (path.read_text() for path in mail_dir.iterdir())
    return [text for text in texts if "/accounts/password/reset/key/" in text]


def test_tasks_are_routed_by_kind() -> None:
    assert queue_kind("kpis.tasks.monthly_report_build_task") == "slow"
    assert queue_kind("association.tasks.import_job_apply") == "slow"
    assert queue_kind("association.tasks.mail_send") == "quick"
    assert queue_kind("kpis.tasks.filing_reminders") == "quick"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_running_report_build_does_not_delay_a_password_reset_email(
    queues: Queues, tenant_a: Tenant
) -> None:
    # One process each, so the slow one is busy for as long as the build is paused.
    slow = start_worker(
        {**queues.env, PAUSE_ENV: "300"}, node=f"{queues.slow}@%h", script="worker-slow"
    )
    quick = start_worker(queues.env, node=f"{queues.quick}@%h", script="worker-quick")
    try:
        # The slow worker restores its own unacknowledged messages after a shorter timeout (asked
        # now: a solo worker busy with a build answers no inspection).
        destination = [node(queues.slow), node(queues.quick)]
        conf = app.control.inspect(destination=destination, timeout=5).conf() or {}
        slow_options = conf[node(queues.slow)]["CELERY_BROKER_TRANSPORT_OPTIONS"]
        quick_options = conf[node(queues.quick)]["CELERY_BROKER_TRANSPORT_OPTIONS"]
        assert slow_options["visibility_timeout"] == 50 * 60
        assert quick_options["visibility_timeout"] == django_settings.CELERY_VISIBILITY_TIMEOUT
        assert slow_options["unacked_key"] != quick_options.get("unacked_key", "unacked")
        assert monthly_report_build_task.retry_backoff_max <= SLOW_LONGEST_COUNTDOWN  # type: ignore[attr-defined]

        association = tenant_a.association
        with scope(association=association.pk):
            report = monthly_report_request(
                association=association, month=date(2026, 8, 1), kind="recruitment"
            )
        running = wait_for(tenant_a, report.pk, lambda r: r.progress >= 50, 120)
        assert (running.status, running.progress) == ("building", 50)

        email = tenant_a.users["office_staff"].email
        response = client_for(tenant_a).post(reverse("account_reset_password"), {"email": email})
        assert response.status_code == 302
        sent = time.monotonic()  # (the tenant's own set-up mail goes out by the quick worker too)
        while not (resets := reset_mails(queues.mail_dir)) and time.monotonic() - sent < 60:
            time.sleep(0.1)
        assert len(resets) == 1 and email in resets[0], "the reset email waited behind the build"

        still = wait_for(tenant_a, report.pk, lambda r: True, 0)
        assert still.status == "building"  # the build was running all along

    finally:
        slow.kill()  # paused for minutes: no need to wait for it
        slow.wait(timeout=20)
        stop_process(quick)
