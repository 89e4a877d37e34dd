"""Monthly city reports: request, build (idempotent), publish, beat catch-up, the command.

Tasks run inline here (eager Celery); tests/reports/test_report_build_worker.py uses real workers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import pytest
from celery import current_app
from django.core import mail
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from reports import render
from reports.models import MonthlyReport
from reports.services import (
    PublishedReportError,
    monthly_report_build,
    monthly_report_publish,
    monthly_report_request,
    monthly_reports_build_due,
)
from reports.tasks import monthly_report_build_task
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

AUGUST = date(2026, 8, 1)
SEPTEMBER = date(2026, 9, 1)  # due on 13 October 2026 (the 10th is a Saturday, the 12th a holiday)


def file_bytes(report: MonthlyReport) -> bytes:
    with report.pdf.open("rb") as pdf, report.xlsx.open("rb") as xlsx:
        return bytes(pdf.read()) + bytes(xlsx.read())


def request_built(tenant: Tenant, capture: Callable[..., Any], **kwargs: Any) -> MonthlyReport:
    """Request a report and run what was queued on commit (the eager build task)."""
    association = tenant.association
    with capture(execute=True), scope(association=association.pk):
        report = monthly_report_request(association=association, **kwargs)
    with scope(association=association.pk):
        return MonthlyReport.objects.get(pk=report.pk)


def test_a_request_is_built_once_and_a_second_run_changes_nothing(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    report = request_built(
        tenant_a, django_capture_on_commit_callbacks, month=AUGUST, kind="recruitment"
    )
    assert (report.status, report.revision, report.progress, report.attempts) == (
        "draft",
        1,
        100,
        1,
    )
    assert report.pdf and report.xlsx and report.pdf_pages and report.pdf_pages > 0
    assert report.checksum == hashlib.sha256(file_bytes(report)).hexdigest()
    assert report.data is not None and report.built_at is not None

    # The task delivered again (acks late) and the service called again: nothing changes.
    monthly_report_build_task.apply(
        kwargs={"association_id": tenant_a.association.pk, "report_id": report.pk}
    ).get()
    again = monthly_report_build(report_id=report.pk)
    with scope(association=tenant_a.association.pk):
        rows = list(MonthlyReport.objects.filter(month=AUGUST, kind="recruitment"))
    assert [(r.pk, r.status, r.checksum, r.attempts) for r in rows] == [
        (report.pk, "draft", report.checksum, 1)
    ]
    assert (again.pdf.name, again.built_at) == (report.pdf.name, report.built_at)


def test_a_building_revision_is_returned_and_a_draft_is_replaced(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    association = tenant_a.association
    with scope(association=association.pk):
        building = monthly_report_request(
            association=association, month=AUGUST, kind="retention", queue=False
        )
        same = monthly_report_request(association=association, month=AUGUST, kind="retention")
    assert (same.pk, same.status) == (building.pk, "building")
    draft = monthly_report_build(report_id=building.pk)
    assert draft.status == "draft"
    old_files = [draft.pdf.name, draft.xlsx.name]

    replaced = request_built(
        tenant_a, django_capture_on_commit_callbacks, month=AUGUST, kind="retention"
    )
    assert (replaced.revision, replaced.status) == (2, "draft")
    with scope(association=association.pk):
        assert not MonthlyReport.objects.filter(pk=draft.pk).exists()
    assert not any(draft.pdf.storage.exists(name) for name in old_files)


def test_publishing_freezes_a_revision_and_a_rebuild_makes_the_next_one(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    association = tenant_a.association
    first = request_built(
        tenant_a, django_capture_on_commit_callbacks, month=AUGUST, kind="recruitment"
    )
    published = monthly_report_publish(report=first, by=tenant_a.users["officer"])
    assert published.status == "published" and published.published_at is not None
    with pytest.raises(PublishedReportError):
        monthly_report_publish(report=published, by=tenant_a.users["officer"])
    assert monthly_report_build(report_id=first.pk).checksum == first.checksum

    second = request_built(
        tenant_a, django_capture_on_commit_callbacks, month=AUGUST, kind="recruitment"
    )
    assert (second.revision, second.status) == (2, "draft")
    with scope(association=association.pk):
        kept = MonthlyReport.objects.get(pk=first.pk)
    assert (kept.status, kept.revision, kept.checksum, kept.pdf.name, kept.built_at) == (
        "published",
        1,
        first.checksum,
        first.pdf.name,
        first.built_at,
    )
    assert hashlib.sha256(file_bytes(kept)).hexdigest() == first.checksum
    with pytest.raises(PublishedReportError):  # building → published is refused too
        with scope(association=association.pk):
            building = monthly_report_request(
                association=association, month=AUGUST, kind="retention", queue=False
            )
        monthly_report_publish(report=building, by=tenant_a.users["officer"])


def test_beat_requests_last_month_only_after_its_deadline_and_once(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with scopes_disabled():
        MonthlyReport.objects.all().delete()  # the tenants' fixture draft

    def september() -> list[tuple[str, str, int]]:
        with scopes_disabled():
            return sorted(
                MonthlyReport.objects.filter(month=SEPTEMBER).values_list(
                    "association__slug", "kind", "revision"
                )
            )

    assert monthly_reports_build_due(today=date(2026, 10, 12)) == 4  # August, never built
    assert monthly_reports_build_due(today=date(2026, 10, 13)) == 0  # September's deadline day
    assert september() == []
    assert monthly_reports_build_due(today=date(2026, 10, 14)) == 4
    assert september() == [
        ("alpha", "recruitment", 1),
        ("alpha", "retention", 1),
        ("beta", "recruitment", 1),
        ("beta", "retention", 1),
    ]
    assert monthly_reports_build_due(today=date(2026, 10, 14)) == 0
    assert monthly_reports_build_due(today=date(2026, 11, 1)) == 0
    with scopes_disabled():
        assert MonthlyReport.objects.count() == 8


def test_the_command_builds_one_association_and_period(tenant_a: Tenant, tenant_b: Tenant) -> None:
    out = StringIO()
    call_command(
        "build_monthly_reports",
        "--association",
        "alpha",
        "--period",
        "2026-08",
        "--sync",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert all(line.startswith("alpha 2026-08 ") and ": draft in " in line for line in lines)
    assert all("pages" in line and "bytes" in line for line in lines)
    with scopes_disabled():
        built = list(
            MonthlyReport.objects.filter(month=AUGUST).values_list(
                "association__slug", "kind", "status"
            )
        )
    assert sorted(built) == [("alpha", "recruitment", "draft"), ("alpha", "retention", "draft")]


def test_a_build_that_keeps_failing_stops_and_tells_the_officers(
    tenant_a: Tenant,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(render, "render_pdf", broken)
    association = tenant_a.association
    with scope(association=association.pk):
        report = monthly_report_request(
            association=association, month=AUGUST, kind="retention", queue=False
        )
    # Inline, retries run at once (countdowns ignored); a worker does not propagate errors.
    propagates = current_app.conf.task_eager_propagates
    current_app.conf.task_eager_propagates = False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = monthly_report_build_task.apply(
                kwargs={"association_id": association.pk, "report_id": report.pk}
            )
    finally:
        current_app.conf.task_eager_propagates = propagates
    assert result.failed()
    with scope(association=association.pk):
        report = MonthlyReport.objects.get(pk=report.pk)
    assert report.status == "failed"
    assert report.attempts == 4  # the first run and three retries
    assert "renderer broke" in report.error
    assert not report.pdf and not report.checksum
    assert [message.to for message in mail.outbox] == [[tenant_a.users["officer"].email]]
    assert "renderer broke" in mail.outbox[0].body


def test_tasks_keep_the_names_beat_rows_and_queued_messages_hold(settings: Any) -> None:
    """The tasks moved to reports/tasks.py under their kpis.tasks.* names: PeriodicTask rows
    and messages already in Redis name them so."""
    from config.celery import app
    from reports.tasks import monthly_reports_due, monthly_reports_due_all

    beat = settings.CELERY_BEAT_SCHEDULE["kpis-monthly-reports"]["task"]
    assert beat == monthly_reports_due_all.name == "kpis.tasks.monthly_reports_due_all"
    assert monthly_reports_due.name == "kpis.tasks.monthly_reports_due"
    assert monthly_report_build_task.name == "kpis.tasks.monthly_report_build_task"
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    for name in (beat, monthly_reports_due.name, monthly_report_build_task.name):
        assert app.tasks[name].__module__ == "reports.tasks"
