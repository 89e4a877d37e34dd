"""Malformed input named in the answer: a 400 that says which field, never a 500 or a 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.kpis.test_api import new_token
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "٣", "9" * 30, "-1", "abc"])
def test_api_filings_office_filter(tenant_a: Tenant, value: str) -> None:
    client = client_for(tenant_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {new_token(tenant_a)}"
    response = client.get("/api/v1/filings/", {"office": value})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["office"]


@pytest.mark.parametrize("value", ["²", "abc", "", "9" * 30, "1 OR 1=1"])
@pytest.mark.parametrize(
    ("who", "route", "data"),
    [
        ("office_admin", "kpis:office_tokens", {"action": "revoke", "token": None}),
        ("office_admin", "members:office_staff", {"action": "remove", "role": None}),
        ("officer", "reports:viewers", {"action": "revoke", "role": None}),
    ],
)
def test_malformed_ids_in_page_posts(
    tenant_a: Tenant, value: str, who: str, route: str, data: dict[str, str | None]
) -> None:
    field = next(name for name, v in data.items() if v is None)
    kwargs = {} if route == "reports:viewers" else {"office_pk": tenant_a.offices[0].pk}
    client = client_for(tenant_a, tenant_a.users[who])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(reverse(route, kwargs=kwargs), {**data, field: value})
    assert response.status_code == 400
    assert f"“{field}” is not a valid id." in response.content.decode()


@pytest.mark.parametrize("path", ["/members/invitation/", "/events/cancel/", "/api/v1/filings/"])
def test_nul_characters_are_refused_by_name(tenant_a: Tenant, path: str) -> None:
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(path, {"key": "abc\x00"})
    assert response.status_code == 400
    text = response.json()["detail"] if path.startswith("/api/") else response.content.decode()
    assert "“key” contains a NUL character" in text
    response = client.post(path, {"key": "\x00"})
    assert response.status_code == 400


def test_office_capacity_is_bounded(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    url = reverse("members:office_edit", kwargs={"office_pk": tenant_a.offices[0].pk})
    response = client.post(url, {"name": "x", "capacity": str(2**31)})
    assert response.status_code == 200
    assert "capacity" in response.context["form"].errors


def test_api_options_on_a_filing(tenant_a: Tenant) -> None:
    """DRF's OPTIONS answer looks the object up: through the access helper, not a 500."""
    from django_scopes import scope

    from kpis.models import StaffingReport

    with scope(association=tenant_a.association.pk):
        report = StaffingReport.objects.filter(office=tenant_a.offices[0]).first()
    assert report is not None
    client = client_for(tenant_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {new_token(tenant_a)}"
    assert client.options(f"/api/v1/filings/{report.pk}/").status_code == 200
    assert client.options("/api/v1/filings/0/").status_code == 200
