"""PostgreSQL whose connection health check costs no query on a connection in steady use.

Django's CONN_HEALTH_CHECKS sends `SELECT 1` before the first query of every request that
reuses a persistent connection (CONN_MAX_AGE). This backend checks for free first: psycopg's
own record of the connection (closed, broken, libpq status not OK) closes it without a round
trip; and a connection opened or used by a request less than CONN_HEALTH_CHECK_IDLE_SECONDS
ago (a DATABASES option, default 10) is trusted without one. Only a connection idle for
longer (the kind a firewall, a proxy's idle timeout or a database restart drops quietly) gets
Django's `SELECT 1`.

What is given up: a database that restarts while a process is busy costs that process one
failed request (Django then sees the error and closes the connection at the end of it), as it
would with health checks off; an idle process never serves an error from a dead connection.
"""

from __future__ import annotations

import time
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_checked_at = 0.0

    def connect(self) -> None:
        super().connect()
        self.last_checked_at = time.monotonic()

    def close_if_health_check_failed(self) -> None:
        if getattr(self, "pool", None):
            return  # a pool hands out only healthy connections
        enabled = getattr(self, "health_check_enabled", False)  # not in django-stubs
        done = self.health_check_done  # type: ignore[has-type]
        if self.connection is not None and enabled and not done:
            connection = self.connection
            if (
                connection.closed
                or connection.broken
                or connection.pgconn.status != pq.ConnStatus.OK
            ):
                self.close()
                self.health_check_done = True
                return
            idle_limit = self.settings_dict.get("CONN_HEALTH_CHECK_IDLE_SECONDS", 10.0)
            if time.monotonic() - self.last_checked_at < idle_limit:
                self.health_check_done = True
                self.last_checked_at = time.monotonic()
                return
        super().close_if_health_check_failed()
        if self.connection is not None:
            self.last_checked_at = time.monotonic()
