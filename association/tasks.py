"""The base for tenant tasks, the one way to queue a task, its outbox, and the mail task.

Tasks are queued from requests and services only through `enqueue_on_commit`: after the
commit, and when the broker is away, into `TaskOutbox`, from which `outbox_flush` queues them
once it is back (every minute from beat, and when a worker starts).
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task, current_app, shared_task
from celery.exceptions import Reject
from celery.signals import worker_ready
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django_scopes import scope, scopes_disabled
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from association.models import Association, TaskOutbox

logger = logging.getLogger(__name__)

# What apply_async raises when the broker cannot be reached.
BROKER_ERRORS = (OperationalError, RedisError, OSError)
# Bounded: a request's commit must not wait long on a broker that is away.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


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
    """Queue `task(**kwargs)` once the surrounding transaction commits (the one way to queue).

    Keyword arguments are JSON (ids, strings), never model instances. A broker that is away
    costs the request about a second and leaves a `TaskOutbox` row instead of an error.
    """
    transaction.on_commit(lambda: enqueue_now(task, **kwargs))


def enqueue_now(task: Task, **kwargs: Any) -> bool:
    """Queue now; False if the broker was away and the task waits in the outbox."""
    if task.app.conf.task_always_eager:  # inline (embedded default, tests): errors are the task's
        task.apply_async(kwargs=kwargs)
        return True
    try:
        # Nobody waits for these results: no result-backend subscription, which with Redis
        # away would block for 20 s and then break the process's result consumer.
        task.apply_async(kwargs=kwargs, ignore_result=True, retry_policy=PUBLISH_RETRY_POLICY)
    except BROKER_ERRORS as error:
        TaskOutbox.objects.create(
            association_id=kwargs.get("association_id"),
            task=task.name,
            kwargs=kwargs,
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning(
            "broker unavailable, task kept in the outbox",
            extra={"task": task.name, "association": kwargs.get("association_id")},
        )
        return False
    return True


def outbox_queue(*, limit: int = 1000) -> int:
    """Queue the outbox's tasks in order; returns how many were queued.

    Each row is locked (skip-locked, so a beat run and a starting worker never queue the same
    row), sent, and deleted in one transaction: a row is removed only once its task is in the
    broker. Stops at the first broker error; the rest waits for the next run.
    """
    queued = 0
    with scopes_disabled():
        ids = list(TaskOutbox.objects.order_by("pk").values_list("pk", flat=True)[:limit])
        for pk in ids:
            with transaction.atomic():
                row = TaskOutbox.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
                if row is None:
                    continue
                task = current_app.tasks.get(row.task)
                if task is None:
                    logger.error("outbox task unknown, dropped", extra={"task": row.task})
                    row.delete()
                    continue
                try:
                    # Inside the transaction on purpose: the task's own data committed long
                    # ago; only the row's deletion waits on the send.
                    task.apply_async(
                        kwargs=row.kwargs, ignore_result=True, retry_policy=PUBLISH_RETRY_POLICY
                    )
                except BROKER_ERRORS as error:
                    TaskOutbox.objects.filter(pk=pk).update(
                        attempts=row.attempts + 1, error=f"{type(error).__name__}: {error}"[:2000]
                    )
                    logger.warning("broker still away, outbox kept", extra={"left": len(ids)})
                    return queued
                row.delete()
                queued += 1
    if queued:
        logger.info("outbox queued", extra={"tasks": queued})
    return queued


@shared_task(name="association.tasks.outbox_flush")
def outbox_flush() -> int:
    """Beat entry point (every minute): queue what waits in the outbox."""
    return outbox_queue()


@worker_ready.connect
def _outbox_flush_on_worker_start(**_kwargs: Any) -> None:
    try:
        outbox_queue()
    except Exception:  # a worker must start even if the database is not there yet
        logger.exception("outbox flush at worker start failed")


def for_each_association(task: Task, **kwargs: Any) -> int:
    """Queue `task` once per association (the beat entry points' fan-out); returns how many."""
    ids = list(Association.objects.values_list("pk", flat=True))
    for association_id in ids:
        enqueue_now(task, association_id=association_id, **kwargs)
    return len(ids)


@shared_task(name="association.tasks.mail_send", bind=True)
def mail_send(
    self: Task,
    *,
    subject: str,
    body: str,
    to: list[str],
    from_email: str | None = None,
    html: str | None = None,
    reply_to: list[str] | None = None,
    association_id: int | None = None,
) -> int:
    """Send one rendered email; a mail server that is away is retried with back-off.

    Queued by `association.mail` (and the account adapter) on commit, so a request never talks
    to SMTP. Retries: MAIL_RETRY_SECONDS doubling to MAIL_RETRY_MAX_SECONDS, with jitter.
    """
    message = EmailMultiAlternatives(subject, body, from_email, to, reply_to=reply_to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        return message.send()
    except OSError as error:  # refused, reset, timed out, and every smtplib.SMTPException
        retries = self.request.retries
        countdown = min(settings.MAIL_RETRY_SECONDS * 2**retries, settings.MAIL_RETRY_MAX_SECONDS)
        countdown = countdown + random.uniform(0, countdown / 10)  # noqa: S311 - jitter only
        logger.warning(
            "mail server unavailable, retrying",
            extra={"association": association_id, "retries": retries, "countdown": countdown},
        )
        try:
            retry = self.retry(
                exc=error, countdown=countdown, max_retries=settings.MAIL_MAX_RETRIES, throw=False
            )
        except Reject:  # the broker is away too: the mail waits in the outbox, not lost
            TaskOutbox.objects.create(
                association_id=association_id,
                task=self.name,
                kwargs=dict(self.request.kwargs or {}),
                error=f"{type(error).__name__}: {error}"[:2000],
            )
            return 0
        raise retry from error


@shared_task(base=AssociationTask)
def import_job_apply(*, association_id: int, job_id: int) -> str:
    """Apply a spreadsheet kept in an ImportJob (association.import_jobs)."""
    from association.import_jobs import import_job_run
    from association.models import ImportJob

    job = import_job_run(job=ImportJob.objects.select_related("association", "user").get(pk=job_id))
    return job.status


@shared_task(name="association.tasks.idempotency_keys_purge")
def idempotency_keys_purge() -> int:
    """Beat entry point (hourly): delete API idempotency keys past their 24 hours."""
    from association.idempotency import idempotency_keys_purge as purge

    deleted = purge()
    if deleted:
        logger.info("idempotency keys purged", extra={"deleted": deleted})
    return deleted
