"""Anonymous public pages cached per association, language, host, path and normalised query,
under two versions: the host table's (association.hosts: an association or its domains changed,
and every page shows the association's name) and the owning app's, which it bumps when its data
change (events: events_version; jobs: jobs_version).

Only known, checked query parameters make a cache key: a page names them with a
`query(request, version)` function and the view is then given only those, so what it renders
matches the key and nobody can add a cache entry per query string (`?utm=1`, `?utm=2` …).

The CSRF token of a cached page's forms is rendered as a placeholder and filled per request,
so a cached page never carries another visitor's token.

A cached page is answered in one of two places, by the same `cached_page_response`:
`PublicPageCacheMiddleware`, early in the middleware stack, for a visitor with no session
(no sessions, authentication or database touched), and the view's decorator for everybody
else who may see a cached page (an anonymous visitor with a session cookie, a first visit that
has to render). The decorator marks the view (`view.public_page`) so the middleware knows which
routes it may answer and how."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.shortcuts import render
from django.utils.translation import get_language

from association import hosts
from association.local_cache import page_get, page_set, read_version, read_versions, write_version

CSRF_PLACEHOLDER = "__public_csrf_token__"
# The longest a process keeps a page it read (its versions are checked far more often).
LOCAL_PAGE_SECONDS = 60
VERSION_KEY = "{namespace}:public:version:{association_id}"


def public_version(namespace: str, association_id: int | None) -> int:
    """The association's current version of `namespace`'s public pages, made on first use
    (association.local_cache: a timestamp; read from the shared cache at most once a
    PUBLIC_CACHE_LOCAL_SECONDS per process)."""
    return read_version(VERSION_KEY.format(namespace=namespace, association_id=association_id))


def public_changed(namespace: str, association_id: int | None) -> None:
    """Every cached public page of `namespace` for the association is stale."""
    write_version(VERSION_KEY.format(namespace=namespace, association_id=association_id))


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.user.is_authenticated
        and not len(get_messages(request))
    )


def _random_chars(length: int) -> str:
    """`length` characters drawn uniformly from CSRF_ALLOWED_CHARS (62) with one read of the
    system's randomness: a byte below 248 (4 × 62) picks one, the others are drawn again."""
    drawn: list[str] = []
    while len(drawn) < length:
        drawn += [CSRF_ALLOWED_CHARS[b % 62] for b in secrets.token_bytes(2 * length) if b < 248]
    return "".join(drawn[:length])


def visitor_csrf_token(request: HttpRequest) -> str:
    """What django.middleware.csrf.get_token returns, and with the same effect on the
    request: the visitor's secret (a new one if they have no cookie yet, which
    CsrfViewMiddleware then sets) masked afresh. Django draws each of the 64 random characters
    with its own read of os.urandom, about 300 µs a page, as much as the rest of a cached
    page's answer; here it is one read. Django checks the token (tests/association/
    test_public_page_cache.py posts one back with CSRF checks on)."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        secret = _random_chars(CSRF_SECRET_LENGTH)
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_chars(CSRF_SECRET_LENGTH)
    chars = CSRF_ALLOWED_CHARS
    cipher = "".join(
        chars[(chars.index(x) + chars.index(y)) % len(chars)]
        for x, y in zip(secret, mask, strict=True)
    )
    return mask + cipher


def fill_csrf(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response["Content-Type"].startswith("text/html") and CSRF_PLACEHOLDER.encode() in (
        response.content
    ):
        response.content = response.content.replace(
            CSRF_PLACEHOLDER.encode(), visitor_csrf_token(request).encode()
        )
    return response


def render_public(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a page that may be cached: its CSRF token is a placeholder."""
    return render(request, template, {**context, "csrf_token": CSRF_PLACEHOLDER})


Query = Callable[[HttpRequest, int], Mapping[str, str | list[str]] | None]
VersionOf = Callable[[int | None], int]


