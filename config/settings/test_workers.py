"""pytest-xdist runs the suite in several processes: each gets its own Redis database and media
folder, as pytest-django gives each its own PostgreSQL database (tests clear the cache between
them, and Redis's FLUSHDB empties a whole database). Processes a test starts (gunicorn, Celery
workers, beat) inherit the environment, so they are told once, here, before settings read it."""

import os
from collections.abc import MutableMapping
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # redis-server's default `databases`


def assign_worker_services(environ: MutableMapping[str, str] = os.environ) -> None:
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or environ.get("RENKEI_TEST_WORKER") == worker:
        return
    index = int(worker.removeprefix("gw"))
    url = environ.get("REDIS_URL", "")
    if url:
        parts = urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        path = f"/{(base + index) % REDIS_DATABASES}"
        environ["REDIS_URL"] = urlunsplit(parts._replace(path=path))
    environ["RENKEI_TEST_WORKER"] = worker
