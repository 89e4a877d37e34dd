"""/api/v1/completeness/, /api/v1/targets/ and an office's filing months."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from kpis.models import KpiTarget
from kpis.services import staffing_report_save
from members.models import OfficeStatus
from subcommittees.models import Subcommittee
from tests.association.test_api import add_offices
from tests.conftest import client_for
from tests.kpis.test_api import api, new_token
from tests.kpis.test_reminders import ROW
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

MONTH = date(2026, 9, 1)  # tests/tenants.py files office 1's 2026-09


def test_completeness_names_who_filed_and_who_not(tenant_a: Tenant, tenant_b: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    with scope(association=tenant_a.association.pk):
        filed_month = {o.pk for o in tenant_a.offices if o.staffing_reports.filter(month=MONTH)}

    def get() -> dict[str, Any]:
        response = officer.get("/api/v1/completeness/?month=2026-09")
        assert response.status_code == 200, response.content
        return response.json()

    body = get()
    approved = [o for o in tenant_a.offices if o.status == OfficeStatus.APPROVED]
    assert body["expected"] == len(approved)
    assert {o["id"] for o in body["filed_offices"]} == filed_month
    assert body["filed"] == len(filed_month) and body["missing"] == len(approved) - body["filed"]
    not_filed = {o["id"] for o in body["not_filed_offices"]}
    assert not_filed == {o.pk for o in approved} - filed_month
    assert tenant_b.marker not in json.dumps(body, ensure_ascii=False)
    # Constant queries with more offices (one more filing among them).
    with CaptureQueriesContext(connection) as first:
        get()
    added = add_offices(tenant_a, [(["43"], OfficeStatus.APPROVED)] * 3, first_serial=40)
    with scope(association=tenant_a.association.pk):
        staffing_report_save(
            office=added[0],
            month=MONTH,
            rows=[ROW],
            user=None,
            expected_version=None,
            submit=True,
            confirm_warnings=True,
            today=date(2026, 10, 1),
        )
    with CaptureQueriesContext(connection) as second:
        body = get()
    assert body["expected"] == len(approved) + 3 and body["filed"] == len(filed_month) + 1
    assert len(second) == len(first)
    assert officer.get("/api/v1/completeness/?month=2026-13").status_code == 400
    for who in ("city", "office_admin", "leader"):
        assert (
            client_for(tenant_a, tenant_a.users[who]).get("/api/v1/completeness/").status_code
            == 403
        )


def test_filing_months_of_an_office(tenant_a: Tenant) -> None:
    own, other = tenant_a.offices[0], tenant_a.offices[1]
    url = f"/api/v1/offices/{own.pk}/filing-months/"
    months = client_for(tenant_a, tenant_a.users["office_staff"]).get(url).json()
    september = next(m for m in months if m["month"] == "2026-09")
    assert september["submitted"] and september["filing"] is not None
    assert september["timeliness"] in ("on_time", "late")
    assert any(m["timeliness"] == "overdue" for m in months)  # a month nobody filed shows
    assert api(tenant_a, new_token(tenant_a)).get(url).json() == months
    officer = client_for(tenant_a, tenant_a.users["officer"])
    assert officer.get(f"/api/v1/offices/{other.pk}/filing-months/").status_code == 200
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    assert staff.get(f"/api/v1/offices/{other.pk}/filing-months/").status_code == 403
    assert client_for(tenant_a, tenant_a.users["city"]).get(url).status_code == 403


def test_officers_set_targets_through_the_service(tenant_a: Tenant, tenant_b: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    with scope(association=tenant_a.association.pk):
        kyotaku = Subcommittee.objects.get(kind="kyotaku")
    with scope(association=tenant_b.association.pk):
        foreign = Subcommittee.objects.get(kind="kyotaku")
    target = {"fiscal_year": 2027, "metric": "hire_rate", "value": "15.5", "at_most": False}

    def post(data: dict[str, object]) -> Any:
        return officer.post("/api/v1/targets/", json.dumps(data), content_type="application/json")

    created = post({**target, "subcommittee": kyotaku.pk})
    assert created.status_code == 201, created.content
    again = post({**target, "subcommittee": kyotaku.pk, "value": "16.0"})
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    assert post({**target, "value": "100.1"}).status_code == 400
    assert post({**target, "subcommittee": foreign.pk}).status_code == 400
    with scope(association=tenant_a.association.pk):
        stored = KpiTarget.objects.get(fiscal_year=2027)
        assert (stored.subcommittee_id, str(stored.value)) == (kyotaku.pk, "16.0")
    listed = officer.get("/api/v1/targets/?fiscal_year=2027").json()["results"]
    assert [t["value"] for t in listed] == ["16.0"]
    admin = client_for(tenant_a, tenant_a.users["office_admin"])
    assert admin.get("/api/v1/targets/").status_code == 403


def test_setting_a_target_with_if_match_refuses_a_stale_one(tenant_a: Tenant) -> None:
    """Two officers edit the same target: the second, holding the ETag from before the
    first's change, gets 412 and changes nothing; the current ETag (from the list or the
    answer) goes through. If-Match for a target nobody set yet is a 412 as well."""
    officer = client_for(tenant_a, tenant_a.users["officer"])
    target = {"fiscal_year": 2028, "metric": "separation_rate", "value": "12.0"}

    def post(data: dict[str, object], **headers: str) -> Any:
        return officer.post(
            "/api/v1/targets/", json.dumps(data), content_type="application/json", headers=headers
        )

    assert post(target, **{"If-Match": '"anything"'}).status_code == 412
    created = post(target)
    assert created.status_code == 201
    etag = created["ETag"]
    assert created.json()["etag"] == etag
    listed = officer.get("/api/v1/targets/?fiscal_year=2028").json()["results"]
    assert [t["etag"] for t in listed] == [etag]
    first = post({**target, "value": "11.0"}, **{"If-Match": etag})
    assert first.status_code == 200 and first["ETag"] != etag
    stale = post({**target, "value": "10.0"}, **{"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    with scope(association=tenant_a.association.pk):
        assert str(KpiTarget.objects.get(fiscal_year=2028).value) == "11.0"
    assert post({**target, "value": "10.0"}, **{"If-Match": first["ETag"]}).status_code == 200
    # Without If-Match the last one to set it wins, as before.
    assert post({**target, "value": "9.5"}).status_code == 200
