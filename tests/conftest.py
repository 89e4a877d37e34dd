from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.tenants import Tenant, build_tenant

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_subprocesses() -> str:
    """The URL of the database this test run created, for processes the tests start."""
    db = connection.settings_dict
    port = db["PORT"] or 5432
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{port}/{db['NAME']}"


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Rate-limit counters and cached pages live in Redis: start every test clean."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def tenant_a(db: None) -> Tenant:
    return build_tenant(
        slug="alpha", name="アルファ市介護保険事業者連絡会", marker="アルファ", district="20"
    )


@pytest.fixture
def tenant_b(db: None) -> Tenant:
    return build_tenant(
        slug="beta", name="ベータ市介護保険事業者連絡会", marker="ベータ", district="22", pending=2
    )


def client_for(tenant: Tenant, user: Any = None) -> Client:
    client = Client(HTTP_HOST=tenant.host)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def celery_worker(transactional_db: None, tmp_path: Path) -> Iterator[Path]:
    """A real Celery worker process on Redis, reading the test database.

    Yields the folder where the worker's outgoing email lands (file backend).
    """
    from config.celery import app

    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL must point at a Redis server for the Celery tests")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_subprocesses(),
        "EMAIL_URL": f"filemail:///{mail_dir}",  # environ drops one leading slash
        "CONN_MAX_AGE": "0",
        "PYTHON": sys.executable,
    }
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    worker = subprocess.Popen(
        [
            str(ROOT / "bin" / "worker"),
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                output = worker.stdout.read() if worker.stdout else ""
                pytest.fail(f"Celery worker did not start:\n{output}")
        yield mail_dir
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(autouse=True)
def _hosts_follow_domains_made_in_tests() -> Iterator[None]:
    """Tests make domains with the ORM (`localhost` for a live server); the services that make
    them in the site tell every process's host table (association.hosts). So do tests."""
    from django.db.models.signals import post_delete, post_save

    from association.hosts import hosts_changed
    from association.models import Association, AssociationDomain

    def changed(**kwargs: Any) -> None:
        hosts_changed()

    for sent in (post_save, post_delete):
        for model in (Association, AssociationDomain):
            sent.connect(changed, sender=model, weak=False, dispatch_uid=f"tests-hosts-{model}")
    yield
    for sent in (post_save, post_delete):
        for model in (Association, AssociationDomain):
            sent.disconnect(sender=model, dispatch_uid=f"tests-hosts-{model}")
