"""A corporation's head office acts for every office of the corporation, and only those."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scope

from members.models import CorporationKind, OfficeStatus
from members.services import corporation_create, office_create
from tests.conftest import client_for
from tests.tenants import Tenant, corporate_number, provider_number

pytestmark = pytest.mark.django_db


def test_head_office_manages_all_its_offices_and_no_others(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        other = corporation_create(
            association=tenant_a.association,
            name="株式会社よそケア",
            kind=CorporationKind.STOCK_COMPANY,
            corporate_number=corporate_number(424242),
        )
        outsider = office_create(
            association=tenant_a.association,
            corporation=other,
            name="よそ訪問介護",
            provider_number=provider_number("20", 800),
            service_codes=["11"],
            status=OfficeStatus.APPROVED,
        )
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    for office in tenant_a.offices:
        # Members of the corporation, yes; an application waiting for approval, not yet (a
        # mistyped corporate number must not hand it to another corporation's head office).
        expected = 403 if office.status == OfficeStatus.APPLIED else 200
        for name in ("members:office_edit", "members:office_staff"):
            response = client.get(reverse(name, kwargs={"office_pk": office.pk}))
            assert response.status_code == expected, (name, office.name)
    for name in ("members:office_edit", "members:office_staff"):
        response = client.get(reverse(name, kwargs={"office_pk": outsider.pk}))
        assert response.status_code == 403

    page = client.get(reverse("members:my_offices")).content.decode()
    assert all(
        office.name in page for office in tenant_a.offices if office.status == OfficeStatus.APPROVED
    )
    assert outsider.name not in page


def test_head_office_role_in_another_association_gives_nothing_here(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    client = client_for(tenant_a, tenant_b.users["corp_admin"])
    response = client.get(
        reverse("members:office_edit", kwargs={"office_pk": tenant_a.offices[0].pk})
    )
    assert response.status_code == 403
    assert (
        tenant_a.offices[0].name not in client.get(reverse("members:my_offices")).content.decode()
    )


def test_new_office_of_the_corporation_is_covered_at_once(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        added = office_create(
            association=tenant_a.association,
            corporation=tenant_a.offices[0].corporation,
            name="新設デイサービス",
            provider_number=provider_number("20", 801),
            service_codes=["15"],
            status=OfficeStatus.APPROVED,
        )
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    assert (
        client.get(reverse("members:office_edit", kwargs={"office_pk": added.pk})).status_code
        == 200
    )
