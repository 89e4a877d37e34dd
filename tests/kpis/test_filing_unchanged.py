"""「先月と変わりなし」: this month filed as last month's month-end headcounts with no hires or
separations, through the form (a confirmation page first) and the API, by one service
(`staffing_report_file_unchanged`); locks, months not begun, a draft, a month already submitted
and a month with nothing before it to repeat."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_scopes import scope

from core.calendar import add_months
from kpis.models import ReportStatus, StaffingChange
from kpis.services import FilingNothingToCarry, staffing_report_save
from tests.kpis.test_api import new_token
from tests.kpis.test_filing_form import (
    file_month,
    filing_url,
    form_data,
    report_of,
    row,
    rows_of,
    service_rows,
    this_month,
)
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

LAST_MONTH_ROWS = {
    ("care_worker", "regular"): row(start=4, hires=0, separations=0, end=3, open_positions=1),
    ("nurse", "non_regular"): row(start=1, hires=0, separations=0, end=1, foreign_epa=1),
}
# What 「変わりなし」 files: the month-end at start and end, nothing else moving.
EXPECTED = {
    "care_worker/regular": (3, 0, 0, 0, 3, 1, None),
    "nurse/non_regular": (1, 0, 0, 0, 1, 0, 1),
}
FIELDS = (
    "headcount_start",
    "hires",
    "separations",
    "separations_within_year",
    "headcount_end",
    "open_positions",
    "foreign_epa",
)


def filed(tenant: Tenant, month: date) -> dict[str, tuple[Any, ...]]:
    return {
        key: tuple(values[name] for name in FIELDS)
        for key, values in rows_of(tenant, month).items()
    }


def unchanged_url(office: Any, month: date) -> str:
    url = reverse("kpis:filing_unchanged", kwargs={"office_pk": office.pk})
    return f"{url}?month={month:%Y-%m}"


def staff_client(tenant: Tenant) -> Client:
    client = Client(HTTP_HOST=tenant.host, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(tenant.users["office_staff"])
    return client


def api_unchanged(tenant: Tenant, month: date, **extra: Any) -> Any:
    client = Client(
        HTTP_HOST=tenant.host,
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_AUTHORIZATION=f"Bearer {new_token(tenant)}",
    )
    body = {"month": f"{month:%Y-%m}", "unchanged": True, **extra}
    return client.post("/api/v1/filings/", json.dumps(body), content_type="application/json")


def test_the_form_shows_what_will_be_filed_then_files_it(tenant_a: Tenant) -> None:
    month = this_month()
    file_month(tenant_a, add_months(month, -1), LAST_MONTH_ROWS)
    client = staff_client(tenant_a)
    office = tenant_a.offices[0]

    page = client.get(filing_url(office, month)).content.decode()
    assert unchanged_url(office, month).replace("&", "&amp;") in page  # offered on the form

    confirm = client.get(unchanged_url(office, month))
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Submit as unchanged" in html
    assert "Care worker (介護職員) · Regular (正規職員)" in html
    assert report_of(tenant_a, month) is None  # looking saves nothing

    response = client.post(
        unchanged_url(office, month), {"month": f"{month:%Y-%m}", "expected_version": ""}
    )
    assert response.status_code == 302 and response["Location"] == filing_url(office, month)
    report = report_of(tenant_a, month)
    assert report is not None and report.status == ReportStatus.SUBMITTED
    assert filed(tenant_a, month) == EXPECTED
    with scope(association=tenant_a.association.pk):
        change = StaffingChange.objects.filter(report=report).get()
    assert (change.action, change.via) == ("submit", "web")
    assert (change.after or {}).get("unchanged") is True
    page = client.get(filing_url(office, month)).content.decode()
    assert "Submitted on" in page
    assert unchanged_url(office, month).replace("&", "&amp;") not in page  # done: no offer
    history = client.get(reverse("kpis:history", kwargs={"office_pk": office.pk}))
    assert "Submitted as unchanged from last month" in history.content.decode()


def test_a_draft_is_replaced_from_the_version_seen_and_a_submitted_month_is_refused(
    tenant_a: Tenant,
) -> None:
    month = this_month()
    file_month(tenant_a, add_months(month, -1), LAST_MONTH_ROWS)
    draft = file_month(
        tenant_a,
        month,
        {("care_worker", "regular"): row(start=3, hires=1, separations=0, end=4)},
        submit=False,
        today=month,
    )
    client = staff_client(tenant_a)
    office = tenant_a.offices[0]
    assert "replaces it" in client.get(unchanged_url(office, month)).content.decode()

    # The draft changed after the confirmation page was shown: nothing is overwritten.
    stale = client.post(
        unchanged_url(office, month), {"month": f"{month:%Y-%m}", "expected_version": "0"}
    )
    assert stale.status_code == 302
    assert report_of(tenant_a, month).status == ReportStatus.DRAFT  # type: ignore[union-attr]

    client.post(
        unchanged_url(office, month),
        {"month": f"{month:%Y-%m}", "expected_version": str(draft.version)},
    )
    assert filed(tenant_a, month) == EXPECTED
    assert report_of(tenant_a, month).status == ReportStatus.SUBMITTED  # type: ignore[union-attr]

    # Submitted now: 「変わりなし」 is not offered, and refused if asked, through both channels.
    html = client.get(unchanged_url(office, month)).content.decode()
    assert "has already been submitted" in html and "Submit as unchanged" not in html
    response = client.post(
        unchanged_url(office, month), {"month": f"{month:%Y-%m}", "expected_version": "2"}
    )
    messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("has already been submitted" in m for m in messages)
    api = api_unchanged(tenant_a, month, expected_version=2)
    assert (api.status_code, api.json()["code"]) == (409, "already_submitted")


def test_the_api_files_unchanged_and_refuses_rows_with_it(tenant_a: Tenant) -> None:
    month = this_month()
    file_month(tenant_a, add_months(month, -1), LAST_MONTH_ROWS)
    refused = api_unchanged(tenant_a, month, rows=service_rows({("care_worker", "regular"): row()}))
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "rows"
    response = api_unchanged(tenant_a, month)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "submitted"
    assert filed(tenant_a, month) == EXPECTED


def test_nothing_to_repeat_a_locked_month_and_a_month_not_begun(tenant_a: Tenant) -> None:
    month = this_month()
    client = staff_client(tenant_a)
    office = tenant_a.offices[0]
    with translation.override("en"):
        nothing = " ".join(FilingNothingToCarry(month).messages)
    # No filing last month: a clear message, no button, and the API says the same.
    html = client.get(unchanged_url(office, month)).content.decode()
    assert "has no submitted filing to repeat" in html and "Submit as unchanged" not in html
    api = api_unchanged(tenant_a, month)
    assert (api.status_code, api.json()) == (400, {"code": "nothing_to_carry", "detail": nothing})
    assert report_of(tenant_a, month) is None

    # A locked month (January 2020, deadline long passed), last month filed.
    locked = date(2020, 1, 1)
    file_month(tenant_a, add_months(locked, -1), LAST_MONTH_ROWS)
    html = client.get(unchanged_url(office, locked)).content.decode()
    assert "is locked because its deadline" in html and "Submit as unchanged" not in html
    api = api_unchanged(tenant_a, locked)
    assert (api.status_code, api.json()["code"]) == (409, "locked")
    assert report_of(tenant_a, locked) is None

    # Next month has not begun: no page for it, and the API refuses it as any filing.
    later = add_months(month, 1)
    file_month(tenant_a, month, LAST_MONTH_ROWS)
    assert client.get(unchanged_url(office, later)).status_code == 404
    api = api_unchanged(tenant_a, later)
    assert (api.status_code, api.json()["code"]) == (400, "invalid")
    assert api.json()["errors"][0]["field"] == "month"


def test_the_form_shows_only_the_rows_the_office_uses_and_adds_one(tenant_a: Tenant) -> None:
    month = this_month()
    client = staff_client(tenant_a)
    office = tenant_a.offices[0]
    # Nothing filed before: every row, the office says which it has.
    html = client.get(filing_url(office, month)).content.decode()
    assert html.count('name="row"') == 12
    file_month(tenant_a, add_months(month, -1), LAST_MONTH_ROWS)
    html = client.get(filing_url(office, month)).content.decode()
    assert html.count('name="row"') == 2  # care workers (regular), nurses (non-regular)
    assert 'name="care_worker.regular.hires"' in html
    assert 'name="home_helper.regular.hires"' not in html

    # “Add a row” without JavaScript: the page again, what was typed kept, nothing saved.
    data: dict[str, Any] = form_data(
        month, {("care_worker", "regular"): {"hires": "1"}}, action="add_row"
    )
    data["row"] = ["care_worker/regular", "nurse/non_regular"]
    data["add_row"] = "home_helper/regular"
    response = client.post(filing_url(office, month), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="home_helper.regular.hires"' in html
    assert html.count('name="row"') == 3
    assert 'name="care_worker.regular.hires" value="1"' in html
    assert report_of(tenant_a, month) is None


def test_the_service_is_the_same_for_a_draft_saved_through_it(tenant_a: Tenant) -> None:
    """A draft saved by the filing service, then 「変わりなし」 through the API with its version."""
    month = this_month()
    file_month(tenant_a, add_months(month, -1), LAST_MONTH_ROWS)
    with scope(association=tenant_a.association.pk):
        draft = staffing_report_save(
            office=tenant_a.offices[0],
            month=month,
            rows=service_rows({("care_worker", "regular"): row(start=3, end=3, hires=0)}),
            user=tenant_a.users["office_staff"],
            expected_version=None,
            submit=False,
        )
    assert api_unchanged(tenant_a, month).json()["code"] == "conflict"
    response = api_unchanged(tenant_a, month, expected_version=draft.version)
    assert response.status_code == 200, response.json()
    assert filed(tenant_a, month) == EXPECTED


def upload_csv(tenant: Tenant, lines: list[list[str]]) -> bytes:
    from kpis.upload import COLUMNS_BY_KEY

    keys = ("provider_number", "month", "job_category", "employment_type", "headcount_end")
    rows = [[COLUMNS_BY_KEY[key].header for key in keys], *lines]
    return "\r\n".join(",".join(cells) for cells in rows).encode("cp932")


def upload_plan_and_apply(tenant: Tenant, data: bytes, *, apply: bool) -> Any:
    from association.permissions import access_for
    from kpis.upload import upload_apply, upload_plan, upload_read

    user = tenant.users["office_admin"]
    with translation.override("en"), scope(association=tenant.association.pk):
        office_ids = access_for(user, tenant.association).office_ids("kpis.file")
        plan = upload_plan(rows=upload_read(data=data, filename="kpi.csv"), office_ids=office_ids)
        if apply:
            upload_apply(data=data, filename="kpi.csv", user=user, office_ids=office_ids)
    return plan


def test_an_upload_line_files_an_office_month_as_unchanged(tenant_a: Tenant) -> None:
    """「先月と変わりなし」 in the 職種 column, on a line of its own with its figures empty."""
    month = this_month()
    number = tenant_a.offices[0].provider_number
    label = f"{month:%Y-%m}"
    # Nothing to repeat yet: the service's words, on the line.
    plan = upload_plan_and_apply(
        tenant_a, upload_csv(tenant_a, [[number, label, "先月と変わりなし", "", ""]]), apply=False
    )
    with translation.override("en"):
        nothing = " ".join(FilingNothingToCarry(month).messages)
    assert [(e.row, e.column, e.message) for e in plan.errors] == [(2, "職種", nothing)]

    file_month(tenant_a, add_months(month, -1), LAST_MONTH_ROWS)
    # Not with figures, and not beside other lines of the same office-month.
    plan = upload_plan_and_apply(
        tenant_a,
        upload_csv(
            tenant_a,
            [[number, label, "変わりなし", "", "3"], [number, label, "介護職員", "正規", "3"]],
        ),
        apply=False,
    )
    assert {(e.row, e.column) for e in plan.errors} == {(2, "月末職員数"), (2, "職種")}
    assert report_of(tenant_a, month) is None

    plan = upload_plan_and_apply(
        tenant_a, upload_csv(tenant_a, [[number, label, "先月と変わりなし", "", ""]]), apply=True
    )
    assert not plan.errors and plan.filings[0].unchanged
    assert filed(tenant_a, month) == EXPECTED
    with scope(association=tenant_a.association.pk):
        change = StaffingChange.objects.filter(report__office=tenant_a.offices[0]).first()
    assert change is not None and change.via == "upload"
    assert (change.after or {}).get("unchanged") is True
    # Submitted now: a second such line is refused, as in the form and the API.
    plan = upload_plan_and_apply(
        tenant_a, upload_csv(tenant_a, [[number, label, "変わりなし", "", ""]]), apply=False
    )
    assert next(e.message for e in plan.errors).endswith("edit them in the form.")
