"""A revision left `building` with no task anywhere (its message lost with a Redis that restarted
empty, or its worker killed mid-build) is queued again: by an officer asking for it again, and
by the beat's sweep. A build still within its time, or one whose heartbeat is fresh, is left
alone, so an impatient second click does not build twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scope

from reports.models import MonthlyReport
from reports.services import (
    REPORT_STUCK_AFTER,
    monthly_report_request,
    monthly_reports_requeue_stuck,
)
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

AUGUST = date(2026, 8, 1)


def lost_build(tenant: Tenant, *, age: timedelta) -> MonthlyReport:
    """A `building` revision whose task never ran (nothing was queued for it)."""
    association = tenant.association
    with scope(association=association.pk):
        report = monthly_report_request(
            association=association, month=AUGUST, kind="retention", queue=False
        )
        MonthlyReport.objects.filter(pk=report.pk).update(
            created_at=timezone.now() - age, queued_at=timezone.now() - age
        )
    return report


def started_build(tenant: Tenant, *, silent_for: timedelta) -> MonthlyReport:
    """A `building` revision a worker started, whose last heartbeat is `silent_for` old."""
    report = lost_build(tenant, age=timedelta(minutes=1))
    beat = timezone.now() - silent_for
    with scope(association=tenant.association.pk):
        MonthlyReport.objects.filter(pk=report.pk).update(
            started_at=beat - timedelta(seconds=30), heartbeat_at=beat, progress=50, attempts=1
        )
    return report


def status(tenant: Tenant, report: MonthlyReport) -> str:
    with scope(association=tenant.association.pk):
        return MonthlyReport.objects.get(pk=report.pk).status


def test_an_officer_asking_again_rebuilds_a_report_stuck_in_building(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    report = lost_build(tenant_a, age=REPORT_STUCK_AFTER + timedelta(minutes=1))
    association = tenant_a.association
    with django_capture_on_commit_callbacks(execute=True), scope(association=association.pk):
        again = monthly_report_request(association=association, month=AUGUST, kind="retention")
    assert again.pk == report.pk  # the same revision, built now (eager task on commit)
    assert status(tenant_a, report) == "draft"


def test_a_build_within_its_time_is_not_queued_twice(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    report = lost_build(tenant_a, age=timedelta(minutes=1))
    association = tenant_a.association
    with django_capture_on_commit_callbacks() as queued, scope(association=association.pk):
        again = monthly_report_request(association=association, month=AUGUST, kind="retention")
    assert again.pk == report.pk and queued == []
    assert status(tenant_a, report) == "building"


def test_the_sweep_queues_stuck_builds_again(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    report = lost_build(tenant_a, age=REPORT_STUCK_AFTER + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly_reports_requeue_stuck(association=tenant_a.association) == 1
    assert status(tenant_a, report) == "draft"
    with django_capture_on_commit_callbacks() as queued:
        assert monthly_reports_requeue_stuck(association=tenant_a.association) == 0
    assert queued == []


def test_a_started_build_whose_heartbeat_stopped_is_queued_again_within_a_minute(
    tenant_a: Tenant,
    django_capture_on_commit_callbacks: Callable[..., Any],
    settings: Any,
) -> None:
    """A killed worker's build (its heartbeat stopped) is queued again once the heartbeat is
    REPORT_BUILD_STALE_SECONDS old, not after REPORT_STUCK_AFTER nor the visibility timeout."""
    settings.REPORT_BUILD_STALE_SECONDS = 60
    alive = started_build(tenant_a, silent_for=timedelta(seconds=20))
    with django_capture_on_commit_callbacks() as queued:
        assert monthly_reports_requeue_stuck(association=tenant_a.association) == 0
    assert queued == [] and status(tenant_a, alive) == "building"

    with scope(association=tenant_a.association.pk):
        MonthlyReport.objects.filter(pk=alive.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=61)
        )
    with django_capture_on_commit_callbacks() as queued:
        assert monthly_reports_requeue_stuck(association=tenant_a.association) == 1
    assert len(queued) == 1
    with scope(association=tenant_a.association.pk):
        again = MonthlyReport.objects.get(pk=alive.pk)
    # Queued again (not started, progress reset): the next sweep leaves it to its new task.
    assert (again.status, again.started_at, again.progress) == ("building", None, 0)
    with django_capture_on_commit_callbacks() as queued:
        assert monthly_reports_requeue_stuck(association=tenant_a.association) == 0
    assert queued == []


def test_the_build_marks_its_start_and_heartbeat_and_a_failed_attempt_waits_queued(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build records when it started; an attempt that raised goes back to queued for its
    retry, so the sweep does not take a failing build for a dead worker's."""
    from reports import services

    report = lost_build(tenant_a, age=timedelta(minutes=1))

    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("figures unavailable")

    monkeypatch.setattr(services, "report_content", broken)
    with pytest.raises(RuntimeError):
        services.monthly_report_build(report_id=report.pk)
    with scope(association=tenant_a.association.pk):
        failed_once = MonthlyReport.objects.get(pk=report.pk)
    assert (failed_once.status, failed_once.attempts, failed_once.started_at) == (
        "building",
        1,
        None,
    )
    monkeypatch.undo()
    built = services.monthly_report_build(report_id=report.pk)
    assert built.status == "draft" and built.attempts == 2
    assert built.started_at is not None and built.heartbeat_at is not None


def test_the_visibility_timeout_outlasts_every_unacknowledged_hold(settings: Any) -> None:
    """Redis hands a task out again once it is unacknowledged for the visibility timeout; a
    task with a countdown is held unacknowledged until due, then runs. Shorter than the
    longest hold, and a mail retry or a report build would run twice."""
    from reports.tasks import REPORT_TIME_LIMIT, monthly_report_build_task

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility == settings.CELERY_VISIBILITY_TIMEOUT
    mail_hold = settings.MAIL_RETRY_MAX_SECONDS * 1.1 + settings.CELERY_TASK_TIME_LIMIT
    report_hold = getattr(monthly_report_build_task, "retry_backoff_max") + REPORT_TIME_LIMIT  # noqa: B009
    assert visibility > max(mail_hold, report_hold)
    # ... and a killed build does not wait for it: stale + sweep are minutes.
    assert settings.REPORT_BUILD_STALE_SECONDS + settings.REPORT_SWEEP_SECONDS <= 3 * 60
    assert settings.REPORT_BUILD_HEARTBEAT_SECONDS * 3 <= settings.REPORT_BUILD_STALE_SECONDS
