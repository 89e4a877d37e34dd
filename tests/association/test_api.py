"""The JSON API: who may read what, tenant isolation, subcommittee counts, schema and docs."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from members.models import CorporationKind, Office, OfficeStatus
from members.services import corporation_create, office_create
from subcommittees.models import Subcommittee
from tests.conftest import client_for
from tests.tenants import Tenant, corporate_number, provider_number

pytestmark = pytest.mark.django_db

DIRECTORY_ROLES = ["officer", "leader", "office_admin", "office_staff"]

# The default mapping as the brief and domain.md state it, for the codes the tests use.
SUBCOMMITTEE_OF = {
    "43": "kyotaku",
    "46": "kyotaku",
    "11": "houmon",
    "A2": "houmon",
    "13": "houmon",
    "15": "tsusho",
    "78": "tsusho",
    "51": "nyusho",
    "21": "nyusho",
    "17": None,
}

# tests/tenants.py gives office i the codes FIXTURE_CODES[i % 5]; the first `approved` are APPROVED.
FIXTURE_CODES = [["43"], ["11", "A2"], ["15"], ["51", "21"], ["13"]]


def approved_offices(tenant: Tenant) -> list[Office]:
    return [o for o in tenant.offices if o.status == OfficeStatus.APPROVED]


def add_offices(
    tenant: Tenant, specs: list[tuple[list[str], OfficeStatus]], first_serial: int
) -> list[Office]:
    """More offices through the service, in a second corporation of the tenant."""
    district = tenant.offices[0].provider_number[3:5]
    created = []
    with scope(association=tenant.association.pk):
        corporation = corporation_create(
            association=tenant.association,
            name=f"{tenant.marker}ケア株式会社",
            kind=CorporationKind.STOCK_COMPANY,
            corporate_number=corporate_number(int(district) * 1000 + 500 + first_serial),
        )
        for index, (codes, status) in enumerate(specs):
            serial = first_serial + index
            created.append(
                office_create(
                    association=tenant.association,
                    corporation=corporation,
                    name=f"{tenant.marker}追加事業所{serial}",
                    kana=f"ついか{serial:03d}",
                    provider_number=provider_number(district, serial),
                    service_codes=codes,
                    status=status,
                )
            )
    tenant.offices.extend(created)
    return created


# --- root -------------------------------------------------------------------------------


def test_root_is_public_and_names_the_host_association(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Anyone may read the root; it names the association the host serves."""
    for tenant in (tenant_a, tenant_b):
        response = client_for(tenant).get("/api/v1/")
        assert response.status_code == 200
        body = response.json()
        assert body["association"] == tenant.association.name
        assert set(body["endpoints"]) == {
            "me",
            "events",
            "jobs",
            "news",
            "offices",
            "subcommittees",
            "filings",
            "completeness",
            "targets",
            "postings",
            "applications",
            "reports",
        }
        assert body["endpoints"]["offices"] == f"http://{tenant.host}/api/v1/offices/"


# --- offices ----------------------------------------------------------------------------


