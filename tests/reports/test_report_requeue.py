"""A revision left `building` with no task anywhere (its message lost with a Redis that restarted
empty) is queued again: by an officer asking for it again, and by the beat's sweep. A build
still within its time is left alone, so an impatient second click does not build twice."""

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
        MonthlyReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - age)
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
