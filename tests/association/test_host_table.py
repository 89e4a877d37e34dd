"""Host → association from each process's own table (association.hosts): no query per request,
and a change made by one process reaches another through the version in the shared cache."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.db import connection, transaction
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from association import hosts
from association.models import Association, AssociationDomain
from association.services import association_create
from tests.conftest import database_url_for_subprocesses

ROOT = Path(__file__).resolve().parent.parent.parent

# A second web process, as far as host resolution goes: resolves the hosts it reads, one a
# line, and answers "<slug or None> <queries it took>".
RESOLVER = """
import sys
import django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from association.hosts import resolve_host
print("ready", flush=True)
for line in sys.stdin:
    with CaptureQueriesContext(connection) as queries:
        association = resolve_host(line.strip())
    print(association.slug if association else None, len(queries.captured_queries), flush=True)
"""


class Resolver:
    def __init__(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url_for_subprocesses(),
            "REDIS_URL": settings.REDIS_URL,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", RESOLVER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.readline() == "ready"

    def readline(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def __call__(self, host: str) -> tuple[str, int]:
        assert self.process.stdin is not None
        self.process.stdin.write(host + "\n")
        self.process.stdin.flush()
        slug, queries = self.readline().split()
        return slug, int(queries)

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def resolver() -> Iterator[Resolver]:
    if not settings.REDIS_URL:
        pytest.skip("processes share the version through Redis")
    process = Resolver()
    yield process
    process.stop()


@pytest.mark.django_db(transaction=True)
def test_a_change_in_one_process_reaches_another(resolver: Resolver) -> None:
    association_create(slug="alpha", name="アルファ", domains=["alpha.test", "shared.test"])
    association_create(slug="beta", name="ベータ", domains=["beta.test"])

    assert resolver("shared.test") == ("alpha", 2)  # the table: associations and domains
    assert resolver("shared.test") == ("alpha", 0)  # from the process's table
    assert resolver("beta.test") == ("beta", 0)
    assert resolver("nobody.test") == ("None", 0)  # unknown hosts cost nothing either

    # Changed behind the services' back: the other process keeps its table (for at most
    # MAX_AGE_SECONDS), which is what makes it a cache.
    with scopes_disabled():
        AssociationDomain.objects.filter(domain="shared.test").update(
            association=Association.objects.get(slug="beta")
        )
    assert resolver("shared.test") == ("alpha", 0)

    with transaction.atomic():
        hosts.hosts_changed()  # what association_create and the operators' admin call
    assert resolver("shared.test") == ("beta", 2)
    assert resolver("alpha.test") == ("alpha", 0)


@pytest.mark.django_db
def test_the_admin_save_and_delete_paths_move_the_version(admin_user: Any) -> None:
    association = association_create(slug="gamma", name="ガンマ", domains=["gamma.test"])
    model_admin = site._registry[Association]
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    for act in (
        lambda: model_admin.save_model(request, association, None, True),
        lambda: model_admin.save_related(request, _NoForm(association), [], True),
        lambda: model_admin.delete_queryset(request, Association.objects.none()),
        lambda: model_admin.delete_model(request, association),
    ):
        before = hosts.hosts_version()
        act()
        assert hosts.hosts_version() != before


class _NoForm:
    def __init__(self, instance: Association) -> None:
        self.instance = instance

    def save_m2m(self) -> None:
        pass


@pytest.mark.django_db
def test_a_logged_in_request_resolves_its_host_without_a_query(tenant_a: Any) -> None:
    client = Client(HTTP_HOST=tenant_a.host)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz")  # tenantless, no host table at all
        client.get("/")
    tables = {"association_association", "association_associationdomain"}
    assert not [q for q in queries.captured_queries if any(t in q["sql"] for t in tables)]


@pytest.mark.django_db
def test_healthz_reuses_a_healthy_answer_and_deep_checks_now() -> None:
    client = Client()
    with override_settings(HEALTHZ_CACHE_SECONDS=60):
        with CaptureQueriesContext(connection) as deep:
            assert client.get("/healthz?deep=1").json()["age_seconds"] == 0.0
        assert len(deep.captured_queries) == 1  # SELECT 1
        with CaptureQueriesContext(connection) as reused_queries:
            reused = client.get("/healthz").json()
        assert reused_queries.captured_queries == []
        assert reused["status"] == "ok" and reused["checks"]["database"] == "ok"
        assert reused["age_seconds"] >= 0.0
        dead = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
            }
        }
        with override_settings(CACHES=dead):
            assert client.get("/healthz?deep=1").status_code == 503
            # A failure is never reused: the next plain call checks again.
            assert client.get("/healthz").status_code == 503
