"""Host → association: a tenant's domain serves it; a single association serves every host."""

from __future__ import annotations

import pytest
from django.test import Client

from association.models import Association
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def test_domain_serves_its_association(tenant_a: Tenant, tenant_b: Tenant) -> None:
    for tenant, other in ((tenant_a, tenant_b), (tenant_b, tenant_a)):
        body = Client(HTTP_HOST=tenant.host).get("/").content.decode()
        assert tenant.association.name in body
        assert other.association.name not in body


def test_unknown_host_with_several_associations_is_a_plain_404(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    response = Client(HTTP_HOST="unknown.test").get("/")
    assert response.status_code == 404
    body = response.content.decode()
    assert tenant_a.association.name not in body and tenant_b.association.name not in body


def test_single_association_serves_every_host(tenant_a: Tenant) -> None:
    response = Client(HTTP_HOST="anything.test").get("/")
    assert response.status_code == 200
    assert tenant_a.association.name in response.content.decode()


def test_no_association_yet_shows_setup_page(db: None) -> None:
    assert not Association.objects.exists()
    response = Client(HTTP_HOST="fresh.test").get("/")
    assert response.status_code == 200
    assert "seed_demo" in response.content.decode()


def test_healthz_answers_on_any_host(tenant_a: Tenant, tenant_b: Tenant) -> None:
    response = Client(HTTP_HOST="10.0.0.5").get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
