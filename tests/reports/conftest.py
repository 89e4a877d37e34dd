"""Fixtures of the report tests: Celery workers a test can kill and start again."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.conftest import start_worker, worker_env


@dataclass
class KillableWorker:
    """Celery workers on one queue that a test can SIGKILL and start again."""

    mail_dir: Path
    queue: str
    env: dict[str, str]
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def node(self) -> str:
        return f"{self.queue}@{os.uname().nodename}"

    def start(self, *extra_args: str, **extra_env: str) -> subprocess.Popen[str]:
        worker = start_worker(
            {**self.env, **extra_env},
            "-Q",
            self.queue,
            *extra_args,
            node=f"{self.queue}@%h",
        )
        self.processes.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen[str]) -> None:
        """SIGKILL: no shutdown, no acknowledgement; the broker keeps the task unacked."""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)


@pytest.fixture
def killable_celery_worker(transactional_db: None, tmp_path: Path) -> Iterator[KillableWorker]:
    """Like tests/conftest.py's `celery_worker`, but not started: the test starts, kills and
    restarts workers. The visibility timeout is 5 s, so a killed worker's task comes back."""
    from config.celery import app

    if not django_settings.REDIS_URL:
        pytest.fail("REDIS_URL must point at a Redis server for the Celery tests")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = worker_env(mail_dir, CELERY_VISIBILITY_TIMEOUT="5")
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    workers = KillableWorker(mail_dir=mail_dir, queue=queue, env=env)
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield workers
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        for worker in workers.processes:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
