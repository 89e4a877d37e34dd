"""Every route × every role, generated from the URL conf: nobody sees what they should not.

A route that declares no access policy fails here, so a new route cannot be forgotten.
Views declare theirs with `association.permissions.public/requires` (pages) or
`access_policy = AccessPolicy(...)` (API views); third-party routes are listed below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scope, scopes_disabled

from association.permissions import CAPABILITIES, AccessPolicy, access_for
from tests.conftest import client_for
from tests.tenants import ROLE_NAMES, Tenant

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None
    callback: Any
    converters: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            routes += _walk(
                entry.url_patterns,
                prefix + str(entry.pattern),
                f"{namespace}:{ns}".strip(":") if ns else namespace,
            )
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else None
            converters = tuple(entry.pattern.regex.groupindex)
            routes.append(Route(prefix + str(entry.pattern), name, entry.callback, converters))
    return routes


ALL_ROUTES = _walk(get_resolver().url_patterns)
ADMIN_ROUTES = [r for r in ALL_ROUTES if r.pattern.startswith("admin/")]
APP_ROUTES = [
    r for r in ALL_ROUTES if not r.pattern.startswith(("admin/", "static/", "media/", "^media/"))
]

# Third-party routes (allauth, Django's set_language): any one of these statuses is fine,
# as long as no other tenant's data shows. Listed by name so new ones must be looked at.
THIRD_PARTY_STATUSES = {
    "set_language": {302},
}
ALLAUTH_STATUSES = {200, 302, 400, 404, 405}


def _third_party_statuses(route: Route) -> set[int] | None:
    if route.name in THIRD_PARTY_STATUSES:
        return THIRD_PARTY_STATUSES[route.name]
    module = getattr(route.callback, "__module__", "")
    if module.startswith("allauth."):
        return ALLAUTH_STATUSES
    return None


def policy_of(route: Route) -> AccessPolicy | None:
    policy = getattr(route.callback, "access_policy", None)
    view_class = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    if policy is None and view_class is not None:
        policy = getattr(view_class, "access_policy", None)
    return policy


# Values for URL parameters. `<model>_pk` names the first object of that model (any project
# app) in the association under test: tests/tenants.py must create one.
def _kwargs(route: Route, tenant: Tenant) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for converter in route.converters:
        if converter in {"key", "uidb36", "uidb64", "token"}:
            values[converter] = "not-a-real-key"
        elif converter.endswith("_pk"):
            values[converter] = _object_of(converter.removesuffix("_pk"), tenant, route).pk
        else:
            pytest.fail(f"{route.pattern}: name URL parameter {converter!r} <model>_pk")
    return values


def _object_of(model_name: str, tenant: Tenant, route: Route) -> Model:
    from django.apps import apps

    from tests.association.test_scoping import PROJECT_APPS

    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in PROJECT_APPS and m._meta.model_name == model_name.replace("_", "")
    ]
    if not models:
        pytest.fail(f"{route.pattern}: no model called {model_name!r} for its URL parameter")
    with scope(association=tenant.association.pk):
        obj = models[0]._default_manager.order_by("pk").first()
    if obj is None:
        pytest.fail(f"{route.pattern}: tests/tenants.py creates no {model_name} for the matrix")
    return obj


def _url(route: Route, tenant: Tenant) -> str:
    if route.name is None:
        pytest.fail(f"route {route.pattern} has no name; name it so the matrix can reach it")
    return reverse(route.name, kwargs=_kwargs(route, tenant))


def _clients(a: Tenant, b: Tenant) -> dict[str, Client]:
    clients = {"anonymous": client_for(a)}
    for role in ROLE_NAMES:
        clients[role] = client_for(a, a.users[role])
    clients["officer_of_b"] = client_for(a, b.users["officer"])
    return clients


def _expected(policy: AccessPolicy, who: str, a: Tenant, is_api: bool) -> set[int]:
    if policy.public:
        return {200}
    if who == "anonymous":
        return {403, 401} if is_api else {302}
    if policy.authenticated:
        return {200}
    if who == "officer_of_b":
        return {403}
    user = a.users[who]
    with scope(association=a.association.pk):
        access = access_for(user, a.association)
        allowed = access.is_member if policy.capability is None else access.can(policy.capability)
    return {200} if allowed else {403}


def _assert_no_leak(response: Any, other: Tenant, where: str) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", errors="replace")
    for needle in [
        other.marker,
        other.association.name,
        other.host,
        *(o.provider_number for o in other.offices),
    ]:
        assert needle not in text, f"{where} shows {needle!r} of another association"


def test_every_route_declares_an_access_policy() -> None:
    missing = [
        r.pattern for r in APP_ROUTES if policy_of(r) is None and _third_party_statuses(r) is None
    ]
    assert not missing, f"routes without an access policy: {missing}"


def test_capabilities_named_by_routes_exist() -> None:
    for route in APP_ROUTES:
        policy = policy_of(route)
        if policy and policy.capability:
            assert policy.capability in CAPABILITIES, route.pattern


def test_route_matrix(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Each route, each role of A, and B's officer on A's host: status and no B data."""
    clients = _clients(tenant_a, tenant_b)
    checked = 0
    for route in APP_ROUTES:
        url = _url(route, tenant_a)
        policy = policy_of(route)
        allowed = _third_party_statuses(route)
        for who, client in clients.items():
            response = client.get(url)
            where = f"GET {url} as {who}"
            if policy is not None:
                expected = _expected(policy, who, tenant_a, is_api=route.pattern.startswith("api/"))
            else:
                expected = allowed or set()
            assert response.status_code in expected, (
                f"{where}: {response.status_code}, expected {sorted(expected)}"
            )
            if response.status_code == 302 and policy is not None and not policy.public:
                assert "/accounts/login/" in response["Location"], where
            _assert_no_leak(response, tenant_b, where)
            checked += 1
    assert checked >= len(APP_ROUTES) * len(clients)


