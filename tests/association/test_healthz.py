from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_cache_and_broker(db: None) -> None:
    payload = Client().get("/healthz").json()
    assert payload["status"] == "ok"
    assert payload["checks"]["database"] == "ok"
    assert payload["checks"]["cache"] == "ok"
    # CI runs against Redis: the broker is really pinged (not "inline").
    assert payload["checks"]["broker"] == "ok"


def test_healthz_fails_when_the_cache_is_down(db: None) -> None:
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=dead):
        response = Client().get("/healthz")
    assert response.status_code == 503
    payload = response.json()
    assert payload["checks"]["cache"] == "error"
    assert "Traceback" not in response.content.decode()
