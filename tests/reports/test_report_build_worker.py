"""Monthly report builds on real Celery workers (Redis): built by a worker, and a worker
killed (SIGKILL) in the middle of a build leaves no half report; the next worker finishes it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import date

import pytest
from django_scopes import scope

from reports.models import MonthlyReport
from reports.services import PAUSE_ENV, monthly_report_request
from tests.reports.conftest import KillableWorker
from tests.tenants import Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

AUGUST = date(2026, 8, 1)


def wait_for(tenant: Tenant, pk: int, done: Callable[[MonthlyReport], bool], timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        with scope(association=tenant.association.pk):
            report = MonthlyReport.objects.get(pk=pk)
        if done(report) or time.monotonic() > deadline:
            return report
        time.sleep(0.2)


def assert_complete(report: MonthlyReport) -> None:
    assert report.status == "draft" and report.progress == 100
    with report.pdf.open("rb") as pdf, report.xlsx.open("rb") as xlsx:
        content = bytes(pdf.read()) + bytes(xlsx.read())
    assert report.checksum == hashlib.sha256(content).hexdigest()
    assert report.pdf_pages and report.pdf_pages > 0 and report.data is not None


def test_a_requested_report_is_built_by_the_worker(
    tenant_a: Tenant, killable_celery_worker: KillableWorker
) -> None:
    killable_celery_worker.start()
    association = tenant_a.association
    with scope(association=association.pk):
        report = monthly_report_request(association=association, month=AUGUST, kind="retention")
    built = wait_for(tenant_a, report.pk, lambda r: r.status != "building", 120)
    assert_complete(built)
    assert built.attempts == 1


def test_a_worker_killed_mid_build_leaves_one_complete_report(
    tenant_a: Tenant, killable_celery_worker: KillableWorker
) -> None:
    workers = killable_celery_worker
    slow = workers.start(**{PAUSE_ENV: "120"})
    association = tenant_a.association
    with scope(association=association.pk):
        report = monthly_report_request(association=association, month=AUGUST, kind="recruitment")
    halfway = wait_for(tenant_a, report.pk, lambda r: r.progress >= 50, 120)
    assert (halfway.status, halfway.progress) == ("building", 50)

    workers.kill(slow)
    time.sleep(1)
    with scope(association=association.pk):
        assert MonthlyReport.objects.get(pk=report.pk).status == "building"

    workers.start()  # the unacknowledged task comes back after the 5 s visibility timeout
    built = wait_for(tenant_a, report.pk, lambda r: r.status != "building", 120)
    assert_complete(built)
    assert built.attempts == 2
    time.sleep(6)  # another redelivery, if any, must change nothing
    with scope(association=association.pk):
        rows = list(MonthlyReport.objects.filter(month=AUGUST, kind="recruitment"))
    assert [(r.pk, r.revision, r.status, r.checksum, r.attempts) for r in rows] == [
        (report.pk, 1, "draft", built.checksum, 2)
    ]
