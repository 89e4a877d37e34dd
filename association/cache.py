"""A Redis cache that fails soft: Redis away behaves like an empty cache that forgets writes.

Django's `RedisCache` raises `redis.ConnectionError` from every call when Redis is away, and
every cached page, the log-in's rate limits and the two-factor replay check then answer 500.
This backend logs the error and answers as an empty cache would: `get` gives the default,
`set` and `delete` do nothing, `add` says it added (so locks and rate limits fail *open*:
allauth's log-in limits and TOTP replay check are not enforced while Redis is away), `incr`
raises `ValueError` (the key is not there). Pages are then built from the database.

After an error the backend does not try Redis again for `RETRY_AFTER` seconds (per client,
that is per thread), so a Redis that hangs instead of refusing costs one connect timeout, not
one per cache call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 2.0


def _missing_key(key: Any, *_args: Any) -> int:
    raise ValueError(f"Key '{key}' not found (cache unavailable).")


# What each operation answers while Redis is away: the answer of an empty cache.
FALLBACKS: dict[str, Callable[..., Any]] = {
    "add": lambda *_args: True,
    "get": lambda _key, default: default,
    "set": lambda *_args: None,
    "touch": lambda *_args: False,
    "delete": lambda *_args: False,
    "get_many": lambda *_args: {},
    "has_key": lambda *_args: False,
    "incr": _missing_key,
    "set_many": lambda *_args: None,
    "delete_many": lambda *_args: None,
    "clear": lambda *_args: False,
}


def _soft(operation: str) -> Callable[..., Any]:
    hard = getattr(RedisCacheClient, operation)
    fallback = FALLBACKS[operation]

    def method(self: RedisCacheClient, *args: Any) -> Any:
        if time.monotonic() < getattr(self, "_down_until", 0.0):
            return fallback(*args)
        try:
            return hard(self, *args)
        except CACHE_ERRORS as error:
            self._down_until = time.monotonic() + RETRY_AFTER  # type: ignore[attr-defined]
            logger.warning(
                "cache unavailable, carrying on without it",
                extra={"operation": operation, "error": f"{type(error).__name__}: {error}"},
            )
            return fallback(*args)

    method.__name__ = operation
    return method


def _get_client(self: Any, key: Any = None, *, write: bool = False) -> Any:
    """One redis.Redis per connection pool, kept. Django makes a new one for every cache call,
    and redis-py 8 fills a dictionary of about 170 reply callbacks in each: most of the CPU a
    cached page costs went there (measured with cProfile on an early-answered page)."""
    pool = self._get_connection_pool(write)
    clients: dict[int, Any] = self.__dict__.setdefault("_clients", {})
    client = clients.get(id(pool))
    if client is None:
        client = clients[id(pool)] = self._client(connection_pool=pool)
    return client


SoftRedisCacheClient = type(
    "SoftRedisCacheClient",
    (RedisCacheClient,),
    {"get_client": _get_client, **{operation: _soft(operation) for operation in FALLBACKS}},
)


class SoftRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that logs and degrades instead of raising."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SoftRedisCacheClient
