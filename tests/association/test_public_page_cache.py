"""Cached public pages answered early (association.middleware.PublicPageCacheMiddleware): for a
visitor with no session the answer comes before sessions, authentication, CSRF and the database,
and it is the page, with the headers, that the whole stack would have sent."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from association.hosts import hosts_changed
from events.models import Event, Venue
from events.services import event_save
from recruitment.models import JobPosting
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
# What differs between two visitors of the same page: the date and their own CSRF cookie.
PER_VISITOR = {"Date", "Set-Cookie"}


@pytest.fixture(autouse=True)
def _redis_cache() -> None:
    if not settings.REDIS_CACHE_URL:
        pytest.skip("the early answer is tested against Redis, as production runs it")


def public_paths(tenant: Tenant) -> list[str]:
    with scope(association=tenant.association.pk):
        event = Event.objects.filter(status="published", audience="public").first()
        posting = JobPosting.objects.filter(status="published").first()
    assert event is not None and posting is not None
    return ["/", "/events/", f"/events/{event.pk}/", "/jobs/", f"/jobs/{posting.pk}/"]


def answered_early(response: Any) -> bool:
    """The request never reached SessionMiddleware or AuthenticationMiddleware."""
    request = response.wsgi_request
    return not hasattr(request, "session") and not hasattr(request, "user")


def headers(response: Any) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_VISITOR}


def test_second_visitor_is_answered_early_with_the_same_page_and_headers(
    tenant_a: Tenant,
) -> None:
    for path in public_paths(tenant_a):
        first = Client(HTTP_HOST=tenant_a.host).get(path)  # renders and caches
        assert first.status_code == 200, path
        assert not answered_early(first), path
        with CaptureQueriesContext(connection) as queries:
            second = Client(HTTP_HOST=tenant_a.host).get(path)
        assert second.status_code == 200, path
        assert answered_early(second), path
        assert queries.captured_queries == [], path
        assert headers(second) == headers(first), path
        assert TOKEN.sub(b"", second.content) == TOKEN.sub(b"", first.content), path
        # Each visitor gets a CSRF cookie and a token of their own, as the whole stack gives.
        assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
        assert TOKEN.search(second.content)
        # django-csp: the same policy, no nonce in it (a cached page could not carry one).
        assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
        assert "nonce-" not in second["Content-Security-Policy"]


def test_the_token_in_an_early_page_is_accepted_for_the_visitors_post(tenant_a: Tenant) -> None:
    Client(HTTP_HOST=tenant_a.host).get("/")
    visitor = Client(HTTP_HOST=tenant_a.host, enforce_csrf_checks=True)
    page = visitor.get("/")
    assert answered_early(page)
    token = TOKEN.search(page.content).group(0).split(b'value="')[1][:-1].decode()  # type: ignore[union-attr]
    response = visitor.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_returning_visitors_token_is_their_cookies_secret_masked_afresh(
    tenant_a: Tenant,
) -> None:
    """The early answer's token (association.public_cache.visitor_csrf_token) is what Django's
    get_token would give: the visitor's own secret under a new mask each time, accepted by
    Django's check; a token for another secret is refused."""
    from django.middleware.csrf import (  # type: ignore[attr-defined]  # not in the stubs
        CSRF_ALLOWED_CHARS,
        _unmask_cipher_token,
    )

    Client(HTTP_HOST=tenant_a.host).get("/")
    visitor = Client(HTTP_HOST=tenant_a.host, enforce_csrf_checks=True)
    first = visitor.get("/")
    secret = visitor.cookies["csrftoken"].value
    tokens = []
    for _visit in range(40):
        page = visitor.get("/")
        assert answered_early(page)
        assert visitor.cookies["csrftoken"].value == secret  # kept, its expiry renewed
        tokens.append(TOKEN.search(page.content).group(0).split(b'value="')[1][:-1].decode())  # type: ignore[union-attr]
    assert answered_early(first)
    assert len(set(tokens)) == len(tokens)  # a fresh mask every time
    for token in tokens:
        assert len(token) == 64 and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == secret
    # Every character of the alphabet turns up in the masks (the draw is not stuck on a part).
    assert set("".join(token[:32] for token in tokens)) == set(CSRF_ALLOWED_CHARS)
    stranger = Client(HTTP_HOST=tenant_a.host)
    stranger.get("/")
    others = TOKEN.search(stranger.get("/").content).group(0).split(b'value="')[1][:-1].decode()  # type: ignore[union-attr]
    refused = visitor.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": others}
    )
    assert refused.status_code == 403
    accepted = visitor.post(
        "/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[-1]}
    )
    assert accepted.status_code == 302


def test_a_session_or_message_cookie_or_a_login_goes_the_whole_way(tenant_a: Tenant) -> None:
    Client(HTTP_HOST=tenant_a.host).get("/events/")  # cached
    with_session = Client(HTTP_HOST=tenant_a.host)
    with_session.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    response = with_session.get("/events/")
    assert response.status_code == 200 and not answered_early(response)

    with_message = Client(HTTP_HOST=tenant_a.host)
    with_message.cookies[CookieStorage.cookie_name] = "anything"
    assert not answered_early(with_message.get("/events/"))

    officer = Client(HTTP_HOST=tenant_a.host)
    officer.force_login(tenant_a.users["officer"])
    page = officer.get("/events/")
    assert not answered_early(page)
    assert "no-store" in page["Cache-Control"]
    assert (
        tenant_a.users["officer"].email.encode()
        not in Client(HTTP_HOST=tenant_a.host).get("/").content
    )