def test_offices_are_the_tenants_approved_offices(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """office_staff of A sees exactly A's approved offices, with their service codes."""
    response = client_for(tenant_a, tenant_a.users["office_staff"]).get("/api/v1/offices/")
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert body["count"] == len(results) == 3

    expected = {o.provider_number: o for o in approved_offices(tenant_a)}
    assert {r["provider_number"] for r in results} == set(expected)
    pending = {o.provider_number for o in tenant_a.offices if o.status != OfficeStatus.APPROVED}
    assert pending and not pending & {r["provider_number"] for r in results}
    b_numbers = {o.provider_number for o in tenant_b.offices}
    assert not b_numbers & {r["provider_number"] for r in results}
    assert tenant_b.marker not in response.content.decode()

    for result in results:
        office = expected[result["provider_number"]]
        index = tenant_a.offices.index(office)
        assert sorted(result["service_codes"]) == sorted(FIXTURE_CODES[index])
        assert result["name"] == office.name
        assert result["corporation"] == f"{tenant_a.marker}福祉会"
        assert result["status"] == "approved"
        assert result["id"] == office.pk


@pytest.mark.parametrize("role", DIRECTORY_ROLES)
def test_every_member_role_reads_the_directory(tenant_a: Tenant, role: str) -> None:
    """Officers, leaders, office admins and staff all hold members.directory."""
    response = client_for(tenant_a, tenant_a.users[role]).get("/api/v1/offices/")
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_city_viewer_may_not_read_the_directory(tenant_a: Tenant) -> None:
    """The city viewer has no members.directory capability: 403, and no office data."""
    response = client_for(tenant_a, tenant_a.users["city"]).get("/api/v1/offices/")
    assert response.status_code == 403
    assert tenant_a.offices[0].provider_number not in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/offices/", "/api/v1/subcommittees/", "/api/v1/me/"])
def test_anonymous_gets_401(tenant_a: Tenant, path: str) -> None:
    """Without a session the data endpoints refuse: 401 with a challenge, in the JSON shape."""
    response = client_for(tenant_a).get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Session realm="api"'
    assert response.json()["code"] == "not_authenticated"
    assert tenant_a.marker not in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/offices/", "/api/v1/subcommittees/", "/api/v1/me/"])
def test_member_of_another_association_gets_403(
    tenant_a: Tenant, tenant_b: Tenant, path: str
) -> None:
    """B's staff logged in on A's host holds no role there."""
    response = client_for(tenant_a, tenant_b.users["office_staff"]).get(path)
    assert response.status_code == 403
    assert tenant_a.marker not in response.content.decode()


def test_offices_query_count_does_not_grow_with_offices(tenant_a: Tenant) -> None:
    """No N+1: listing 10 offices costs as many queries as listing 3."""
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    client.get("/api/v1/offices/")  # warm up anything cached per process

    with CaptureQueriesContext(connection) as three:
        response = client.get("/api/v1/offices/")
    assert response.json()["count"] == 3

    add_offices(
        tenant_a,
        [
            (["43", "46"], OfficeStatus.APPROVED),
            (["11"], OfficeStatus.APPROVED),
            (["15", "A6"], OfficeStatus.APPROVED),
            (["13"], OfficeStatus.APPROVED),
            (["51", "21"], OfficeStatus.APPROVED),
            (["78"], OfficeStatus.APPROVED),
            (["17"], OfficeStatus.APPROVED),
        ],
        first_serial=50,
    )
    with CaptureQueriesContext(connection) as ten:
        response = client.get("/api/v1/offices/")
    body = response.json()
    assert body["count"] == 10
    # Two corporations and multi-code offices are rendered correctly too.
    assert {r["corporation"] for r in body["results"]} == {
        f"{tenant_a.marker}福祉会",
        f"{tenant_a.marker}ケア株式会社",
    }
    assert any(sorted(r["service_codes"]) == ["43", "46"] for r in body["results"])
    assert len(ten.captured_queries) == len(three.captured_queries), (
        [q["sql"] for q in three.captured_queries],
        [q["sql"] for q in ten.captured_queries],
    )


# --- me -----------------------------------------------------------------------------------


def test_me_returns_the_callers_roles(tenant_a: Tenant) -> None:
    """office_staff sees their one role, tied to their office."""
    user = tenant_a.users["office_staff"]
    response = client_for(tenant_a, user).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == {
        "email": user.email,
        "association": tenant_a.association.name,
        "roles": [{"kind": "office_staff", "office": tenant_a.offices[0].pk, "subcommittee": None}],
    }


def test_me_for_leader_and_city_viewer(tenant_a: Tenant) -> None:
    """The leader's role names the 居宅 subcommittee; the city viewer (a member) may call /me/."""
    with scope(association=tenant_a.association.pk):
        kyotaku = Subcommittee.objects.get(kind="kyotaku")
    leader = client_for(tenant_a, tenant_a.users["leader"]).get("/api/v1/me/").json()
    assert leader["roles"] == [
        {"kind": "subcommittee_leader", "office": None, "subcommittee": kyotaku.pk}
    ]
    city = client_for(tenant_a, tenant_a.users["city"]).get("/api/v1/me/")
    assert city.status_code == 200
    assert city.json()["roles"] == [{"kind": "city_viewer", "office": None, "subcommittee": None}]


def test_me_only_lists_roles_in_this_association(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """A person with roles in both associations sees only the host's roles."""
    from association.services import role_grant

    user = tenant_a.users["office_admin"]
    role_grant(association=tenant_b.association, user=user, kind="city_viewer")
    on_a = client_for(tenant_a, user).get("/api/v1/me/").json()
    on_b = client_for(tenant_b, user).get("/api/v1/me/").json()
    assert [r["kind"] for r in on_a["roles"]] == ["office_admin"]
    assert on_a["association"] == tenant_a.association.name
    assert [r["kind"] for r in on_b["roles"]] == ["city_viewer"]
    assert on_b["association"] == tenant_b.association.name


# --- subcommittees --------------------------------------------------------------------------


def expected_counts(tenant: Tenant) -> dict[str, int]:
    counts = {"kyotaku": 0, "houmon": 0, "tsusho": 0, "nyusho": 0}
    with scope(association=tenant.association.pk):
        for office in Office.objects.prefetch_related("services"):
            if office.status != OfficeStatus.APPROVED:
                continue
            kinds = {SUBCOMMITTEE_OF[s.service_code] for s in office.services.all()}
            for kind in kinds:
                if kind is not None:
                    counts[kind] += 1
    return counts


def subcommittee_counts(tenant: Tenant) -> dict[str, int]:
    response = client_for(tenant, tenant.users["office_staff"]).get("/api/v1/subcommittees/")
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 4
    with scope(association=tenant.association.pk):
        own = set(Subcommittee.objects.values_list("pk", flat=True))
    assert {s["id"] for s in body} == own
    return {s["kind"]: s["office_count"] for s in body}


def test_subcommittee_counts_of_the_fixture(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Fixture A: approved 43, 11+A2 and 15 offices → 居宅 1, 訪問 1, 通所 1, 入所 0."""
    assert subcommittee_counts(tenant_a) == {"kyotaku": 1, "houmon": 1, "tsusho": 1, "nyusho": 0}
    assert subcommittee_counts(tenant_a) == expected_counts(tenant_a)


def test_subcommittee_counts_follow_services_and_status(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Multi-service offices count once per subcommittee; unapproved and B's offices don't."""
    add_offices(
        tenant_a,
        [
            (["43", "11"], OfficeStatus.APPROVED),  # 居宅 and 訪問
            (["11", "13", "A2"], OfficeStatus.APPROVED),  # 訪問 once
            (["51", "21"], OfficeStatus.APPROVED),  # 入所 once
            (["17"], OfficeStatus.APPROVED),  # no subcommittee
            (["15"], OfficeStatus.SUSPENDED),
            (["78"], OfficeStatus.WITHDRAWN),
            (["43"], OfficeStatus.APPLIED),
        ],
        first_serial=60,
    )
    expected = expected_counts(tenant_a)
    # Worked by hand: fixture (1, 1, 1, 0) plus the three approved offices above.
    assert expected == {"kyotaku": 2, "houmon": 3, "tsusho": 1, "nyusho": 1}
    assert subcommittee_counts(tenant_a) == expected
    # B is untouched: its 3 approved offices are 43, 11+A2 and 15.
    assert subcommittee_counts(tenant_b) == {"kyotaku": 1, "houmon": 1, "tsusho": 1, "nyusho": 0}


def test_city_viewer_may_not_read_subcommittees(tenant_a: Tenant) -> None:
    """Subcommittees share the directory capability."""
    assert (
        client_for(tenant_a, tenant_a.users["city"]).get("/api/v1/subcommittees/").status_code
        == 403
    )


# --- schema and docs ------------------------------------------------------------------------


def test_schema_is_openapi_3_json(tenant_a: Tenant) -> None:
    """?format=json gives an OpenAPI 3 document listing the v1 endpoints."""
    response = client_for(tenant_a).get("/api/schema/?format=json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert str(document["openapi"]).startswith("3")
    assert {"/api/v1/", "/api/v1/offices/", "/api/v1/me/", "/api/v1/subcommittees/"} <= set(
        document["paths"]
    )


def test_schema_default_is_yaml(tenant_a: Tenant) -> None:
    """Without ?format the schema is YAML describing the same API."""
    response = client_for(tenant_a).get("/api/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert str(document["openapi"]).startswith("3")
    assert "/api/v1/offices/" in document["paths"]
    assert "get" in document["paths"]["/api/v1/offices/"]


def test_docs_use_only_local_assets(tenant_a: Tenant) -> None:
    """The Swagger UI page loads its scripts and styles from our own /static/, never a CDN."""
    response = client_for(tenant_a).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    sources = re.findall(r"<script[^>]*\ssrc=[\"']([^\"']+)", html)
    links = re.findall(r"<link[^>]*\shref=[\"']([^\"']+)", html)
    assert sources, html
    for url in sources + links:
        assert not re.match(r"^(https?:)?//", url), url
        if url.startswith("/api/docs/?"):
            continue  # its start-up script, from this page itself (no inline script: CSP)
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
    assert "swagger-ui" in html
