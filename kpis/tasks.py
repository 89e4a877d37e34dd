"""Celery tasks of the staffing KPIs: load by id, call a service."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from association.models import Association
from association.tasks import AssociationTask, for_each_association
from kpis.aggregates import kpi_aggregates_rebuild
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


@shared_task(base=AssociationTask, bind=True, max_retries=3)
def kpi_aggregates_rebuild_task(self: AssociationTask, *, association_id: int) -> int:
    """Recompute one association's KPI aggregates from its filings (after a bulk import or a
    repair); returns the number of aggregate rows."""
    return kpi_aggregates_rebuild(association_id=association_id)
