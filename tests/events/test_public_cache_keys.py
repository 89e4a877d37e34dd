"""The public event pages' cache cannot be filled by anyone: one entry per page a visitor can
reach by the page's own links, whatever query string is sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from redis import Redis

from tests.conftest import client_for
from tests.events.test_public_pages import make_event, text
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def page_keys() -> set[str]:
    """The keys of cached public event pages, read from Redis itself (not through Django);
    the events version and the list of areas (one each per association) aside."""
    redis = Redis.from_url(settings.REDIS_CACHE_URL)
    keys = {key.decode() for key in redis.scan_iter(match="*events:public:*", count=1000)}
    return {key for key in keys if not key.endswith((":areas", ":version"))}


@pytest.fixture(autouse=True)
def _redis_cache() -> None:
    if not settings.REDIS_CACHE_URL:
        pytest.skip("the cache is Redis only when REDIS_CACHE_URL or REDIS_URL is set")
    cache.clear()


def test_unknown_query_parameters_add_no_cache_entries(tenant_a: Tenant) -> None:
    """Before: 300 `?utm=N` requests added 300 pages to the cache."""
    make_event(tenant_a, "キャッシュの勉強会")
    client = client_for(tenant_a)
    url = reverse("events:list")
    first = text(client.get(url))
    before = page_keys()
    for n in range(300):
        response = client.get(url, {"utm": str(n), "fbclid": f"x{n}"})
        assert response.status_code == 200
    assert len(page_keys() - before) <= 1
    assert "キャッシュの勉強会" in text(client.get(url, {"utm": "last"}))
    assert text(client.get(url, {"utm": "again"})).count("キャッシュの勉強会") == first.count(
        "キャッシュの勉強会"
    )


def test_invalid_filter_values_share_the_unfiltered_page(tenant_a: Tenant) -> None:
    make_event(tenant_a, "就職説明会ABC", kind="job_fair")
    make_event(tenant_a, "介護の学びXYZ")
    client = client_for(tenant_a)
    url = reverse("events:list")
    client.get(url)
    before = page_keys()
    queries: list[dict[str, Any]] = [
        {"kind": f"bogus{n}", "area": f"nowhere{n}", "page": f"-{n}", "month": f"99{n}-1"}
        for n in range(50)
    ]
    queries += [{"date_from": f"20x{n}-01-01", "date_to": "nope"} for n in range(50)]
    for query in queries:
        assert client.get(url, query).status_code == 200
    assert page_keys() == before
    # The filters themselves still work, each its own page.
    job_fairs = text(client.get(url, {"kind": "job_fair"}))
    assert "就職説明会ABC" in job_fairs and "介護の学びXYZ" not in job_fairs
    assert "介護の学びXYZ" in text(client.get(url, {"kind": "study_session", "utm": "1"}))
    assert len(page_keys() - before) == 2


def test_the_other_public_pages_ignore_every_parameter(tenant_a: Tenant) -> None:
    event = make_event(tenant_a, "詳細の勉強会")
    client = client_for(tenant_a)
    urls = [
        reverse("events:detail", args=[event.pk]),
        reverse("events:feed"),
        reverse("events:ics", args=[event.pk]),
    ]
    for url in urls:
        client.get(url)
    before = page_keys()
    for url in urls:
        for n in range(20):
            assert client.get(url, {"v": n}).status_code == 200
    assert page_keys() == before
