"""Request rates for the API, per office token, per logged-in person, per address otherwise.

One throttle for every view (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]), counted in the
default cache (Redis in production, shared by every web process and machine) with one atomic
counter per caller and window (`add` + `incr`), not DRF's list of timestamps read and written
back (racy between processes, and a list of N floats per request). Over the rate: 429 with
Retry-After (the seconds left in the window). Redis away: the cache fails soft (association/
cache.py) and nobody is throttled.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from association.client import client_address

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" → (600, 60)."""
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


def throttle_scope(request: Request) -> tuple[str, str]:
    """(scope, caller): a token's (any `request.auth` with a pk), a person's, an address's."""
    auth = request.auth
    if auth is not None and getattr(auth, "pk", None) is not None:
        return "api_token", f"{type(auth).__name__}-{auth.pk}"
    if request.user is not None and request.user.is_authenticated:
        return "api_user", str(request.user.pk)
    return "api_anon", client_address(request)


class ApiRateThrottle(BaseThrottle):
    """Rates from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (`api_token`, `api_user`,
    `api_anon`), read at each request."""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        scope, caller = throttle_scope(request)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if not rate:
            return True
        allowed, period = parse_rate(str(rate))
        now = time.time()
        window = int(now // period)
        key = f"throttle:{scope}:{caller}:{window}"
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr, or the cache is away
            return True
        if count > allowed:
            self.retry_after = (window + 1) * period - now
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after
