"""Spreadsheets applied in the background: start a job, run it in a Celery task, follow it.

A file with more rows than `settings.SPREADSHEET_BACKGROUND_ROWS` is not applied inside the
request: `import_job_start` keeps it in an `ImportJob` and queues `import_job_apply` on commit
(inline when no broker is configured). The task calls the importer's `apply`, which is one
transaction: a failure leaves nothing saved and the job keeps the errors. While it runs, how
far it is goes to the cache, since the job's own row cannot show what an open transaction
does.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from association.models import Association, ImportJob, ImportJobStatus
from core.spreadsheets import ApplyOptions, Importer, ImportRun

logger = logging.getLogger(__name__)

PROGRESS_TIMEOUT_SECONDS = 60 * 60


def _progress_key(job_id: int) -> str:
    return f"import-job-progress:{job_id}"


def import_job_start(
    *,
    association: Association,
    user: Any,
    importer: Importer,
    data: bytes,
    filename: str,
    rows: int,
    context: dict[str, Any],
    options: ApplyOptions,
) -> ImportJob:
    """Keep the file in a new job and queue its apply once the job is committed."""
    from association.tasks import enqueue_on_commit, import_job_apply

    job = ImportJob.objects.create(
        association=association,
        user=user,
        kind=importer.kind,
        importer=importer.path(),
        filename=filename,
        data=data,
        rows=rows,
        context=context,
        options=dict(options),
        language=translation.get_language() or "",
    )
    enqueue_on_commit(import_job_apply, association_id=association.pk, job_id=job.pk)
    return job


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Apply the job's file through its importer; record done (with counts) or failed.

    A job that already finished is left alone (a task delivered twice does no harm). The
    apply is the importer's own transaction: when it raises, nothing of the file is saved.
    """
    if job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED):
        return job
    with translation.override(job.language or None):
        _run(job)
    return job


def _run(job: ImportJob) -> None:
    importer: Importer = import_string(job.importer)()
    job.status = ImportJobStatus.RUNNING
    job.save(update_fields=["status"])
    cache.set(_progress_key(job.pk), (0, 0), PROGRESS_TIMEOUT_SECONDS)

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(job.pk), (done, total), PROGRESS_TIMEOUT_SECONDS)

    options: ApplyOptions = {
        "fingerprint": job.options.get("fingerprint"),
        "confirm": bool(job.options.get("confirm")),
    }
    try:
        plan = importer.apply(
            ImportRun(
                association=job.association,
                user=job.user,
                data=bytes(job.data),
                filename=job.filename,
                context=job.context,
                options=options,
                progress=progress,
            )
        )
    except ValidationError as error:
        _finish(job, status=ImportJobStatus.FAILED, errors=error.messages)
    except Exception:
        logger.exception("import job failed", extra={"job": job.pk, "kind": job.kind})
        _finish(
            job,
            status=ImportJobStatus.FAILED,
            errors=[_("The file could not be applied because of an internal error.")],
        )
        raise
    else:
        _finish(job, status=ImportJobStatus.DONE, counts=plan.counts)


def _finish(
    job: ImportJob,
    *,
    status: str,
    errors: list[str] | None = None,
    counts: dict[str, int] | None = None,
) -> None:
    job.status = status
    job.errors = errors or []
    job.counts = counts or {}
    job.data = b""  # the file is not kept once it was applied or refused
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "counts", "data", "finished_at"])
    cache.delete(_progress_key(job.pk))


def import_job_progress(job: ImportJob) -> tuple[int, int]:
    """(done, total) entries of a job: all of them once done, (0, 0) when not known yet."""
    if job.status == ImportJobStatus.DONE:
        total = sum(job.counts.values())
        return total, total
    if job.status == ImportJobStatus.RUNNING:
        done, total = cache.get(_progress_key(job.pk)) or (0, 0)
        return int(done), int(total)
    return 0, 0


def import_job_for(*, user: Any, kind: str, job_id: int | None) -> ImportJob | None:
    """The user's job of this kind (given its id), or their latest; 404 for anyone else's.

    Runs inside the association's scope, so another association's job is never found.
    """
    jobs = ImportJob.objects.filter(user=user, kind=kind).defer("data")
    if job_id is None:
        return jobs.order_by("-created_at", "-pk").first()
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job
