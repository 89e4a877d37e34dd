"""The base for tenant tasks: called with an association id, run inside that association's scope."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import transaction
from django_scopes import scope

from association.models import Association


class AssociationTask(Task):
    """Every tenant task takes `association_id` as a keyword and runs inside its scope.

    Arguments are ids, never model instances; queue with `enqueue_on_commit` so a task never
    sees a transaction that has not committed yet.
    """

    abstract = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        association_id = kwargs.get("association_id")
        if association_id is None:
            raise TypeError(f"{self.name} needs association_id=")
        association = Association.objects.get(pk=association_id)
        with scope(association=association.pk):
            return super().__call__(*args, **kwargs)


def enqueue_on_commit(task: Task, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))


def for_each_association(task: Task, **kwargs: Any) -> int:
    """Queue `task` once per association (the beat entry points' fan-out); returns how many."""
    ids = list(Association.objects.values_list("pk", flat=True))
    for association_id in ids:
        task.apply_async(kwargs={"association_id": association_id, **kwargs})
    return len(ids)


@shared_task(base=AssociationTask)
def import_job_apply(*, association_id: int, job_id: int) -> str:
    """Apply a spreadsheet kept in an ImportJob (association.import_jobs)."""
    from association.import_jobs import import_job_run
    from association.models import ImportJob

    job = import_job_run(job=ImportJob.objects.select_related("association", "user").get(pk=job_id))
    return job.status
