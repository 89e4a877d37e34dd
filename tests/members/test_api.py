"""/api/v1/offices/<id>/ and its staff: the office's page rules, for people and for its token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django_scopes import scope

from members.models import Office
from tests.api_errors import error_fields
from tests.conftest import client_for
from tests.kpis.test_api import api, new_token
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _patch(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json")


def test_profile_is_read_by_the_directory_and_changed_by_its_managers(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    own, other = tenant_a.offices[0], tenant_a.offices[1]
    url = f"/api/v1/offices/{own.pk}/"
    leader = client_for(tenant_a, tenant_a.users["leader"])
    profile = leader.get(url).json()
    assert profile["provider_number"] == own.provider_number
    assert profile["service_codes"] == ["43"]
    # office_staff reads but may not change it (office.manage), nor may a subcommittee leader.
    for who in ("office_staff", "leader"):
        client = client_for(tenant_a, tenant_a.users[who])
        assert _patch(client, url, {"name": "変更"}).status_code == 403
    admin = client_for(tenant_a, tenant_a.users["office_admin"])
    changed = _patch(admin, url, {"name": "新しい名前", "service_codes": ["43", "46"]})
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "新しい名前"
    assert changed.json()["service_codes"] == ["43", "46"]
    bad = _patch(admin, url, {"service_codes": [], "capacity": -1, "provider_number": "x"})
    assert bad.status_code == 400 and {"service_codes", "capacity"} <= error_fields(bad)
    with scope(association=tenant_a.association.pk):
        office = Office.objects.get(pk=own.pk)
        assert office.name == "新しい名前" and office.provider_number == own.provider_number
    assert _patch(admin, f"/api/v1/offices/{other.pk}/", {"name": "x"}).status_code == 403
    foreign = tenant_b.offices[0]
    assert admin.get(f"/api/v1/offices/{foreign.pk}/").status_code == 404
    assert _patch(admin, f"/api/v1/offices/{foreign.pk}/", {"name": "x"}).status_code == 404


def test_an_office_token_reaches_its_own_office_only(tenant_a: Tenant, tenant_b: Tenant) -> None:
    token = api(tenant_a, new_token(tenant_a))
    own, other = tenant_a.offices[0], tenant_a.offices[1]
    changed = _patch(token, f"/api/v1/offices/{own.pk}/", {"phone": "06-1234-5678"})
    assert changed.status_code == 200 and changed.json()["phone"] == "06-1234-5678"
    staff = token.get(f"/api/v1/offices/{own.pk}/staff/").json()
    emails = {row["email"] for row in staff}
    assert emails == {tenant_a.users["office_admin"].email, tenant_a.users["office_staff"].email}
    for path in ("", "staff/", "filing-months/"):
        assert token.get(f"/api/v1/offices/{other.pk}/{path}").status_code == 403
        assert token.get(f"/api/v1/offices/{tenant_b.offices[0].pk}/{path}").status_code == 404
    # The token is nobody's account: the member directory and the officers' reads stay closed.
    assert token.get("/api/v1/offices/").status_code in (401, 403)
    assert token.get("/api/v1/completeness/").status_code in (401, 403)


def test_a_stale_if_match_changes_nothing(tenant_a: Tenant) -> None:
    """The profile's ETag follows what the caller sees; a change on an old one is a 412."""
    url = f"/api/v1/offices/{tenant_a.offices[0].pk}/"
    admin = client_for(tenant_a, tenant_a.users["office_admin"])
    etag = admin.get(url)["ETag"]
    first = admin.patch(
        url,
        json.dumps({"name": "一人目の名前"}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] != etag and first["ETag"] == admin.get(url)["ETag"]
    second = admin.patch(
        url,
        json.dumps({"name": "二人目の名前"}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert second.status_code == 412, second.content
    assert admin.get(url).json()["name"] == "一人目の名前"
