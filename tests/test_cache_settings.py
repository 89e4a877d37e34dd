"""The cache may live in its own Redis (REDIS_CACHE_URL), apart from Celery's broker
(REDIS_URL), so that an evicting cache can never drop a queued task; without it, both share
REDIS_URL as before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CODE = (
    "import django; django.setup();"
    "from django.conf import settings as s;"
    "print(s.CACHES['default'].get('LOCATION'), s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND)"
)


def settings_with(**env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "REDIS_CACHE_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {"REDIS_URL": "redis://broker:6379/0", "REDIS_CACHE_URL": "redis://cache:6379/0"},
            ["redis://cache:6379/0", "redis://broker:6379/0", "redis://broker:6379/0"],
        ),
        (
            {"REDIS_URL": "redis://broker:6379/0"},
            ["redis://broker:6379/0", "redis://broker:6379/0", "redis://broker:6379/0"],
        ),
    ],
    ids=["apart", "shared"],
)
def test_the_cache_reads_its_own_redis_url(env: dict[str, str], expected: list[str]) -> None:
    assert settings_with(**env) == expected