def _admin_object(model: type[Model], tenant: Tenant) -> Model | None:
    manager = model._default_manager
    if hasattr(manager, "with_scope"):
        return manager.with_scope(association=tenant.association.pk).order_by("pk").first()
    with scopes_disabled():
        if model.__name__ == "Association":
            return tenant.association
        return manager.order_by("pk").first()


def test_admin_matrix(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Changelists and change pages of every registered admin, per role, on A's host."""
    from association.admin_site import TenantModelAdmin

    clients = _clients(tenant_a, tenant_b)
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        own = _admin_object(model, tenant_a)
        if own is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[own.pk]))
        is_tenant = isinstance(model_admin, TenantModelAdmin)
        for url in urls:
            for who, client in clients.items():
                response = client.get(url)
                where = f"GET {url} as {who}"
                if who == "officer" and is_tenant:
                    assert response.status_code == 200, where
                elif who == "officer":
                    # Platform models (users, associations, schedules) are for operators only.
                    assert response.status_code == 403, where
                else:
                    assert response.status_code == 302, where
                    assert response["Location"].startswith(("/admin/login/", "/accounts/login/")), (
                        where
                    )
                _assert_no_leak(response, tenant_b, where)

        # B's row, asked for by id on A's host by A's officer, does not exist there.
        other = _admin_object(model, tenant_b)
        if is_tenant and other is not None:
            response = clients["officer"].get(
                reverse("admin:{}_{}_change".format(*info), args=[other.pk]), follow=True
            )
            _assert_no_leak(response, tenant_b, f"{model.__name__} of B on A's host")


def test_superuser_admin_sees_only_the_hosts_association(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    from tests.tenants import make_user

    operator = make_user("operator@renkei.example", superuser=True, totp_secret="JBSWY3DPEHPK3PXP")
    response = client_for(tenant_a, operator).get(reverse("admin:members_office_changelist"))
    assert response.status_code == 200
    assert tenant_a.offices[0].provider_number in response.content.decode()
    _assert_no_leak(response, tenant_b, "operator on A's host")


def test_b_officer_sees_b_on_b_host(tenant_a: Tenant, tenant_b: Tenant) -> None:
    response = client_for(tenant_b, tenant_b.users["officer"]).get(reverse("association:dashboard"))
    assert response.status_code == 200
    assert tenant_b.association.name in response.content.decode()
    _assert_no_leak(response, tenant_a, "B's dashboard")
