"""/api/v1/reports/: the pages' rules (officers every revision, the city published ones),
build and publish through the services, figures suppressed for the city as published."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from reports.models import MonthlyReport
from tests.api_errors import error_fields
from tests.conftest import client_for
from tests.reports.test_report_pages import _figures_data, _report
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json")


def test_the_city_sees_published_revisions_and_officers_all(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    draft = _report(tenant_a, month=date(2026, 10, 1), status="draft")
    city = client_for(tenant_a, tenant_a.users["city"])
    officer = client_for(tenant_a, tenant_a.users["officer"])
    with scope(association=tenant_a.association.pk):
        published = MonthlyReport.objects.get(status="published")
    listed = city.get("/api/v1/reports/").json()["results"]
    assert [r["id"] for r in listed] == [published.pk]
    assert listed[0]["pdf_url"].endswith(f"/reports/{published.pk}/pdf")
    assert city.get(listed[0]["pdf_url"]).status_code == 200  # the link downloads
    assert {r["id"] for r in officer.get("/api/v1/reports/").json()["results"]} == {
        published.pk,
        draft.pk,
    }
    assert city.get(f"/api/v1/reports/{draft.pk}/").status_code == 404
    with scope(association=tenant_b.association.pk):
        foreign = MonthlyReport.objects.get()
    for client in (city, officer):
        assert client.get(f"/api/v1/reports/{foreign.pk}/").status_code == 404
    # Constant queries whatever the number of revisions.
    with CaptureQueriesContext(connection) as first:
        officer.get("/api/v1/reports/")
    for month in (4, 5, 6):
        _report(tenant_a, month=date(2026, month, 1))
    with CaptureQueriesContext(connection) as second:
        assert officer.get("/api/v1/reports/").json()["count"] == 5
    assert len(second) == len(first)


def test_officers_build_and_publish_the_city_may_not(tenant_a: Tenant) -> None:
    city = client_for(tenant_a, tenant_a.users["city"])
    officer = client_for(tenant_a, tenant_a.users["officer"])
    build = {"month": "2026-10", "kind": "recruitment"}
    assert _post(city, "/api/v1/reports/", build).status_code == 403
    assert _post(officer, "/api/v1/reports/", {**build, "month": "2026-13"}).status_code == 400
    queued = _post(officer, "/api/v1/reports/", build)
    assert queued.status_code == 202, queued.content
    assert queued.json()["state"] in ("queued", "building", "draft")
    status = officer.get(f"/api/v1/reports/{queued.json()['id']}/").json()
    assert status["month"] == "2026-10" and status["kind"] == "recruitment"
    draft = _report(tenant_a, month=date(2026, 7, 1), status="draft")
    url = f"/api/v1/reports/{draft.pk}/publish/"
    assert _post(city, url, {}).status_code == 403
    published = _post(officer, url, {"notify": False})
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = _post(officer, url, {})
    assert again.status_code == 400 and error_fields(again) == {""}
    assert city.get(f"/api/v1/reports/{draft.pk}/").status_code == 200


def test_figures_are_suppressed_for_the_city_as_in_the_report(tenant_a: Tenant) -> None:
    report = _report(tenant_a, month=date(2026, 7, 1), data=_figures_data())
    url = f"/api/v1/reports/{report.pk}/figures/"
    city = client_for(tenant_a, tenant_a.users["city"]).get(url).json()
    text = json.dumps(city, ensure_ascii=False)
    assert city["suppressed_for_city"] and city["suppressed_cells"] > 0
    assert "6,789" in text  # five offices: shown
    assert "4,321" not in text and "5,555" not in text  # two offices: suppressed
    assert "2,468" not in text and "disclosure" not in text  # the basis never reaches the city
    cells = [
        c for s in city["sections"] for t in s["tables"] for r in t["rows"] for c in r["cells"]
    ]
    assert {"text": "*", "number": None, "suppressed": True, "empty": False} in [
        {**c, "text": "*" if c["suppressed"] else c["text"]} for c in cells
    ]
    officer = client_for(tenant_a, tenant_a.users["officer"]).get(url).json()
    text = json.dumps(officer, ensure_ascii=False)
    assert not officer["suppressed_for_city"]
    assert "4,321" in text and "5,555" in text
