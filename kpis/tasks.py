"""Celery tasks of the staffing KPIs: load by id, call a service."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from django.utils import timezone

from association.models import Association
from association.tasks import AssociationTask, for_each_association
from kpis.reminders import filing_reminders_send


@shared_task(base=AssociationTask, bind=True, max_retries=3)
def filing_reminders(
    self: AssociationTask, *, association_id: int, today: str | None = None
) -> int:
    """Remind one association's offices that have not filed (`today`: ISO date, for tests)."""
    association = Association.objects.get(pk=association_id)
    try:
        return filing_reminders_send(
            association=association, today=date.fromisoformat(today) if today else None
        )
    except OSError as error:  # the mail server is away: the reminder rows are not written
        raise self.retry(exc=error, countdown=300) from error


@shared_task
def filing_reminders_all(today: str | None = None) -> int:
    """Beat entry point (daily): one reminder task per association."""
    return for_each_association(filing_reminders, today=today)


# --- Monthly reports for the city (kpis/report_build.py) ---------------------------------

# weasyprint on a long report takes seconds to a minute; far beyond that something is stuck.
# The Redis visibility timeout (config/settings/celery.py) must stay above the hard limit, or a
# running build is handed to a second worker.
REPORT_SOFT_TIME_LIMIT = 10 * 60
REPORT_TIME_LIMIT = 12 * 60


class MonthlyReportBuildTask(AssociationTask):
    """After the last retry, the revision is marked failed and the officers are told."""

    abstract = True

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        from kpis.report_build import monthly_report_fail

        report_id = (kwargs or {}).get("report_id")
        if report_id is not None:
            monthly_report_fail(report_id=report_id, error=f"{type(exc).__name__}: {exc}")
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(
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
    from kpis.report_build import monthly_report_build

    report = monthly_report_build(report_id=report_id)
    return {"report_id": report.pk, "status": report.status, "checksum": report.checksum}


@shared_task(base=AssociationTask)
def monthly_reports_due(*, association_id: int, today: str | None = None) -> int:
    """Request one association's reports of its last closed month, if not done yet."""
    from kpis.report_build import monthly_reports_build_due

    day = date.fromisoformat(today) if today else timezone.localdate()
    return monthly_reports_build_due(today=day, association_ids=[association_id])


@shared_task
def monthly_reports_due_all(today: str | None = None) -> int:
    """Beat entry point (daily): one task per association."""
    ids = list(Association.objects.values_list("pk", flat=True))
    for association_id in ids:
        monthly_reports_due.apply_async(kwargs={"association_id": association_id, "today": today})
    return len(ids)
