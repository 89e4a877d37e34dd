import pytest


@pytest.fixture(autouse=True)
def _english_for_filing_pages(request: pytest.FixtureRequest) -> None:
    """The filing tests read the pages' English wording; Japanese is covered elsewhere."""
    if request.module.__name__.split(".")[-1].startswith("test_filing"):
        settings = request.getfixturevalue("settings")
        settings.LANGUAGE_CODE = "en"


# --- Monthly report builds (tests/kpis/test_report_build*.py) ------------------------------

import importlib  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib.util import find_spec  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from django.conf import settings as django_settings  # noqa: E402

from tests.conftest import ROOT, database_url_for_subprocesses  # noqa: E402

# Small stand-ins for kpis/report_content.py and kpis/report_render.py, used only while those
# modules (written separately) do not exist yet; the real ones are always preferred.
STAND_INS = """
import json, sys, types
from datetime import date
from decimal import Decimal


def report_content(*, association, month, kind):
    from kpis.models import StaffingReport

    filed = StaffingReport.objects.filter(month=month, status="submitted").count()
    return {"association": association.name, "month": month, "kind": kind,
            "offices_filed": filed, "rate": Decimal("12.5"),
            "cells": [{"label": "care_worker", "offices": 2, "hires": 4}]}


def suppress(content, *, threshold):
    cells = [dict(c, hires=None) if c["offices"] < threshold else dict(c)
             for c in content["cells"]]
    return {**content, "cells": cells}


def render_pdf(content, *, association_name):
    text = json.dumps(content, default=str, ensure_ascii=False)
    return b"%PDF-1.7 stand-in " + (association_name + text).encode(), 2


def render_xlsx(content):
    return b"PK stand-in " + json.dumps(content, default=str).encode()


REPLACED = {"kpis.report_content": (report_content, suppress),
            "kpis.report_render": (render_pdf, render_xlsx)}


def _patch(module):
    for function in REPLACED[module.__name__]:
        setattr(module, function.__name__, function)


class _PatchAfterImport:
    # The real module exists: import it, then swap in the stand-in functions.

    def find_spec(self, name, path=None, target=None):
        if name not in REPLACED:
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None:
            return None
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


import importlib.util

if any(importlib.util.find_spec(n) is None for n in REPLACED):
    for _name in REPLACED:
        _module = types.ModuleType(_name)
        _patch(_module)
        sys.modules[_name] = _module
else:
    sys.meta_path.insert(0, _PatchAfterImport())
"""


def report_modules_missing() -> bool:
    return find_spec("kpis.report_content") is None or find_spec("kpis.report_render") is None


@pytest.fixture
def report_modules(tmp_path: Path) -> Iterator[Path | None]:
    """The real content and render modules, or the stand-ins (in this process and, through
    a sitecustomize on PYTHONPATH, in the workers the tests start). Yields that folder."""
    # RENKEI_TEST_REPORT_STAND_INS=1 forces the stand-ins (to test the jobs alone).
    if not report_modules_missing() and not os.environ.get("RENKEI_TEST_REPORT_STAND_INS"):
        yield None
        return
    folder = tmp_path / "stand_ins"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(STAND_INS, encoding="utf-8")
    saved = {name: sys.modules.get(name) for name in ("kpis.report_content", "kpis.report_render")}
    namespace: dict[str, Any] = {}
    exec(compile(STAND_INS, "stand_ins", "exec"), namespace)  # noqa: S102
    finder = next((f for f in sys.meta_path if type(f).__name__ == "_PatchAfterImport"), None)
    if finder is not None:  # the real modules exist: patch their functions for this test
        sys.meta_path.remove(finder)
        monkeypatch = pytest.MonkeyPatch()
        for name, functions in namespace["REPLACED"].items():
            module = importlib.import_module(name)
            for function in functions:
                monkeypatch.setattr(module, function.__name__, function)
        yield folder
        monkeypatch.undo()
        return
    try:
        yield folder
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


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

    def start(self, **extra_env: str) -> subprocess.Popen[str]:
        from config.celery import app

        worker = subprocess.Popen(
            [
                str(ROOT / "bin" / "worker"),
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}@%h",
            ],
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.processes.append(worker)
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[self.node], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                output = worker.stdout.read() if worker.stdout else ""
                pytest.fail(f"Celery worker did not start:\n{output}")
        return worker

    def kill(self, worker: subprocess.Popen[str]) -> None:
        """SIGKILL: no shutdown, no acknowledgement; the broker keeps the task unacked."""
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)


@pytest.fixture
def killable_celery_worker(
    transactional_db: None, tmp_path: Path, report_modules: Path | None
) -> Iterator[KillableWorker]:
    """Like tests/conftest.py's `celery_worker`, but not started: the test starts, kills and
    restarts workers. The visibility timeout is 5 s, so a killed worker's task comes back."""
    from config.celery import app

    if not django_settings.REDIS_URL:
        pytest.fail("REDIS_URL must point at a Redis server for the Celery tests")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url_for_subprocesses(),
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "CONN_MAX_AGE": "0",
        "PYTHON": sys.executable,
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    if report_modules is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(report_modules), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
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
