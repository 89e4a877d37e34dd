"""Celery: Redis broker when REDIS_URL is set, otherwise tasks run inline (embedded default)."""

from config.env import env

_redis_url = env.str("REDIS_URL", default="")

CELERY_BROKER_URL = _redis_url or "memory://"
CELERY_RESULT_BACKEND = _redis_url or None
CELERY_TASK_ALWAYS_EAGER = not _redis_url
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# A killed worker's task runs again: acknowledge only after the task finished.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Recycle workers so PDF rendering memory is returned (shared/reference/performance.md).
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
# Also a worker's own memory cap (KiB, prefork pool): weasyprint can take much on long tables.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=1_000_000
)
# An unacknowledged task (its worker was killed) is handed out again after this many seconds.
# With Redis a message stays unacknowledged from delivery to the end of the task, and a task
# with a countdown (a retry) is held unacknowledged by the worker until it is due: if that takes
# longer than the timeout, Redis hands it out again and it runs twice (Celery's documented
# caveat). So the timeout is the longest hold plus margin: a mail retry's longest countdown with
# its jitter (MAIL_RETRY_MAX_SECONDS, 1 h, + 10 %), then the global hard time limit, plus 10 min
# (1 h 46 min by default). A *report build* whose worker was killed does not wait for it: the
# sweep below re-queues a build whose heartbeat stopped (reports/services.py) within minutes.
_LONGEST_COUNTDOWN = env.int("MAIL_RETRY_MAX_SECONDS", default=60 * 60) * 11 // 10
# A worker of the slow queue only (bin/worker-slow sets CELERY_WORKER_KIND=slow) holds no mail
# retry: its longest countdown is a report build's retry back-off (reports/tasks.py, at most
# 10 min), so its timeout is 10 + 30 + 10 = 50 min. It keeps its unacknowledged messages under
# Redis keys of its own (kombu's unacked_* options): a timeout applies to every message under
# its keys, and the quick workers' mail retries must not come back after the slow timeout.
# The quick queue keeps the long timeout: the mail retries it holds are what set it.
CELERY_WORKER_KIND = env.str("CELERY_WORKER_KIND", default="")
SLOW_LONGEST_COUNTDOWN = 10 * 60
_longest_hold = SLOW_LONGEST_COUNTDOWN if CELERY_WORKER_KIND == "slow" else _LONGEST_COUNTDOWN
CELERY_VISIBILITY_TIMEOUT = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=_longest_hold + CELERY_TASK_TIME_LIMIT + 10 * 60
)
# Report builds (reports/services.py): a running build writes a heartbeat every
# REPORT_BUILD_HEARTBEAT_SECONDS; one whose heartbeat is older than REPORT_BUILD_STALE_SECONDS
# lost its worker and is queued again by the sweep, which beat runs every REPORT_SWEEP_SECONDS.
REPORT_BUILD_HEARTBEAT_SECONDS = env.float("REPORT_BUILD_HEARTBEAT_SECONDS", default=10.0)
REPORT_BUILD_STALE_SECONDS = env.float("REPORT_BUILD_STALE_SECONDS", default=60.0)
REPORT_SWEEP_SECONDS = env.float("REPORT_SWEEP_SECONDS", default=60.0)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT
}
if CELERY_WORKER_KIND == "slow":
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        unacked_key="unacked-slow",
        unacked_index_key="unacked_index-slow",
        unacked_mutex_key="unacked_mutex-slow",
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis away: a worker keeps reconnecting for as long as it takes instead of exiting after
# 100 attempts; a running task is left to finish (acks-late: it may be redelivered, and every
# task is safe to run twice). Storing a result waits for Redis too.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
CELERY_RESULT_BACKEND_MAX_RETRIES = 100
# Two queues (config/celery_routes.py): slow work (report builds, imports, rebuilds, purges) and
# quick work (mail, reminders, digests, sweeps). bin/worker-slow and bin/worker-quick each
# consume one; bin/worker consumes both. Anything not routed lands on the quick queue.
CELERY_SLOW_QUEUE = env.str("CELERY_SLOW_QUEUE", default="slow")
CELERY_QUICK_QUEUE = env.str("CELERY_QUICK_QUEUE", default="quick")
CELERY_TASK_DEFAULT_QUEUE = CELERY_QUICK_QUEUE
CELERY_TASK_ROUTES = ("config.celery_routes.route_task",)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "pending-applications-digest": {
        "task": "members.tasks.pending_applications_digest_all",
        "schedule": crontab(hour=8, minute=30),
    },
    "personal-data-purge": {
        "task": "members.tasks.personal_data_purge_all",
        "schedule": crontab(hour=3, minute=15),
    },
    # Reminds offices that have not filed last month, before and after the deadline.
    "kpis-filing-reminders": {
        "task": "kpis.tasks.filing_reminders_all",
        "schedule": crontab(hour=9, minute=0),
    },
    # Builds last month's city reports once each association's filing deadline is over
    # (reports/tasks.py; the tasks keep their kpis.tasks.* names, see there).
    "kpis-monthly-reports": {
        "task": "kpis.tasks.monthly_reports_due_all",
        "schedule": crontab(hour=6, minute=0),
    },
    # Waiting-list offers nobody took up in time: cancel them and offer the seat on.
    "events-offers-expire": {
        "task": "events.tasks.offers_expire_all",
        "schedule": crontab(minute=5),
    },
    # Tasks that could not be queued while the broker was away (association.TaskOutbox).
    "task-outbox-flush": {
        "task": "association.tasks.outbox_flush",
        "schedule": 60.0,
    },
    # API Idempotency-Keys past their 24 hours (association/idempotency.py).
    "idempotency-keys-purge": {
        "task": "association.tasks.idempotency_keys_purge",
        "schedule": crontab(minute=40),
    },
    # Report builds whose worker died (heartbeat stopped) or whose task was lost (a Redis that
    # restarted empty): queued again.
    "reports-requeue-stuck": {
        "task": "reports.tasks.monthly_reports_requeue_stuck_all",
        "schedule": REPORT_SWEEP_SECONDS,
    },
    # Citizens' registrations are deleted 90 days after their event ended.
    "events-registrations-purge": {
        "task": "events.tasks.registrations_purge_all",
        "schedule": crontab(hour=3, minute=30),
    },
    # Job postings past their "open until" date close; offices are told a week ahead.
    "recruitment-postings-expire": {
        "task": "recruitment.tasks.postings_expire_all",
        "schedule": crontab(hour=0, minute=20),
    },
    # Applicants' data: deleted 6 months (not hired) or 12 months (hired) after the last change.
    "recruitment-applications-purge": {
        "task": "recruitment.tasks.applications_purge_all",
        "schedule": crontab(hour=3, minute=45),
    },
    # Posting page views counted in Redis are written to the database.
    "recruitment-posting-views-flush": {
        "task": "recruitment.tasks.posting_views_flush_all",
        "schedule": crontab(minute="*/5"),
    },
}
