"""Tests: PostgreSQL and Redis from DATABASE_URL and REDIS_URL (the Makefile sets defaults)."""

import tempfile
from pathlib import Path

from config.settings.test_workers import assign_worker_services

assign_worker_services()

from config.env import env  # noqa: E402
from config.settings.base import *  # noqa: E402, F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-used-anywhere-else-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = [".test", "testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
vars().update(env.email_url("EMAIL_URL", default="memorymail://"))
MFA_REQUIRED = True
LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="text")  # type: ignore[index]  # noqa: F405
# Tests drive tasks through a real worker where Celery matters; elsewhere inline. A worker of
# the fault tests sets it false, so its retries go through the broker as in production.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# A worker (or beat) started by a test queues what it sends on the test's own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# No routing unless a test names the two queues (tests/test_queues.py): every task then goes to
# the default queue, which the `celery_worker` fixture makes the test's own.
CELERY_SLOW_QUEUE = env.str("CELERY_SLOW_QUEUE", default="")
CELERY_QUICK_QUEUE = env.str("CELERY_QUICK_QUEUE", default="")
# One media folder per pytest-xdist worker (config/settings/test_workers.py).
MEDIA_ROOT = Path(tempfile.gettempdir()) / "renkei-test-media" / env.str("RENKEI_TEST_WORKER", "")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 - live-server threads must not hold connections
# Every /healthz checks afresh (tests switch the cache and broker off between calls).
HEALTHZ_CACHE_SECONDS = 0.0
# Versions read from Redis every time, no page kept in the process (tests clear Redis between
# them); tests/association/test_local_cache.py turns it on.
PUBLIC_CACHE_LOCAL_SECONDS = 0.0
# Each posting view sent to Redis at once (tests read Redis and flush from other processes);
# tests/recruitment/test_joint_figures.py keeps them in the process as production does.
RECRUITMENT_VIEWS_SEND_SECONDS = 0.0
# API rates high enough that no test is throttled by the requests of the tests before it in
# the same minute; tests/association/test_api_behaviour.py lowers them to see the 429.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "api_token": "10000/min",
        "api_user": "10000/min",
        "api_anon": "10000/min",
    },
}
