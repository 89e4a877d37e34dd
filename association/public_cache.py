"""Anonymous public pages cached per association, language, host, path and normalised query,
under a version that the owning app bumps when its data change (events: events_version; jobs:
jobs_version).

Only known, checked query parameters make a cache key: a page names them with a
`query(request, version)` function and the view is then given only those, so what it renders
matches the key and nobody can add a cache entry per query string (`?utm=1`, `?utm=2` …).

The CSRF token of a cached page's forms is rendered as a placeholder and filled per request,
so a cached page never carries another visitor's token."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.translation import get_language

CSRF_PLACEHOLDER = "__public_csrf_token__"
VERSION_KEY = "{namespace}:public:version:{association_id}"


def public_version(namespace: str, association_id: int | None) -> int:
    """The association's current version of `namespace`'s public pages, made on first use.

    A timestamp, so a version key lost from Redis never comes back as a value an old page
    was cached under."""
    key = VERSION_KEY.format(namespace=namespace, association_id=association_id)
    version = cache.get(key)
    if version is None:
        version = time.time_ns()
        if not cache.add(key, version, None):
            version = cache.get(key, version)
    return int(version)


def public_changed(namespace: str, association_id: int | None) -> None:
    """Every cached public page of `namespace` for the association is stale."""
    key = VERSION_KEY.format(namespace=namespace, association_id=association_id)
    cache.set(key, time.time_ns(), None)


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


def fill_csrf(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response["Content-Type"].startswith("text/html") and CSRF_PLACEHOLDER.encode() in (
        response.content
    ):
        response.content = response.content.replace(
            CSRF_PLACEHOLDER.encode(), get_token(request).encode()
        )
    return response


def render_public(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a page that may be cached: its CSRF token is a placeholder."""
    return render(request, template, {**context, "csrf_token": CSRF_PLACEHOLDER})


Query = Callable[[HttpRequest, int], Mapping[str, str | list[str]] | None]


def cached_public_page(
    prefix: str,
    name: str,
    version_of: Callable[[int | None], int],
    seconds: int = 600,
    query: Query | None = None,
) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Cache a 200 answer for anonymous visitors under `prefix`, the association's current
    `version_of(association_id)`, the language, the host, the path and the normalised query.

    `query(request, version)` returns the parameters the page depends on, checked and in a
    normal form, or None for a request not worth caching (free-text search); a page without
    `query` takes no parameters at all."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _cacheable(request):
                return fill_csrf(request, view(request, *args, **kwargs))
            association = getattr(request, "association", None)
            association_id = association.pk if association else None
            version = version_of(association_id)
            params = query(request, version) if query else {}
            if params is None:
                return fill_csrf(request, view(request, *args, **kwargs))
            normalised = urlencode(sorted(params.items()), doseq=True)
            request.GET = QueryDict(normalised)
            where = hashlib.sha256(
                f"{request.get_host()}|{request.path}?{normalised}".encode()
            ).hexdigest()
            key = f"{prefix}:{association_id}:{version}:{get_language()}:{name}:{where}"
            stored = cache.get(key)
            if stored is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return fill_csrf(request, response)
                stored = (
                    response.content,
                    response["Content-Type"],
                    response.get("Content-Disposition"),
                )
                cache.set(key, stored, seconds)
            content, content_type, disposition = stored
            response = HttpResponse(content, content_type=content_type)
            if disposition:
                response["Content-Disposition"] = disposition
            return fill_csrf(request, response)

        return wrapped

    return decorator
