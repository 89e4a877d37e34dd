"""Monthly reports for the city: request, build, publish, and the beat's catch-up.

A report is a `MonthlyReport` row per association, month, kind and revision. Life of a revision:

    building ──build──▶ draft ──publish──▶ published   (never changes again)
        └──(last retry failed)──▶ failed

- `monthly_report_request` returns the open revision (building) or makes a new one; a draft
  that is requested again is *replaced*: its row and files are deleted and a new building
  revision with the next number takes its place. Drafts are never seen by the city and are
  rebuilt from filings, so nothing is lost; revision numbers are never reused (a gap in the
  numbers is a draft that was replaced), so "r3" always means the same files. The model has no
  "superseded" status and the partial unique constraint allows one open revision only.
- `monthly_report_build` is the task body. It is safe to run twice and to be killed: all the
  work happens before one short transaction at the end, which writes the files, the figures
  and the status together, and only if the row is still `building` (locked). A killed worker
  leaves the row `building` (perhaps with an orphan file in storage, never referenced), and
  the redelivered task builds it from scratch.
- Progress (0–100) is written in its own autocommitted updates so the pages see it; while a
  build runs, a thread of the worker writes `heartbeat_at` every REPORT_BUILD_HEARTBEAT_SECONDS.
- A `building` revision is *queued* until a worker starts it (`started_at`). The beat's sweep
  (`monthly_reports_requeue_stuck`, every REPORT_SWEEP_SECONDS) queues again a started build
  whose heartbeat is older than REPORT_BUILD_STALE_SECONDS (its worker was killed: the message
  would otherwise wait for the broker's visibility timeout) and a queued one not started within
  `REPORT_STUCK_AFTER` (its message was lost). A live long build keeps beating and is left alone.

Test hook: the environment variable `RENKEI_REPORT_BUILD_PAUSE` (seconds, default 0) makes the
build sleep after reaching 50 % progress, so a test can kill the worker in the middle.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import scope, scopes_disabled

from association.mail import send_templated_mail
from association.models import Association
from association.tasks import enqueue_on_commit
from core.calendar import last_closed_month, month_start, wareki_month
from kpis.models import KpiSettings
from kpis.selectors import kpi_settings
from reports import render
from reports.content import report_content, suppress
from reports.models import MonthlyReport, MonthlyReportStatus, ReportKind

logger = logging.getLogger(__name__)

OPEN_STATUSES = (MonthlyReportStatus.BUILDING, MonthlyReportStatus.DRAFT)
PAUSE_ENV = "RENKEI_REPORT_BUILD_PAUSE"
# A queued build not started for this long has lost its message (a Redis that restarted empty)
# and is queued again; long enough for a queue of builds ahead of it.
REPORT_STUCK_AFTER = timedelta(minutes=20)


class PublishedReportError(ValidationError):
    """A published revision, or one that is not a draft, cannot be changed or published."""


def _lock_month(association: Association) -> None:
    """Serialise requests of one association (the same lock the reminders take)."""
    kpi_settings(association_id=association.pk)
    KpiSettings.objects.select_for_update().get(association=association)


def _delete_files(report: MonthlyReport) -> None:
    names = [field.name for field in (report.pdf, report.xlsx) if field]
    storage = report.pdf.storage

    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


def monthly_report_request(
    *,
    association: Association,
    month: date,
    kind: str,
    user: Any = None,
    queue: bool = True,
) -> MonthlyReport:
    """The revision being built for `month` and `kind`, or a new one, built after the commit.

    A draft is replaced by a new building revision (see the module's doc). `queue=False` leaves
    the building row for the caller to build inline (`build_monthly_reports --sync`).
    """
    month = month_start(month)
    if kind not in ReportKind.values:
        raise ValueError(f"unknown report kind {kind!r}")
    with scope(association=association.pk), transaction.atomic():
        _lock_month(association)
        revisions = MonthlyReport.objects.filter(association=association, month=month, kind=kind)
        # Locked: a publish of this draft waits, and then this sees it published.
        current = revisions.select_for_update().filter(status__in=OPEN_STATUSES).first()
        if current is not None and current.status == MonthlyReportStatus.BUILDING:
            if queue and _is_stuck(current):
                _requeue(current)  # nobody works on it: an officer's request builds it
                current.refresh_from_db()
            return current
        last = revisions.aggregate(last=Max("revision"))["last"] or 0
        if current is not None:  # a draft: replaced
            _delete_files(current)
            current.delete()
        report = MonthlyReport.objects.create(
            association=association,
            month=month,
            kind=kind,
            revision=last + 1,
            status=MonthlyReportStatus.BUILDING,
            queued_at=timezone.now(),
            requested_by=user if user is not None and user.is_authenticated else None,
        )
        if queue:
            _queue_build(report)
        logger.info(
            "monthly report requested",
            extra={
                "association": association.pk,
                "month": f"{month:%Y-%m}",
                "kind": kind,
                "revision": report.revision,
            },
        )
        return report


def _queue_build(report: MonthlyReport) -> None:
    from reports.tasks import monthly_report_build_task

    if not settings.REDIS_URL and monthly_report_build_task.app.conf.task_always_eager:
        # No broker (the embedded `make run`): built beside the request, not inside it.
        report_id = report.pk
        transaction.on_commit(lambda: _build_in_thread(report_id))
        return
    enqueue_on_commit(
        monthly_report_build_task, association_id=report.association_id, report_id=report.pk
    )


# One build at a time in a process without a broker (weasyprint is not shared across threads).
_INLINE_BUILDS = threading.Lock()


def _build_in_thread(report_id: int) -> None:
    """The task body in a thread of this process, after the commit, so the officer's request
    returns at once. Not a daemon: `build_monthly_reports` waits for it before exiting."""

    def run() -> None:
        try:
            with _INLINE_BUILDS:
                try:
                    monthly_report_build(report_id=report_id)
                except Exception as error:
                    logger.exception("monthly report build failed", extra={"report": report_id})
                    monthly_report_fail(
                        report_id=report_id, error=f"{type(error).__name__}: {error}"
                    )
        finally:
            connection.close()

    threading.Thread(target=run, name=f"report-{report_id}-build").start()


def _stuck(reports: QuerySet[MonthlyReport]) -> QuerySet[MonthlyReport]:
    """`building` revisions nobody works on: started but silent for REPORT_BUILD_STALE_SECONDS
    (the worker was killed), or queued and not started within REPORT_STUCK_AFTER (lost)."""
    now = timezone.now()
    silent = now - timedelta(seconds=settings.REPORT_BUILD_STALE_SECONDS)
    return (
        reports.filter(status=MonthlyReportStatus.BUILDING)
        .annotate(queued=Coalesce("queued_at", "created_at"))
        .filter(
            Q(started_at__isnull=False, heartbeat_at__lt=silent)
            | Q(started_at__isnull=True, queued__lt=now - REPORT_STUCK_AFTER)
        )
    )


def _is_stuck(report: MonthlyReport) -> bool:
    return _stuck(MonthlyReport.objects.filter(pk=report.pk)).exists()


def _mark_queued(report_id: int) -> None:
    """Back to queued: the sweep next looks at it after REPORT_STUCK_AFTER, not at once."""
    MonthlyReport.objects.filter(pk=report_id, status=MonthlyReportStatus.BUILDING).update(
        queued_at=timezone.now(), started_at=None, heartbeat_at=None, progress=0
    )


def _requeue(report: MonthlyReport) -> None:
    """A new task for a build nobody works on, marked queued so the next sweep leaves it."""
    _mark_queued(report.pk)
    _queue_build(report)


def monthly_reports_requeue_stuck(*, association: Association) -> int:
    """Queue again the builds nobody works on (`_stuck`); returns how many.

    Safe whatever happened: if the old task still runs or comes back later, the first run to
    finish writes the revision and the other finds it built and does nothing (one revision).
    Tasks that could not be queued at all wait in the outbox (association.tasks), not here.
    """
    with scope(association=association.pk), transaction.atomic():
        stuck = list(_stuck(MonthlyReport.objects.all()).select_for_update(of=("self",)))
        for report in stuck:
            logger.warning(
                "monthly report stuck in building, queued again",
                extra={
                    "association": association.pk,
                    "report": report.pk,
                    "started_at": report.started_at.isoformat() if report.started_at else None,
                },
            )
            _requeue(report)
    return len(stuck)


def _progress(report_id: int, percent: int) -> None:
    """Its own short write (autocommit outside a transaction), visible to the pages."""
    MonthlyReport.objects.filter(pk=report_id, status=MonthlyReportStatus.BUILDING).update(
        progress=percent, heartbeat_at=timezone.now()
    )


@contextmanager
def _heartbeat(report_id: int) -> Iterator[None]:
    """While the block runs, a thread writes `heartbeat_at` every few seconds (its own
    connection, autocommit), so the sweep sees this build is alive however long a step takes.
    A SIGKILLed worker stops beating with everything else."""
    stop = threading.Event()
    interval = settings.REPORT_BUILD_HEARTBEAT_SECONDS

    def beat() -> None:
        try:
            while not stop.wait(interval):
                with scopes_disabled():
                    MonthlyReport.objects.filter(
                        pk=report_id, status=MonthlyReportStatus.BUILDING
                    ).update(heartbeat_at=timezone.now())
        except Exception:  # a database hiccup: the build goes on, the sweep may re-queue it
            logger.exception("monthly report heartbeat failed", extra={"report": report_id})
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"report-{report_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def _pause_for_tests() -> None:
    seconds = float(os.environ.get(PAUSE_ENV) or 0)
    if seconds > 0:
        time.sleep(seconds)


def _file_name(report: MonthlyReport, extension: str) -> str:
    # Not guessable: the files are only served through permission-checked views anyway.
    return (
        f"{report.association.slug}-{report.month:%Y-%m}-{report.kind}-r{report.revision}-"
        f"{secrets.token_hex(8)}.{extension}"
    )


def monthly_report_build(*, report_id: int) -> MonthlyReport:
    """Build one revision: figures, the city's PDF and XLSX, checksum; `building` → `draft`.

    A revision that is no longer `building` (built by an earlier run, published, failed) is
    returned untouched, so running the task twice builds once.
    """
    with scopes_disabled():
        report = MonthlyReport.objects.select_related("association").get(pk=report_id)
    association = report.association
    with scope(association=association.pk):
        if report.status != MonthlyReportStatus.BUILDING:
            return report
        now = timezone.now()
        MonthlyReport.objects.filter(pk=report_id).update(
            attempts=report.attempts + 1, progress=5, started_at=now, heartbeat_at=now
        )
        started = time.monotonic()
        try:
            with _heartbeat(report_id):
                content = report_content(
                    association=association, month=report.month, kind=report.kind
                )
                # The snapshot is stored as JSON: dates and decimals become strings.
                data = json.loads(json.dumps(content, cls=DjangoJSONEncoder))
                _progress(report_id, 25)
                city = suppress(content, threshold=association.suppression_threshold)
                pdf_bytes, pages = render.render_pdf(city, association_name=association.name)
                _progress(report_id, 50)
                _pause_for_tests()
                xlsx_bytes = render.render_xlsx(city)
                _progress(report_id, 90)
        except Exception:
            # Celery retries it after a back-off: queued again meanwhile, not a dead worker's
            # build for the sweep to re-queue at once.
            _mark_queued(report_id)
            raise
        checksum = hashlib.sha256(pdf_bytes + xlsx_bytes).hexdigest()

        written: list[str] = []
        try:
            with transaction.atomic():
                locked = MonthlyReport.objects.select_for_update().get(pk=report_id)
                if locked.status != MonthlyReportStatus.BUILDING:
                    return locked  # a concurrent run finished first
                locked.pdf.save(_file_name(locked, "pdf"), ContentFile(pdf_bytes), save=False)
                written.append(locked.pdf.name)
                locked.xlsx.save(_file_name(locked, "xlsx"), ContentFile(xlsx_bytes), save=False)
                written.append(locked.xlsx.name)
                locked.data = data
                locked.checksum = checksum
                locked.pdf_pages = pages
                locked.status = MonthlyReportStatus.DRAFT
                locked.progress = 100
                locked.error = ""
                locked.built_at = timezone.now()
                locked.save()
        except BaseException:
            for name in written:  # the row does not point at them: no half report
                report.pdf.storage.delete(name)
            raise
        logger.info(
            "monthly report built",
            extra={
                "association": association.pk,
                "report": report_id,
                "seconds": round(time.monotonic() - started, 2),
                "pages": pages,
                "pdf_bytes": len(pdf_bytes),
                "xlsx_bytes": len(xlsx_bytes),
            },
        )
        return locked


def monthly_report_fail(*, report_id: int, error: str) -> MonthlyReport:
    """The last attempt failed: `building` → `failed`, the error kept, the officers told once."""
    from members.services import officer_emails

    with scopes_disabled():
        report = MonthlyReport.objects.select_related("association").get(pk=report_id)
    association = report.association
    with scope(association=association.pk), transaction.atomic():
        locked = MonthlyReport.objects.select_for_update().get(pk=report_id)
        if locked.status != MonthlyReportStatus.BUILDING:
            return locked
        locked.status = MonthlyReportStatus.FAILED
        locked.error = error[:10_000]
        locked.save(update_fields=["status", "error"])
        send_templated_mail(
            template="reports/email/failed",
            context={
                "association": association,
                "report": locked,
                "kind": locked.get_kind_display(),
                "month": wareki_month(locked.month),
                "month_iso": f"{locked.month:%Y-%m}",
                "error": error.strip().splitlines()[-1] if error.strip() else "",
            },
            to=officer_emails(),
        )
        logger.error(
            "monthly report failed",
            extra={"association": association.pk, "report": report_id, "error": error[:500]},
        )
        return locked


def monthly_report_publish(*, report: MonthlyReport, by: Any) -> MonthlyReport:
    """Draft → published. A published revision never changes; anything else is refused."""
    with scope(association=report.association_id), transaction.atomic():
        locked = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != MonthlyReportStatus.DRAFT:
            raise PublishedReportError(
                _("Only a draft can be published (this revision is %(status)s).")
                % {"status": locked.get_status_display()},
                code="not_draft",
            )
        locked.status = MonthlyReportStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.published_by = by
        locked.save(update_fields=["status", "published_at", "published_by"])
        return locked


def monthly_reports_build_due(*, today: date, association_ids: list[int] | None = None) -> int:
    """Beat: request both reports of each association's last closed month, once.

    The last closed month is the latest whose filing deadline (`deadline_for`) is over on
    `today`. A month that already has any revision (even failed: officers rebuild by hand) is
    left alone. Returns how many reports were requested.
    """
    with scopes_disabled():
        associations = Association.objects.order_by("pk")
        if association_ids is not None:
            associations = associations.filter(pk__in=association_ids)
        associations_list = list(associations)
    requested = 0
    for association in associations_list:
        with scope(association=association.pk), transaction.atomic():
            deadline_day = kpi_settings(association_id=association.pk).deadline_day
            month = last_closed_month(today, deadline_day=deadline_day)
            _lock_month(association)
            for kind in ReportKind.values:
                exists = MonthlyReport.objects.filter(
                    association=association, month=month, kind=kind
                ).exists()
                if not exists:
                    monthly_report_request(association=association, month=month, kind=kind)
                    requested += 1
    return requested
