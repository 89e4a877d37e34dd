"""Which Celery queue a task goes to: slow work (reports, imports, rebuilds, purges) on one,
quick work (mail, reminders, digests, sweeps) on the other, so a long build never delays a
password-reset email. Each worker names the queue it consumes (bin/worker-slow,
bin/worker-quick); see config/settings/celery.py for the queue names.

A function rather than a static table: it reads the queue names from the settings when a task
is sent, so the tests can point both kinds at queues of their own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# By task name (the string in the message, see reports/tasks.py for why some keep old names).
SLOW_TASKS = frozenset(
    {
        "kpis.tasks.monthly_report_build_task",
        "association.tasks.import_job_apply",
        "kpis.tasks.kpi_aggregates_rebuild_task",
        "members.tasks.personal_data_purge",
        "events.tasks.registrations_purge",
        "recruitment.tasks.applications_purge",
    }
)


def queue_kind(name: str) -> str:
    """'slow' or 'quick': anything not named slow is quick (mail must never wait)."""
    return "slow" if name in SLOW_TASKS else "quick"


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str] | None:
    """Celery router: {'queue': …}, or None (the default queue) when the setting is empty."""
    slow = queue_kind(name) == "slow"
    queue = settings.CELERY_SLOW_QUEUE if slow else settings.CELERY_QUICK_QUEUE
    return {"queue": queue} if queue else None
