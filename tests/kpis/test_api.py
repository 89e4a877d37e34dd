"""The filing API: per-office tokens, one service behind it, JSON errors, idempotent re-sends."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from association.models import IdempotencyKey
from core.calendar import month_start
from kpis.models import OfficeApiToken, StaffingChange, StaffingReport
from kpis.tokens import token_create, token_revoke
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

FILINGS = "/api/v1/filings/"


def this_month() -> date:
    return month_start(timezone.localdate())


def row(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "job_category": "care_worker",
        "employment_type": "regular",
        "headcount_start": 10,
        "hires": 1,
        "separations": 1,
        "separations_within_year": 0,
        "headcount_end": 10,
        "open_positions": 2,
        "hires_hello_work": 1,
    }
    return {**values, **changes}


def body(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "month": f"{this_month():%Y-%m}",
        "rows": [row()],
        "submit": True,
        "expected_version": None,
    }
    return {**values, **changes}


def new_token(tenant: Tenant, office_index: int = 0) -> str:
    with scope(association=tenant.association.pk):
        _token, raw = token_create(
            office=tenant.offices[office_index], name="給与システム", created_by=None
        )
    return raw


def api(tenant: Tenant, token: str | None = None, user: Any = None) -> Client:
    client = client_for(tenant, user)
    if token is not None:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def post(client: Client, data: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(FILINGS, json.dumps(data), content_type="application/json", headers=headers)


def reports(tenant: Tenant) -> list[tuple[int, date, int]]:
    with scope(association=tenant.association.pk):
        return sorted(StaffingReport.objects.values_list("office_id", "month", "version"))


# --- tokens --------------------------------------------------------------------------------


def test_token_is_shown_once_and_stored_as_its_hash(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        token, raw = token_create(
            office=tenant_a.offices[0],
            name="勤怠システム",
            created_by=tenant_a.users["office_admin"],
        )
        stored = OfficeApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(stored.prefix) and len(stored.prefix) == 12
    assert raw not in json.dumps(
        {f.name: str(getattr(stored, f.attname)) for f in stored._meta.fields}
    )
    assert stored.last_used_at is None

    response = api(tenant_a, raw).get(FILINGS)
    assert response.status_code == 200
    with scope(association=tenant_a.association.pk):
        assert OfficeApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_revoked_wrong_and_other_associations_tokens_are_refused(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    raw = new_token(tenant_a)
    assert api(tenant_a, raw).get(FILINGS).status_code == 200
    other = new_token(tenant_b)
    refused = api(tenant_a, other).get(FILINGS)
    assert refused.status_code == 401  # B's token means nothing on A's host
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert api(tenant_a, raw + "x").get(FILINGS).status_code == 401
    with scope(association=tenant_a.association.pk):
        token_revoke(token=OfficeApiToken.objects.get(prefix=raw[:12]), by=None)
    assert api(tenant_a, raw).get(FILINGS).status_code == 401
    assert api(tenant_a).get(FILINGS).status_code == 401


def test_a_token_opens_no_page_and_no_other_endpoint(tenant_a: Tenant) -> None:
    """The token's principal is anonymous to everything but the filing endpoints."""
    client = api(tenant_a, new_token(tenant_a))
    assert client.get("/api/v1/offices/").status_code in (401, 403)
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert client.get(reverse("kpis:upload")).status_code == 302


# --- filing with a token -------------------------------------------------------------------


