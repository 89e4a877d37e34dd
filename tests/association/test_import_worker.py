"""Large spreadsheets on a real Celery worker (Redis): applied by the worker, followed on the
progress page, and a failure half-way through saves nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from association.models import ImportJobStatus
from core.calendar import month_start
from kpis.models import StaffingReport
from members.models import Office
from members.services import office_create
from tests.association.test_import_jobs import (
    FILING_HEADERS,
    ROSTER_HEADERS,
    csv_bytes,
    filing_lines,
    offices_of,
    preview_and_apply,
    roster_lines,
)
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def progress_until(client: Client, url: str, done: Any, timeout: float = 120) -> Any:
    """The progress page, asked for every 0.2 s until `done(context)` or the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        if done(page.context) or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


def finished(context: Any) -> bool:
    return not context["running"]


def test_a_large_filing_upload_is_applied_by_the_worker(
    tenant_a: Tenant, celery_worker: Path, settings: Any
) -> None:
    settings.SPREADSHEET_BACKGROUND_ROWS = 10  # twelve lines: a large file, for this test
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    response = preview_and_apply(
        client, "kpis:upload", "kpi.csv", csv_bytes(FILING_HEADERS, filing_lines(tenant_a)), "en"
    )
    assert response.status_code == 302
    page = progress_until(client, response["Location"], finished)
    job = page.context["job"]
    assert job.status == ImportJobStatus.DONE, job.errors
    assert (page.context["done"], page.context["total"]) == (3, 3)
    assert "Filings submitted from kpi.csv: 3 new" in page.content.decode()
    with scope(association=tenant_a.association.pk):
        month = month_start(timezone.localdate())
        reports = StaffingReport.objects.filter(month=month, status="submitted")
        assert sorted(report.rows.count() for report in reports) == [4, 4, 4]


def test_a_worker_apply_that_fails_half_way_saves_nothing(
    tenant_a: Tenant, celery_worker: Path
) -> None:
    """400 rows (a large file at the default limit). Row 201 updates an office another session
    holds locked; meanwhile that session registers the number of the last row. The worker
    stops at the last row, and the 199 offices it had created roll back."""
    lines = roster_lines(tenant_a, 400)
    held = tenant_a.offices[0]
    lines[199] = [f"{tenant_a.marker}福祉会", "名前を変えた事業所", held.provider_number, "43"]
    taken_meanwhile = lines[-1][2]
    locked, go = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def another_session() -> None:
        try:
            with scope(association=tenant_a.association.pk), transaction.atomic():
                Office.objects.select_for_update().get(pk=held.pk)
                locked.set()
                go.wait(timeout=120)
                office_create(
                    association=tenant_a.association,
                    corporation=held.corporation,
                    name="同時に登録された事業所",
                    provider_number=taken_meanwhile,
                    service_codes=["43"],
                )
        except BaseException as error:  # reported by the test below
            failures.append(error)
            locked.set()
        finally:
            connection.close()

    before = offices_of(tenant_a)
    session = threading.Thread(target=another_session)
    session.start()
    try:
        assert locked.wait(timeout=30)
        client = client_for(tenant_a, tenant_a.users["officer"])
        response = preview_and_apply(
            client, "members:roster", "meibo.csv", csv_bytes(ROSTER_HEADERS, lines), "en"
        )
        url = response["Location"]
        # The worker waits at row 201; the page shows how far it is.
        halfway = progress_until(client, url, lambda c: c["done"] >= 190 or finished(c))
        assert halfway.context["running"]
        assert (halfway.context["done"], halfway.context["total"]) == (196, 400)
        html = halfway.content.decode()
        assert 'http-equiv="refresh"' in html and "Applied 196 of 400." in html
    finally:
        go.set()
        session.join(timeout=60)
    assert not failures

    page = progress_until(client, url, finished)
    job = page.context["job"]
    assert job.status == ImportJobStatus.FAILED
    assert len(job.errors) == 1 and job.errors[0].startswith("Row 401, 介護保険事業所番号: ")
    assert "Nothing was saved." in page.content.decode()
    assert offices_of(tenant_a) == before | {taken_meanwhile}
