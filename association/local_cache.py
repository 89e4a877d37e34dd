"""What each web process keeps of the shared cache for a moment: version keys, and the cached
public pages filed under them.

A cached public page needs two versions (the host table's and its app's) and the page itself.
Read from Redis each time, that is two round trips per request, and on a busy machine a round
trip costs more than the whole of a bare Django view. So a process reads a version at most once
a PUBLIC_CACHE_LOCAL_SECONDS (default 1 s) and keeps the last pages it served (at most
PUBLIC_CACHE_LOCAL_PAGES, default 256, least recently used dropped), filed under their versioned
keys: a hit costs no round trip at all.

What it gives up: a change made in another process (an officer publishing an event, an
operator changing a domain) shows in this process up to PUBLIC_CACHE_LOCAL_SECONDS later. The
process that made the change sees it at once (`write_version` updates its own copy). With 0
every version is read from the cache each time and no page is kept in the process (the tests'
setting).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.cache import cache

_versions: dict[str, tuple[int, float]] = {}
_pages: OrderedDict[str, tuple[Any, float]] = OrderedDict()
_lock = threading.Lock()


def _seconds() -> float:
    return float(getattr(settings, "PUBLIC_CACHE_LOCAL_SECONDS", 0.0))


def read_versions(keys: list[str]) -> dict[str, int]:
    """The versions under `keys`: this process's copy when younger than the limit, else one
    read of the shared cache for all the others; a version not there is made (a timestamp, so
    a lost version never comes back as one an old page was filed under)."""
    now = time.monotonic()
    limit = _seconds()
    found: dict[str, int] = {}
    if limit > 0:
        for key in keys:
            kept = _versions.get(key)
            if kept is not None and now - kept[1] < limit:
                found[key] = kept[0]
    missing = [key for key in keys if key not in found]
    if missing:
        shared = cache.get_many(missing)
        for key in missing:
            value = shared.get(key)
            if value is None:
                value = time.time_ns()
                if not cache.add(key, value, None):
                    value = cache.get(key, value)
            found[key] = int(value)
            if limit > 0:
                _versions[key] = (int(value), now)
    return found


def read_version(key: str) -> int:
    return read_versions([key])[key]


def write_version(key: str) -> int:
    """A new version under `key`, in the shared cache and in this process's copy."""
    value = time.time_ns()
    cache.set(key, value, None)
    if _seconds() > 0:
        _versions[key] = (value, time.monotonic())
    return value


def page_get(key: str) -> Any | None:
    if _seconds() <= 0:
        return None
    with _lock:
        kept = _pages.get(key)
        if kept is None:
            return None
        if kept[1] < time.monotonic():
            del _pages[key]
            return None
        _pages.move_to_end(key)
        return kept[0]


def page_set(key: str, value: Any, seconds: float) -> None:
    if _seconds() <= 0:
        return
    limit = int(getattr(settings, "PUBLIC_CACHE_LOCAL_PAGES", 256))
    with _lock:
        _pages[key] = (value, time.monotonic() + seconds)
        _pages.move_to_end(key)
        while len(_pages) > limit:
            _pages.popitem(last=False)


def forget() -> None:
    """Drop everything this process keeps (tests)."""
    with _lock:
        _versions.clear()
        _pages.clear()