def test_file_read_and_correct_with_a_token(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    office = tenant_a.offices[0]
    created = post(client, body())
    assert created.status_code == 201, created.content
    filing = created.json()
    assert filing["office"] == office.pk
    assert filing["provider_number"] == office.provider_number
    assert filing["month"] == f"{this_month():%Y-%m}"
    assert (filing["status"], filing["version"]) == ("submitted", 1)
    assert filing["rows"][0]["hires_hello_work"] == 1

    detail = client.get(f"{FILINGS}{filing['id']}/")
    assert detail.json() == filing

    listed = client.get(FILINGS, {"month": f"{this_month():%Y-%m}"}).json()
    assert [item["id"] for item in listed["results"]] == [filing["id"]]
    everything = client.get(FILINGS).json()
    assert {item["office"] for item in everything["results"]} == {office.pk}

    changed = client.put(
        f"{FILINGS}{filing['id']}/",
        json.dumps({"rows": [row(open_positions=4)], "submit": True, "expected_version": 1}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["version"], changed.json()["rows"][0]["open_positions"]) == (2, 4)
    with scope(association=tenant_a.association.pk):
        changes = list(
            StaffingChange.objects.filter(report_id=filing["id"])
            .order_by("pk")
            .values_list("via", "user")
        )
        # Saved through a token: no user, but the token's prefix names who filed.
        assert [user for _via, user in changes] == [None, None]
        assert all(via.startswith("api:") and len(via) > 4 for via, _user in changes)


def test_a_stale_version_is_a_conflict(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    first = post(client, body()).json()
    again = post(client, body(rows=[row(open_positions=5)]))  # expected_version None: stale
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert again.json()["current_version"] == first["version"]
    assert reports(tenant_a)[-1][2] == 1


def test_a_token_files_for_its_own_office_only(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a, 0))
    response = post(client, body(office=tenant_a.offices[1].pk))
    assert response.status_code == 403
    assert client.get(FILINGS, {"office": tenant_a.offices[1].pk}).status_code == 403
    # The fixture's filing of office 1 is visible to office 1's token, not to office 2's.
    with scope(association=tenant_a.association.pk):
        fixture = StaffingReport.objects.get(office=tenant_a.offices[0], month=date(2026, 9, 1))
    assert client.get(f"{FILINGS}{fixture.pk}/").status_code == 200
    second = api(tenant_a, new_token(tenant_a, 1))
    assert second.get(f"{FILINGS}{fixture.pk}/").status_code == 404
    assert second.get(FILINGS).json()["results"] == []


def test_errors_come_back_per_cell(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    bad = body(
        rows=[
            row(),
            row(employment_type="non_regular", hires=-1, hires_hello_work=0),
            row(job_category="nurse", separations=1, separations_within_year=2),
        ]
    )
    response = post(client, bad)
    assert response.status_code == 400
    errors = response.json()
    assert errors["code"] == "invalid"
    located = {(e["row"], e["index"], e["field"]) for e in errors["errors"]}
    assert ("care_worker/non_regular", 1, "hires") in located
    assert ("nurse/regular", 2, "separations_within_year") in located
    assert reports(tenant_a) == reports(tenant_a)[:1]  # only the fixture's filing

    malformed = post(client, {"month": "令和8年", "rows": "none"})
    assert malformed.status_code == 400
    assert {e["field"] for e in malformed.json()["errors"]} == {"month", "rows"}


def test_soft_findings_ask_for_a_confirmation(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    uneven = body(rows=[row(headcount_end=13)])
    response = post(client, uneven)
    assert response.status_code == 400
    assert response.json()["code"] == "needs_confirmation"
    assert response.json()["warnings"][0]["field"] == "headcount_end"
    assert post(client, {**uneven, "confirm_warnings": True}).status_code == 201


def test_a_locked_month_is_refused(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    response = post(client, body(month="2025-01"))
    assert response.status_code == 409
    assert response.json()["code"] == "locked"


# --- idempotency ---------------------------------------------------------------------------


def test_the_same_request_twice_files_once(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    first = post(client, body(), key="2026-11-run-1")
    second = post(client, body(), key="2026-11-run-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    with scope(association=tenant_a.association.pk):
        assert StaffingChange.objects.filter(via__startswith="api").count() == 1
        stored = IdempotencyKey.objects.get(key="2026-11-run-1")
        assert (stored.principal[:5], stored.response_status) == ("auth:", 201)

    different = post(client, body(rows=[row(open_positions=9)]), key="2026-11-run-1")
    assert different.status_code == 422
    assert different.json()["code"] == "idempotency_key_reused"
    assert reports(tenant_a).count((tenant_a.offices[0].pk, this_month(), 1)) == 1


def test_a_failed_request_does_not_use_up_its_key(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    assert post(client, body(rows=[row(hires=-1)]), key="k-1").status_code == 400
    with scope(association=tenant_a.association.pk):
        assert not IdempotencyKey.objects.filter(key="k-1").exists()
    assert post(client, body(), key="k-2").status_code == 201
    too_long = post(client, body(), key="x" * 101)
    assert too_long.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_file_once(tenant_a: Tenant) -> None:
    """Two identical requests at the same moment: one files, the other gets its answer."""
    raw = new_token(tenant_a)
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        try:
            barrier.wait()
            results.append(post(api(tenant_a, raw), body(), key="same-moment"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results) == [201, 201]
    assert results[0].json() == results[1].json()
    with scope(association=tenant_a.association.pk):
        assert StaffingChange.objects.filter(via__startswith="api").count() == 1


# --- people (session) ----------------------------------------------------------------------


def test_members_file_for_their_offices_with_their_session(tenant_a: Tenant) -> None:
    staff = api(tenant_a, user=tenant_a.users["office_staff"])
    assert post(staff, body(office=tenant_a.offices[0].pk)).status_code == 201
    assert post(staff, body(office=tenant_a.offices[1].pk)).status_code == 403
    assert post(staff, body()).status_code == 400  # a person names the office
    head_office = api(tenant_a, user=tenant_a.users["corp_admin"])
    assert post(head_office, body(office=tenant_a.offices[1].pk)).status_code == 201
    pending = post(head_office, body(office=tenant_a.offices[3].pk))
    assert pending.status_code == 403  # not an approved member office
    listed = head_office.get(FILINGS).json()
    assert {item["office"] for item in listed["results"]} == {
        tenant_a.offices[0].pk,
        tenant_a.offices[1].pk,
    }
    with scope(association=tenant_a.association.pk):
        change = StaffingChange.objects.filter(via__startswith="api").order_by("pk").first()
        assert change is not None and change.user == tenant_a.users["office_staff"]
    for who in ("officer", "leader", "city"):
        client = api(tenant_a, user=tenant_a.users[who])
        assert post(client, body(office=tenant_a.offices[0].pk)).status_code == 403


def test_session_writes_need_the_csrf_token(tenant_a: Tenant) -> None:
    client = Client(HTTP_HOST=tenant_a.host, enforce_csrf_checks=True)
    client.force_login(tenant_a.users["office_staff"])
    assert post(client, body(office=tenant_a.offices[0].pk)).status_code == 403


def test_schema_documents_the_filing_endpoints(tenant_a: Tenant) -> None:
    document = json.loads(client_for(tenant_a).get("/api/schema/?format=json").content)
    assert {"get", "post"} <= set(document["paths"]["/api/v1/filings/"])
    assert {"get", "put"} <= set(document["paths"]["/api/v1/filings/{staffing_report_pk}/"])
    assert document["components"]["securitySchemes"]["officeToken"]["scheme"] == "bearer"
    row_fields = document["components"]["schemas"]["FilingRow"]["properties"]
    assert "separations_within_year" in row_fields


# --- the tokens page -----------------------------------------------------------------------


def test_office_admin_creates_lists_and_revokes_tokens(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    url = reverse("kpis:office_tokens", kwargs={"office_pk": office.pk})
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    created = client.post(url, {"name": "人事システム"})
    assert created.status_code == 200
    raw = created.context["created"][1]
    assert raw in created.content.decode()
    assert "no-store" in created["Cache-Control"] or "no-cache" in created["Cache-Control"]
    listed = client.get(url).content.decode()
    assert "人事システム" in listed and raw not in listed and raw[:12] in listed

    assert api(tenant_a, raw).get(FILINGS).status_code == 200
    with scope(association=tenant_a.association.pk):
        token = OfficeApiToken.objects.get(name="人事システム")
    client.post(url, {"action": "revoke", "token": token.pk})
    assert api(tenant_a, raw).get(FILINGS).status_code == 401


def test_who_may_manage_tokens(tenant_a: Tenant, tenant_b: Tenant) -> None:
    first = reverse("kpis:office_tokens", kwargs={"office_pk": tenant_a.offices[0].pk})
    second = reverse("kpis:office_tokens", kwargs={"office_pk": tenant_a.offices[1].pk})
    assert client_for(tenant_a).get(first).status_code == 302
    assert client_for(tenant_a, tenant_a.users["office_staff"]).get(first).status_code == 403
    assert client_for(tenant_a, tenant_a.users["office_admin"]).get(second).status_code == 403
    assert client_for(tenant_a, tenant_a.users["corp_admin"]).get(second).status_code == 200
    # B's office asked for on A's host does not exist there.
    other = reverse("kpis:office_tokens", kwargs={"office_pk": tenant_b.offices[0].pk})
    assert client_for(tenant_a, tenant_a.users["office_admin"]).get(other).status_code == 404
    # Revoking another office's token through this page finds nothing.
    raw = new_token(tenant_a, 1)
    with scope(association=tenant_a.association.pk):
        token = OfficeApiToken.objects.get(prefix=raw[:12])
    client_for(tenant_a, tenant_a.users["office_admin"]).post(
        first, {"action": "revoke", "token": token.pk}
    )
    assert api(tenant_a, raw).get(FILINGS).status_code == 200


def test_months_in_the_list_filter(tenant_a: Tenant) -> None:
    client = api(tenant_a, new_token(tenant_a))
    created = post(client, body()).json()
    september = client.get(FILINGS, {"month": "2026/09"}).json()["results"]
    assert [item["month"] for item in september] == ["2026-09"]  # the fixture's filing
    current = client.get(FILINGS, {"month": f"{this_month():%Y-%m}"}).json()["results"]
    assert [item["id"] for item in current] == [created["id"]]
    assert client.get(FILINGS, {"month": "soon"}).status_code == 400
    assert client.get(FILINGS, {"office": "first"}).status_code == 400