def test_unknown_parameters_are_answered_from_the_normalised_page(tenant_a: Tenant) -> None:
    first = Client(HTTP_HOST=tenant_a.host).get("/events/?utm_source=first-visitor")
    assert not answered_early(first)
    # The page shows its own address (the language form's `next`) without the stray parameter.
    assert b"first-visitor" not in first.content
    second = Client(HTTP_HOST=tenant_a.host).get("/events/?utm_source=second")
    assert answered_early(second)
    assert b"first-visitor" not in second.content and b"second" not in second.content


def test_languages_are_cached_apart(tenant_a: Tenant) -> None:
    english = Client(HTTP_HOST=tenant_a.host, HTTP_ACCEPT_LANGUAGE="en")
    japanese = Client(HTTP_HOST=tenant_a.host, HTTP_ACCEPT_LANGUAGE="ja")
    assert b'lang="en"' in english.get("/events/").content
    page = japanese.get("/events/")
    assert b'lang="ja"' in page.content and page["Content-Language"] == "ja"
    again = Client(HTTP_HOST=tenant_a.host, HTTP_ACCEPT_LANGUAGE="en").get("/events/")
    assert answered_early(again)
    assert b'lang="en"' in again.content and again["Content-Language"] == "en"
    assert "Accept-Language" in again["Vary"] and "Cookie" in again["Vary"]


def test_publishing_an_event_shows_at_once_on_the_early_page(tenant_a: Tenant) -> None:
    Client(HTTP_HOST=tenant_a.host).get("/events/")
    assert answered_early(Client(HTTP_HOST=tenant_a.host).get("/events/"))
    starts = datetime(2027, 4, 10, 13, tzinfo=ZoneInfo("Asia/Tokyo"))
    with scope(association=tenant_a.association.pk):
        event_save(
            Event(association=tenant_a.association),
            title="新しく公開した市民講座",
            kind="hands_on",
            status="published",
            audience="public",
            venue=Venue.objects.first(),
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
        )
    page = Client(HTTP_HOST=tenant_a.host).get("/events/")
    assert not answered_early(page)  # rendered again under the new version
    assert "新しく公開した市民講座" in page.content.decode()
    again = Client(HTTP_HOST=tenant_a.host).get("/events/")
    assert answered_early(again) and "新しく公開した市民講座" in again.content.decode()


def test_an_association_change_reaches_every_cached_page(tenant_a: Tenant) -> None:
    for path in ("/", "/events/", "/jobs/"):
        Client(HTTP_HOST=tenant_a.host).get(path)
    tenant_a.association.name = "改称した連絡会"
    tenant_a.association.save(update_fields=["name"])
    hosts_changed()  # what the operators' admin calls on save
    for path in ("/", "/events/", "/jobs/"):
        page = Client(HTTP_HOST=tenant_a.host).get(path)
        assert "改称した連絡会" in page.content.decode(), path


def test_another_association_never_gets_the_page(tenant_a: Tenant, tenant_b: Tenant) -> None:
    Client(HTTP_HOST=tenant_a.host).get("/")
    page = Client(HTTP_HOST=tenant_b.host).get("/")
    assert tenant_b.association.name in page.content.decode()
    assert tenant_a.association.name not in page.content.decode()
    unknown = Client(HTTP_HOST="nobody.test").get("/")
    assert unknown.status_code == 404


def test_a_nul_in_the_query_is_still_refused(tenant_a: Tenant) -> None:
    Client(HTTP_HOST=tenant_a.host).get("/events/")
    assert Client(HTTP_HOST=tenant_a.host).get("/events/?kind=%00").status_code == 400


def test_a_process_keeps_versions_and_pages_for_a_moment(tenant_a: Tenant, settings: Any) -> None:
    """association.local_cache: with PUBLIC_CACHE_LOCAL_SECONDS on, a hit costs no round trip
    to Redis (the page is served with Redis's copies gone), another process's change shows once
    the moment has passed, and this process's own change at once."""
    from django.core.cache import cache
    from redis import Redis

    from association import local_cache
    from association.public_cache import VERSION_KEY
    from events.services import events_changed

    association_id = tenant_a.association.pk
    settings.PUBLIC_CACHE_LOCAL_SECONDS = 60
    local_cache.forget()
    try:
        Client(HTTP_HOST=tenant_a.host).get("/events/")
        redis = Redis.from_url(settings.REDIS_CACHE_URL)
        ours = list(redis.scan_iter(match=f"*events:public:*{association_id}*", count=1000))
        assert ours
        redis.delete(*ours)  # the page and the version gone from Redis
        assert answered_early(Client(HTTP_HOST=tenant_a.host).get("/events/"))

        # Another process moves the events version on: not seen while the copy is fresh ...
        key = VERSION_KEY.format(namespace="events", association_id=association_id)
        cache.set(key, 1, None)
        assert answered_early(Client(HTTP_HOST=tenant_a.host).get("/events/"))
        # ... and seen once it is not.
        settings.PUBLIC_CACHE_LOCAL_SECONDS = 0.001
        assert not answered_early(Client(HTTP_HOST=tenant_a.host).get("/events/"))
        settings.PUBLIC_CACHE_LOCAL_SECONDS = 60
        assert answered_early(Client(HTTP_HOST=tenant_a.host).get("/events/"))

        events_changed(association_id)  # this process: at once
        assert not answered_early(Client(HTTP_HOST=tenant_a.host).get("/events/"))
    finally:
        local_cache.forget()
