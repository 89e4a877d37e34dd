"""The member directory: search, filters, and a constant number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from members.models import OfficeStatus
from members.services import office_create
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.tenants import Tenant, provider_number

pytestmark = pytest.mark.django_db


def names(response: Any) -> set[str]:
    return {office.name for office in response.context["page"].object_list}


def test_directory_lists_approved_offices_of_this_association(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    response = client.get(reverse("members:directory"))
    approved = {o.name for o in tenant_a.offices if o.status == OfficeStatus.APPROVED}
    assert names(response) == approved
    assert tenant_b.marker not in response.content.decode()


def test_directory_search_by_name_kana_number_service_and_subcommittee(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    first, second = tenant_a.offices[0], tenant_a.offices[1]
    url = reverse("members:directory")
    assert names(client.get(url, {"q": first.name})) == {first.name}
    # Full-width digits find the number.
    full_width = first.provider_number.translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    assert names(client.get(url, {"q": full_width})) == {first.name}
    assert names(client.get(url, {"service_code": "11"})) == {second.name}  # 訪問介護
    with scope(association=tenant_a.association.pk):
        houmon = Subcommittee.objects.get(kind=SubcommitteeKind.HOUMON)
    assert names(client.get(url, {"subcommittee": houmon.pk})) == {second.name}
    empty = client.get(url, {"q": "存在しない事業所"})
    assert not names(empty)


@pytest.mark.parametrize("path", ["members:directory"])
def test_directory_query_count_does_not_grow_with_offices(tenant_a: Tenant, path: str) -> None:
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    client.get(reverse(path))  # warm up session and translations

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(path)).status_code == 200
        return len(queries)

    before = count()
    with scope(association=tenant_a.association.pk):
        corporation = tenant_a.offices[0].corporation
        for serial in range(100, 140):
            office_create(
                association=tenant_a.association,
                corporation=corporation,
                name=f"追加事業所{serial}",
                provider_number=provider_number("20", serial),
                service_codes=["11", "A2"],
                status=OfficeStatus.APPROVED,
            )
    assert count() == before


def test_dashboard_query_count_does_not_grow_with_offices(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    url = reverse("association:dashboard")
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    with scope(association=tenant_a.association.pk):
        corporation = tenant_a.offices[0].corporation
        for serial in range(200, 230):
            office_create(
                association=tenant_a.association,
                corporation=corporation,
                name=f"申請事業所{serial}",
                provider_number=provider_number("20", serial),
                service_codes=["15"],
                status=OfficeStatus.APPLIED,
            )
    assert count() == before