@dataclass(frozen=True)
class PublicPage:
    """How one view's anonymous answers are cached."""

    prefix: str
    name: str
    # The app's version: a namespace of public_version ("events"), read in the same round trip
    # as the host table's version; or a function of the association id; or None (the page
    # changes only with the association itself, as the home page).
    version_of: str | VersionOf | None
    seconds: int = 600
    query: Query | None = None


def page_versions(page: PublicPage, association_id: int | None) -> tuple[int, int]:
    """(host table version, the page's app version), in one read of the shared cache when the
    app's version is a namespace, none while this process's copies are fresh."""
    keys = [hosts.VERSION_KEY]
    if isinstance(page.version_of, str):
        keys.append(VERSION_KEY.format(namespace=page.version_of, association_id=association_id))
    found = read_versions(keys)
    if isinstance(page.version_of, str):
        version = found[keys[1]]
    elif page.version_of is None:
        version = 0
    else:
        version = page.version_of(association_id)
    return found[hosts.VERSION_KEY], version


def page_key(
    request: HttpRequest, page: PublicPage, association_id: int | None, versions: tuple[int, int]
) -> str | None:
    """The cache key of this request's page, or None for a request not worth caching. Leaves
    the request with only the normalised parameters, in GET and in its query string (the
    page shows its own address, e.g. in the language form's `next`)."""
    site_version, version = versions
    params = page.query(request, version) if page.query else {}
    if params is None:
        return None
    normalised = urlencode(sorted(params.items()), doseq=True)
    request.GET = QueryDict(normalised)
    request.META["QUERY_STRING"] = normalised
    where = hashlib.sha256(f"{request.get_host()}|{request.path}?{normalised}".encode()).hexdigest()
    return (
        f"{page.prefix}:{association_id}:{site_version}:{version}:{get_language()}:"
        f"{page.name}:{where}"
    )


def cached_page_response(request: HttpRequest, key: str) -> HttpResponse | None:
    """The cached page under `key` as a response, its CSRF placeholder not yet filled: from
    this process's last pages, else from the shared cache."""
    stored = page_get(key)
    if stored is None:
        stored = cache.get(key)
        if stored is None:
            return None
        page_set(key, stored, LOCAL_PAGE_SECONDS)
    return _response(stored)


def _response(stored: tuple[bytes, str, str | None]) -> HttpResponse:
    content, content_type, disposition = stored
    response = HttpResponse(content, content_type=content_type)
    if disposition:
        response["Content-Disposition"] = disposition
    return response


def cached_public_page(
    prefix: str,
    name: str,
    version_of: str | VersionOf | None,
    seconds: int = 600,
    query: Query | None = None,
) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Cache a 200 answer for anonymous visitors under `prefix`, the host table's and the
    app's current versions (`version_of`: see PublicPage), the language, the host, the path
    and the normalised query.

    `query(request, version)` returns the parameters the page depends on, checked and in a
    normal form, or None for a request not worth caching (free-text search); a page without
    `query` takes no parameters at all."""
    page = PublicPage(prefix, name, version_of, seconds, query)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _cacheable(request):
                return fill_csrf(request, view(request, *args, **kwargs))
            association = getattr(request, "association", None)
            association_id = association.pk if association else None
            key = page_key(request, page, association_id, page_versions(page, association_id))
            if key is None:
                return fill_csrf(request, view(request, *args, **kwargs))
            response = cached_page_response(request, key)
            if response is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200:
                    return fill_csrf(request, response)
                stored = (
                    response.content,
                    response["Content-Type"],
                    response.get("Content-Disposition"),
                )
                cache.set(key, stored, page.seconds)
                page_set(key, stored, min(page.seconds, LOCAL_PAGE_SECONDS))
                # The first visitor gets what every later one will: the stored page only.
                response = _response(stored)
            return fill_csrf(request, response)

        wrapped.public_page = page  # type: ignore[attr-defined]  # read by the middleware
        return wrapped

    return decorator
