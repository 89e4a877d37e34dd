"""The cache fails soft (association/cache.py): a Redis that is away is logged and answers as an
empty cache; public pages are built from the database and log-in is not refused.

The cache here is a real Redis client pointed at a port where nothing listens (refused
connections, as when Redis is stopped); tests/faults/test_redis_outage.py stops a real one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import client_for
from tests.faults.conftest import free_port
from tests.tenants import PASSWORD, Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_away() -> Iterator[None]:
    location = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    caches = {
        "default": {
            "BACKEND": "association.cache.SoftRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_an_absent_redis_answers_as_an_empty_cache_and_is_logged(
    redis_away: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="association.cache"):
        assert cache.get("key", "default") == "default"
        cache.set("key", "value")
        assert cache.add("lock", True) is True  # locks and rate limits fail open
        assert cache.get_many(["a", "b"]) == {}
        assert cache.delete("key") is False
        with pytest.raises(ValueError):
            cache.incr("counter")
    assert any("cache unavailable" in record.message for record in caplog.records)


def test_public_pages_and_log_in_work_without_redis(tenant_a: Tenant, redis_away: None) -> None:
    client = client_for(tenant_a)
    for name in ("association:home", "events:list"):
        started = time.monotonic()
        assert client.get(reverse(name)).status_code == 200
        assert time.monotonic() - started < 5
    email = tenant_a.users["office_staff"].email
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("association:home")).context["user"].is_authenticated


def test_healthz_reports_the_cache_down(redis_away: None) -> None:
    response = Client(HTTP_HOST="127.0.0.1").get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "error"
