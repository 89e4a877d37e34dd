"""The office's history page: filings by month, every change with who/before/after, its own
rates, the 24-month chart with a table alternative, and constant query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from core.calendar import add_months, month_start, wareki_month
from kpis.history import snapshot_diff
from kpis.models import StaffingChange
from tests.conftest import client_for
from tests.kpis.test_filing_form import (
    CARE,
    NURSE,
    admin,
    file_month,
    filing_url,
    form_data,
    report_of,
    row,
)
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

FIXTURE_MONTH = date(2026, 9, 1)  # tests/tenants.py submits 10 → 10, 1 hire, 1 separation


def reference_month() -> date:
    return add_months(month_start(timezone.localdate()), -1)


def history_url(tenant: Tenant, name: str = "kpis:history") -> str:
    return reverse(name, kwargs={"office_pk": tenant.offices[0].pk})


def file_history(tenant: Tenant, last: date, count: int) -> dict[date, int]:
    """`count` submitted months ending at `last`, headcount 10 → 10; returns hires by month."""
    hires: dict[date, int] = {}
    for index in range(count):
        month = add_months(last, -index)
        if report_of(tenant, month) is not None:  # the fixture's month
            hires[month] = 1
            continue
        flow = index % 3 == 0
        file_month(tenant, month, {CARE: row(10, int(flow), int(flow), 0, 10)})
        hires[month] = int(flow)
    return hires


def test_history_lists_filings_changes_and_rates(tenant_a: Tenant) -> None:
    last = reference_month()
    hires = file_history(tenant_a, last, 13)
    client = admin(tenant_a)
    response = client.get(history_url(tenant_a))
    assert response.status_code == 200
    html = response.content.decode()

    # Filings by month, with who submitted and whether on time.
    assert wareki_month(last) in html
    assert tenant_a.users["office_staff"].email in html
    filings = response.context["filings"]
    assert filings[0]["item"].month == last and filings[0]["item"].submitted

    # The office's own rolling rate, summed as the survey defines it.
    rolling = response.context["windows"][0]
    figures = rolling["figures"]
    window_hires = sum(hires[add_months(last, -i)] for i in range(12))
    assert figures.offices == 1
    assert figures.hire_rate.numerator == window_hires and figures.hire_rate.denominator == 10
    assert figures.hire_rate.value == Decimal(window_hires * 10).quantize(Decimal("0.1"))
    assert rolling["months_filed"] == 12

    # The chart, with a text alternative.
    assert '<svg viewBox="0 0 720 360" role="img" aria-labelledby="trend-title trend-desc"' in html
    assert "The chart&#x27;s figures as a table" in html or "The chart's figures as a table" in html
    assert len(response.context["trend"]) == 24


def test_missing_data_shows_a_dash_and_what_is_covered(tenant_a: Tenant) -> None:
    response = admin(tenant_a).get(history_url(tenant_a))
    windows = response.context["windows"]
    survey = next(w for w in windows if w["window"].kind == "survey_year")
    assert survey["figures"].hire_rate.value is None
    html = response.content.decode()
    assert 'aria-label="no figure">—<' in html
    assert "of 12 months filed" in html


def test_every_change_is_kept_with_who_before_and_after(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], month_start(timezone.localdate())
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    owner = admin(tenant_a)
    assert staff.post(filing_url(office, month), form_data(month, {CARE: row()})).status_code == 302
    assert (
        owner.post(
            filing_url(office, month),
            form_data(month, {CARE: row(10, 2, 1, 0, 11), NURSE: row(3, 0, 0, 0, 3)}, version=1),
        ).status_code
        == 302
    )
    assert (
        owner.post(
            filing_url(office, month),
            form_data(month, {CARE: row(10, 2, 1, 0, 11)}, action="submit", version=2),
        ).status_code
        == 302
    )
    with scope(association=tenant_a.association.pk):
        changes = list(
            StaffingChange.objects.filter(report__office=office, report__month=month)
            .order_by("at", "pk")
            .select_related("user")
        )
    assert [(c.action, c.user) for c in changes] == [
        ("draft", tenant_a.users["office_staff"]),
        ("draft", tenant_a.users["office_admin"]),
        ("submit", tenant_a.users["office_admin"]),
    ]
    before, after = changes[1].before, changes[1].after
    assert changes[0].before is None and before is not None and after is not None
    assert before["rows"]["care_worker/regular"]["headcount_end"] == 10
    assert after["rows"]["care_worker/regular"]["headcount_end"] == 11

    response = owner.get(history_url(tenant_a))
    entries = response.context["changes"]
    newest = entries[0]
    assert newest["change"].action == "submit"
    assert newest["status_before"] == "Draft" and newest["status_after"] == "Submitted"
    second = entries[1]
    diff = {(c["row"], c["field"], c["before"], c["after"]) for c in second["counts"]}
    assert ("Care worker (介護職員) · Regular (正規職員)", "Month-end headcount", 10, 11) in diff
    assert ("Nurse (看護職員) · Non-regular (非正規職員)", "Month-end headcount", None, 3) in diff
    html = response.content.decode()
    assert tenant_a.users["office_admin"].email in html and "Month-end headcount" in html
    # The removed nurse row shows against nothing.
    removed = {(c["row"], c["field"], c["before"], c["after"]) for c in newest["counts"]}
    assert (
        "Nurse (看護職員) · Non-regular (非正規職員)",
        "Month-end headcount",
        3,
        None,
    ) in removed


def test_snapshot_diff_orders_rows_and_skips_empty_counts() -> None:
    before = {"rows": {"nurse/regular": {"hires": 0, "headcount_end": 2}}}
    after = {
        "rows": {
            "nurse/regular": {"hires": 1, "headcount_end": 2},
            "care_worker/regular": {"hires": 0, "headcount_end": 4},
        }
    }
    diff = [(c.row, c.field, c.before, c.after) for c in snapshot_diff(before, after)]
    assert diff == [
        ("care_worker/regular", "headcount_end", None, 4),
        ("nurse/regular", "hires", 0, 1),
    ]


def test_officers_see_any_offices_history(tenant_a: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    response = officer.get(history_url(tenant_a, "kpis:history_review"))
    assert response.status_code == 200
    assert tenant_a.offices[0].name in response.content.decode()
    assert officer.get(history_url(tenant_a)).status_code == 403


def _count(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200  # type: ignore[attr-defined]
    return len(queries)


def test_query_counts_do_not_grow_with_more_months(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    client = admin(tenant_a)
    last = reference_month()
    file_history(tenant_a, last, 6)
    urls = [
        filing_url(office, month_start(timezone.localdate())),
        filing_url(office, last),
        history_url(tenant_a),
    ]
    for url in urls:
        client.get(url)  # warm up session and translations
    before = [_count(client, url) for url in urls]
    file_history(tenant_a, add_months(last, -6), 18)
    # A change log with many entries and a reopened month, too.
    officer = client_for(tenant_a, tenant_a.users["officer"])
    officer_url = history_url(tenant_a, "kpis:history_review")
    officer.get(officer_url)
    officer_before = _count(officer, officer_url)
    file_history(tenant_a, add_months(last, -24), 12)
    assert [_count(client, url) for url in urls] == before
    assert _count(officer, officer_url) == officer_before
