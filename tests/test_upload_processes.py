"""Crafted spreadsheets against the real gunicorn (production settings, two sync workers, as
docker-compose runs it): two uploads at once are refused quickly and another page still
answers meanwhile."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.crypto import get_random_string

from kpis.upload import FilingUploadImporter
from tests.conftest import client_for
from tests.core import crafted_xlsx
from tests.tenants import Tenant
from tests.test_processes import ROOT, free_port, production_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[str]:
    # The test's own secret key, so that a session made here is valid there.
    env = production_env(tmp_path, SECRET_KEY=settings.SECRET_KEY)
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
        env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = get_random_string(24)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_two_crafted_uploads_at_once_do_not_stall_another_page(
    two_workers: str, tenant_a: Tenant
) -> None:
    """Before: each upload held a worker for 8 s and more, so with both workers taken the
    home page waited as long."""
    session = (
        client_for(tenant_a, tenant_a.users["office_staff"])
        .cookies[settings.SESSION_COOKIE_NAME]
        .value
    )
    csrf = get_random_string(32)
    cookies = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
    importer = FilingUploadImporter()
    header = [column.header for column in importer.columns if column.key in importer.required]
    body, content_type = multipart(
        {"csrfmiddlewaretoken": csrf}, "crafted.xlsx", crafted_xlsx.empty_rows(header)
    )
    answers: list[tuple[int, float, str]] = []

    def upload() -> None:
        request = urllib.request.Request(
            f"{two_workers}{reverse('kpis:upload_preview')}",
            data=body,
            headers={"Host": tenant_a.host, "Cookie": cookies, "Content-Type": content_type},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        answers.append((status, time.monotonic() - started, text))

    page = urllib.request.Request(f"{two_workers}/", headers={"Host": tenant_a.host})
    for _ in range(4):  # both workers warm: templates and connections ready
        urllib.request.urlopen(page, timeout=60).close()
    alone = time.monotonic()
    urllib.request.urlopen(page, timeout=60).close()
    alone_seconds = time.monotonic() - alone

    uploads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in uploads:
        thread.start()
    time.sleep(0.3)  # both uploads are in the workers' hands
    started = time.monotonic()
    with urllib.request.urlopen(page, timeout=60) as response:
        assert response.status == 200
    home_seconds = time.monotonic() - started
    for thread in uploads:
        thread.join(timeout=120)

    assert [status for status, _seconds, _text in answers] == [400, 400]
    assert all("10000行を超えています" in text for _status, _seconds, text in answers)
    assert max(seconds for _status, seconds, _text in answers) < 5, answers
    assert home_seconds < alone_seconds + 2, (home_seconds, alone_seconds)
