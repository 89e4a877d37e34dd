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


def test_changes_come_in_pages_in_plain_words_and_in_wareki(tenant_a: Tenant) -> None:
    """25 changes: pages of 10, newest first; authors and channels in words (never "seed" or a
    token's code); times as 和暦 with the western year, not 2026-11-30 09:41."""
    import re

    from core.calendar import wareki_datetime

    last = reference_month()
    file_history(tenant_a, last, 24)  # 23 new submissions beside the fixture's
    with scope(association=tenant_a.association.pk):
        report = report_of(tenant_a, last)
        assert report is not None
        for via in ("seed", "api:abcd1234", "mystery"):
            StaffingChange.objects.create(report=report, user=None, action="submit", via=via)
        total = StaffingChange.objects.filter(report__office=tenant_a.offices[0]).count()
        newest = StaffingChange.objects.filter(report__office=tenant_a.offices[0]).first()
    client = admin(tenant_a)
    pages = -(-total // 10)
    first = client.get(history_url(tenant_a))
    assert len(first.context["changes"]) == 10
    html = first.content.decode()
    assert f"Page 1 of {pages} ({total} changes, newest first)." in html
    assert "?page=2#changes-heading" in html
    assert "seed" not in html and "abcd1234" not in html and "mystery" not in html
    assert "Demo data of the association&#x27;s trial site" in html or "trial site" in html
    assert "By the office&#x27;s own system, through the office&#x27;s own system (API)" in html
    assert "through another way" in html
    assert newest is not None and wareki_datetime(newest.at) in html
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)  # one calendar style
    last_page = client.get(history_url(tenant_a) + "?page=999")  # past the end: the last
    assert len(last_page.context["changes"]) == total - 10 * (pages - 1)
    assert client.get(history_url(tenant_a) + "?page=x").context["change_page"].number == 1


def test_the_fiscal_year_row_counts_the_months_missing(tenant_a: Tenant) -> None:
    """Filed up to three months ago only: the year-to-date row runs to last month and says how
    many months are missing, instead of stopping at the last filed month."""
    from core.calendar import fiscal_year_months, fiscal_year_of

    last = reference_month()
    fy_first = fiscal_year_months(fiscal_year_of(last))[0]
    filed_to = add_months(last, -2)
    if filed_to >= fy_first:
        for month in [add_months(filed_to, -i) for i in range(12)]:
            if month >= fy_first and report_of(tenant_a, month) is None:
                file_month(tenant_a, month, {CARE: row(10, 0, 0, 0, 10)})
    response = admin(tenant_a).get(history_url(tenant_a))
    fiscal = next(w for w in response.context["windows"] if w["window"].kind == "fiscal_year")
    assert fiscal["window"].last == last
    months = fiscal["window"].months
    filed = fiscal["months_filed"]
    missing = fiscal["months_missing"]
    assert missing == months - filed >= 1  # at least last month
    html = response.content.decode()
    assert (f"{missing} month missing" if missing == 1 else f"{missing} months missing") in html
