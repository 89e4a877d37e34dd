"""Celery tasks of the city's monthly reports: load by id, call a service (reports/services.py).

The tasks keep the names they had when they lived in kpis/tasks.py (`name="kpis.tasks.…"`):
Celery finds a task by that string, and it is stored in messages already queued (a build is
acks-late, so one may wait in Redis across a deploy) and in django-celery-beat's PeriodicTask
rows. Renaming would drop such messages as unregistered and leave their revision `building`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone

from association.models import Association
from association.tasks import AssociationTask, for_each_association
from reports.services import (
    monthly_report_build,
    monthly_report_fail,
    monthly_reports_build_due,
    monthly_reports_requeue_stuck,
)

# weasyprint on a long report takes seconds to a minute; far beyond that something is stuck.
# The Redis visibility timeout (config/settings/celery.py) must stay above the hard limit, or a
# running build is handed to a second worker.
REPORT_SOFT_TIME_LIMIT = 10 * 60
REPORT_TIME_LIMIT = 12 * 60


class MonthlyReportBuildTask(AssociationTask):
    """After the last retry, the revision is marked failed and the officers are told."""

    abstract = True

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        report_id = (kwargs or {}).get("report_id")
        if report_id is not None:
            monthly_report_fail(report_id=report_id, error=f"{type(exc).__name__}: {exc}")
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(
    name="kpis.tasks.monthly_report_build_task",
    base=MonthlyReportBuildTask,
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    max_retries=3,
    retry_backoff=30,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    soft_time_limit=REPORT_SOFT_TIME_LIMIT,
    time_limit=REPORT_TIME_LIMIT,
)
def monthly_report_build_task(
    self: MonthlyReportBuildTask, *, association_id: int, report_id: int
) -> dict[str, Any]:
    """Build one report revision; safe to run twice (a built revision is left alone)."""
    report = monthly_report_build(report_id=report_id)
    return {"report_id": report.pk, "status": report.status, "checksum": report.checksum}


@shared_task(name="kpis.tasks.monthly_reports_due", base=AssociationTask)
def monthly_reports_due(*, association_id: int, today: str | None = None) -> int:
    """Request one association's reports of its last closed month, if not done yet."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return monthly_reports_build_due(today=day, association_ids=[association_id])


@shared_task(name="kpis.tasks.monthly_reports_due_all")
def monthly_reports_due_all(today: str | None = None) -> int:
    """Beat entry point (daily): one task per association."""
    return for_each_association(monthly_reports_due, today=today)


@shared_task(base=AssociationTask)
def monthly_reports_requeue_stuck_task(*, association_id: int) -> int:
    """Queue again one association's builds whose task was lost."""
    return monthly_reports_requeue_stuck(association=Association.objects.get(pk=association_id))


@shared_task
def monthly_reports_requeue_stuck_all() -> int:
    """Beat entry point (every 15 minutes): one task per association."""
    return for_each_association(monthly_reports_requeue_stuck_task)
