"""config/db/postgresql: a persistent connection's health check costs no query while the
connection is in steady use, and still catches a dead one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.django_db


@pytest.fixture
def wrapper() -> Iterator[Any]:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    fresh = connections.create_connection("default")
    fresh.ensure_connection()
    yield fresh
    fresh.close()


def last_query(pid: int) -> str:
    """What the connection `pid` last sent, as PostgreSQL itself saw it."""
    with connection.cursor() as cursor:
        # Statistics views are a snapshot per transaction, and the test runs in one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return str(cursor.fetchone()[0])


def test_the_engine_is_ours() -> None:
    assert connection.settings_dict["ENGINE"] in (
        "config.db.postgresql",
        "django.db.backends.sqlite3",
    )


def test_a_busy_connection_is_trusted_and_an_idle_one_checked(wrapper: Any) -> None:
    pid = wrapper.connection.info.backend_pid
    wrapper.health_check_enabled = True
    with wrapper.connection.cursor() as cursor:
        cursor.execute("SELECT 'used by the last request'")

    wrapper.health_check_done = False  # a new request
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is not None
    assert last_query(pid) == "SELECT 'used by the last request'"  # no query sent

    wrapper.health_check_done = False
    wrapper.last_checked_at = time.monotonic() - 3600  # idle for an hour
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is not None
    assert last_query(pid) == "SELECT 1"  # Django's check, once


def test_a_dead_connection_is_closed_without_a_round_trip(wrapper: Any) -> None:
    wrapper.health_check_enabled = True
    wrapper.connection.close()  # as psycopg records a connection it saw fail
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is None
    wrapper.ensure_connection()  # the next query opens a new one
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
