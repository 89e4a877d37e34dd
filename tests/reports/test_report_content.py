"""The monthly reports' content: figures against the selectors, coverage, suppression."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from core.calendar import months_between, rolling_months
from kpis import selectors
from kpis.services import staffing_report_save
from members.models import OfficeService
from reports.content import report_content, suppress, tables
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

MONTH = date(2025, 10, 1)


def file_months(tenant: Tenant, offices: list[Any], months: list[date]) -> None:
    for office in offices:
        for month in months:
            staffing_report_save(
                office=office,
                month=month,
                rows=[
                    {
                        "job_category": "care_worker",
                        "employment_type": "regular",
                        "headcount_start": 20,
                        "hires": 2,
                        "separations": 1,
                        "separations_within_year": 1,
                        "headcount_end": 21,
                        "open_positions": 3,
                        "hires_hello_work": 2,
                    }
                ],
                user=tenant.users["officer"],
                expected_version=None,
                submit=True,
                confirm_warnings=True,
                today=date(month.year + (month.month == 12), month.month % 12 + 1, 2),
            )


@pytest.fixture
def filed(tenant_a: Tenant) -> Tenant:
    with scope(association=tenant_a.association.pk):
        file_months(tenant_a, tenant_a.offices[:3], months_between(*rolling_months(MONTH)))
    return tenant_a


def table(content: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in tables(content) if t["key"] == key)


def figure(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell without the name of its quantity (the "id" suppression reads)."""
    return {k: v for k, v in cell.items() if k != "id"}


def test_recruitment_figures_match_selectors(filed: Tenant) -> None:
    association = filed.association
    with CaptureQueriesContext(connection) as queries:
        content = report_content(association=association, month=MONTH, kind="recruitment")
    assert len(queries) == 18, [q["sql"][:80] for q in queries.captured_queries]
    hires = table(content, "hires_by_job_month")["rows"][0]
    assert hires["whole"] and figure(hires["cells"][-1]) == {"value": 6, "offices": 3}
    rolling = table(content, "hires_by_job_rolling")["rows"][0]["cells"][-1]
    assert figure(rolling) == {"value": 72, "offices": 3}
    with scope(association=association.pk):
        figures = selectors.figures(first=date(2024, 11, 1), last=MONTH)
    summary = {item["key"]: item for item in content["summary"]}
    assert summary["hire_rate"]["value"] == str(figures.hire_rate.value)
    assert summary["hire_rate"]["offices"] == figures.offices == 3
    assert summary["open_positions"]["value"] == 9
    coverage = table(content, "coverage")["rows"][0]["cells"]
    assert [coverage[0]["value"], coverage[1]["value"]] == [3, 3]


def test_retention_rates_and_trend(filed: Tenant) -> None:
    content = report_content(association=filed.association, month=MONTH, kind="retention")
    with scope(association=filed.association.pk):
        figures = selectors.figures(first=date(2024, 11, 1), last=MONTH)
    rates = table(content, "rates_rolling")["rows"][0]["cells"]
    assert rates[0]["value"] == str(figures.separation_rate.value)
    assert content["trends"]["24"][-1]["separation_rate"]["value"] == rates[0]["value"]
    assert len(content["trends"]["12"]) == 12 and len(content["trends"]["24"]) == 24
    assert json.loads(json.dumps(content)) == content


def test_suppression_by_threshold(tenant_a: Tenant) -> None:
    """訪問部会 gets two filing offices (offices 1 and 2); the association has three."""
    offices = tenant_a.offices
    with scope(association=tenant_a.association.pk):
        OfficeService.objects.create(office=offices[0], service_code="11")
        houmon = Subcommittee.objects.get(kind=SubcommitteeKind.HOUMON)
        file_months(tenant_a, offices[:3], [MONTH])
    content = report_content(association=tenant_a.association, month=MONTH, kind="recruitment")

    def cell(data: dict[str, Any], key: str) -> dict[str, Any]:
        rows = table(data, "hires_by_job_month")["rows"]
        return figure(next(row for row in rows if row["key"] == key)["cells"][-1])

    assert cell(content, f"subcommittee-{houmon.pk}") == {"value": 4, "offices": 2}
    strict = suppress(content, threshold=3)
    assert cell(strict, f"subcommittee-{houmon.pk}") == {
        "value": None,
        "offices": 2,
        "suppressed": True,
    }
    assert cell(strict, "association") == {"value": 6, "offices": 3}
    assert strict["suppression"]["threshold"] == 3 and strict["suppression"]["cells"] > 0
    lenient = suppress(content, threshold=2)
    assert cell(lenient, f"subcommittee-{houmon.pk}") == {"value": 4, "offices": 2}
    # Coverage counts offices, never staff: it is not suppressed.
    coverage = next(
        row
        for row in table(strict, "coverage")["rows"]
        if row["key"] == f"subcommittee-{houmon.pk}"
    )
    assert coverage["cells"][1] == {"value": 2, "offices": 2, "public": True}
    # The original is left as it was, and no office's name appears anywhere.
    assert cell(content, f"subcommittee-{houmon.pk}")["value"] == 4
    assert "事業所1" not in json.dumps(strict, ensure_ascii=False)
