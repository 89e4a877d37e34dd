"""Parallel test processes (pytest-xdist) must not share a Redis database: every test empties
the cache, and FLUSHDB would empty the other process's too."""

from __future__ import annotations

from config.settings.test_workers import assign_worker_services


def test_each_worker_gets_its_own_redis_database_once() -> None:
    environ = {"PYTEST_XDIST_WORKER": "gw1", "REDIS_URL": "redis://127.0.0.1:6379/15"}
    assign_worker_services(environ)
    assert environ["REDIS_URL"] == "redis://127.0.0.1:6379/0"  # wraps at Redis's 16 databases
    # A process the worker starts inherits the assigned URL and keeps it.
    assign_worker_services(environ)
    assert environ["REDIS_URL"] == "redis://127.0.0.1:6379/0"
    first = {"PYTEST_XDIST_WORKER": "gw0", "REDIS_URL": "redis://:secret@10.0.0.5:6380/3"}
    assign_worker_services(first)
    assert first["REDIS_URL"] == "redis://:secret@10.0.0.5:6380/3"


def test_without_xdist_nothing_changes() -> None:
    environ = {"REDIS_URL": "redis://127.0.0.1:6379/15"}
    assign_worker_services(environ)
    assert environ == {"REDIS_URL": "redis://127.0.0.1:6379/15"}
