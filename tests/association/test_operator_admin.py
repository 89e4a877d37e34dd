"""Platform operators create associations in the admin; officers cannot."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from association.models import Association
from subcommittees.models import ServiceTypeMapping, Subcommittee
from tests.conftest import client_for
from tests.tenants import Tenant, make_user

pytestmark = pytest.mark.django_db


def association_form(**overrides: str) -> dict[str, str]:
    data = {
        "slug": "gamma",
        "name": "ガンマ市介護保険事業者連絡会",
        "short_name": "",
        "municipality_code": "",
        "description": "",
        "contact_email": "",
        "suppression_threshold": "3",
        "registration_retention_days": "90",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
        "domains-0-domain": "gamma.test",
    }
    data.update(overrides)
    return data


def test_operator_creates_an_association_with_its_subcommittees(tenant_a: Tenant) -> None:
    operator = make_user("operator@renkei.example", superuser=True, totp_secret="JBSWY3DPEHPK3PXP")
    response = client_for(tenant_a, operator).post(
        reverse("admin:association_association_add"), association_form()
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    gamma = Association.objects.get(slug="gamma")
    assert list(gamma.domains.values_list("domain", flat=True)) == ["gamma.test"]
    with scope(association=gamma.pk):
        assert Subcommittee.objects.count() == 4
        assert (
            ServiceTypeMapping.objects.filter(service_code="43").get().subcommittee.name
            == "居宅部会"
        )
    # The new association is served at its domain.
    assert "ガンマ市" in client_for_host("gamma.test").get("/").content.decode()


def client_for_host(host: str) -> Client:
    return Client(HTTP_HOST=host)


def test_officer_cannot_create_associations(tenant_a: Tenant) -> None:
    response = client_for(tenant_a, tenant_a.users["officer"]).post(
        reverse("admin:association_association_add"), association_form()
    )
    assert response.status_code == 403
    assert not Association.objects.filter(slug="gamma").exists()


def test_admin_refuses_a_wrong_municipality_code(tenant_a: Tenant) -> None:
    operator = make_user("operator@renkei.example", superuser=True, totp_secret="JBSWY3DPEHPK3PXP")
    response = client_for(tenant_a, operator).post(
        reverse("admin:association_association_add"),
        association_form(municipality_code="272036"),
    )
    assert response.status_code == 200
    assert "272036" in response.content.decode()
    assert not Association.objects.filter(slug="gamma").exists()
