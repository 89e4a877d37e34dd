from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
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


def worker_env(mail_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker a test starts: test settings on the test database, mail
    written to files in `mail_dir`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_subprocesses(),
        "EMAIL_URL": f"filemail:///{mail_dir}",  # environ drops one leading slash
        "CONN_MAX_AGE": "0",
        "PYTHON": sys.executable,
        **extra,
    }


def start_worker(
    env: dict[str, str], *args: str, node: str, script: str = "worker"
) -> subprocess.Popen[str]:
    """One Celery worker process through bin/<script> (solo pool), named `node` (`name@%h`),
    once it answers a ping; its output is kept for the failure message."""
    from config.celery import app

    worker = subprocess.Popen(
        [
            str(ROOT / "bin" / script),
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            node,
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    destination = node.replace("%h", os.uname().nodename)
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[destination], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            output = worker.stdout.read() if worker.stdout else ""
            pytest.fail(f"Celery worker did not start:\n{output}")
    return worker


def stop_process(process: subprocess.Popen[str], timeout: float = 20) -> None:
    """SIGTERM (a worker finishes its task), then SIGKILL if it does not end in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


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
    env = worker_env(mail_dir)
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    worker = None
    try:
        worker = start_worker(env, "-Q", queue, node=f"{queue}@%h")
        yield mail_dir
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        if worker is not None:
            stop_process(worker)


@dataclass
class ObjectStore:
    """An S3-compatible server (moto's, in this process) with one bucket."""

    endpoint: str
    bucket: str

    def env(self) -> dict[str, str]:
        """What config/settings/storage.py reads: processes started with it use the bucket."""
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",
            "S3_ADDRESSING_STYLE": "path",
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )

    def object_names(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture
def object_store(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[ObjectStore]:
    """Files go to an S3-compatible server started here (moto), in this process (the storage
    setting) and in every process a test starts afterwards (the S3_* environment variables)."""
    from moto.server import ThreadedMotoServer

    from config.settings.storage import s3_storage

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    store = ObjectStore(endpoint=f"http://{host}:{port}", bucket="renkei-test")
    store.client().create_bucket(Bucket=store.bucket)
    environment = store.env()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket=store.bucket,
            endpoint_url=store.endpoint,
            region=environment["S3_REGION"],
            access_key=environment["S3_ACCESS_KEY_ID"],
            secret_key=environment["S3_SECRET_ACCESS_KEY"],
            addressing_style="path",
        ),
    }
    try:
        yield store
    finally:
        server.stop()


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
