"""Months lock after their deadline; the page says why; officers reopen with a reason; the
office submits again and the month locks again."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from core.calendar import filing_deadline, wareki_date
from kpis.models import ReportStatus, StaffingChange
from kpis.services import FilingLocked, staffing_report_reopen, staffing_report_save
from tests.conftest import client_for
from tests.kpis.test_filing_form import (
    CARE,
    admin,
    file_month,
    filing_url,
    form_data,
    report_of,
    row,
    rows_of,
    service_rows,
)
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

LONG_AGO = date(2020, 1, 1)  # deadline 令和2年（2020年）2月10日, long passed


def reopen_url(tenant: Tenant) -> str:
    return reverse("kpis:reopen", kwargs={"office_pk": tenant.offices[0].pk})


def test_service_locks_after_the_deadline(tenant_a: Tenant) -> None:
    month = date(2026, 3, 1)
    deadline = filing_deadline(month, deadline_day=10)  # 2026-04-10, a Friday
    with scope(association=tenant_a.association.pk):
        save = {
            "office": tenant_a.offices[0],
            "month": month,
            "rows": service_rows({CARE: row()}),
            "user": tenant_a.users["office_admin"],
            "expected_version": None,
            "submit": True,
        }
        with pytest.raises(FilingLocked):
            staffing_report_save(**save, today=date(2026, 4, 11))
        report = staffing_report_save(**save, today=deadline)
    assert report.status == ReportStatus.SUBMITTED


def test_locked_page_says_why_and_shows_no_form(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    file_month(tenant_a, LONG_AGO, {CARE: row()})
    html = admin(tenant_a).get(filing_url(office, LONG_AGO)).content.decode()
    deadline = wareki_date(filing_deadline(LONG_AGO, deadline_day=10))
    assert deadline == "令和2年（2020年）2月10日"
    assert "This month is locked" in html
    assert deadline in html and "An officer of the association can reopen it" in html
    assert 'type="number"' not in html and "Save draft" not in html
    assert 'id="cell-care_worker-regular-headcount_end">10<' in html  # read-only values
    assert "Reopen this month" not in html  # offices cannot reopen


def test_posting_to_a_locked_month_saves_nothing(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    response = admin(tenant_a).post(
        filing_url(office, LONG_AGO),
        form_data(LONG_AGO, {CARE: row()}, action="submit"),
        follow=True,
    )
    assert "is locked" in response.content.decode()
    assert report_of(tenant_a, LONG_AGO) is None


def test_officer_reopens_office_submits_and_the_month_locks_again(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    first = file_month(tenant_a, LONG_AGO, {CARE: row()})
    officer = client_for(tenant_a, tenant_a.users["officer"])

    page = officer.get(filing_url(office, LONG_AGO, "kpis:filing_review")).content.decode()
    assert "Reopen this month" in page and 'name="reason"' in page

    response = officer.post(
        reopen_url(tenant_a), {"month": "2020-01", "reason": "The office found a typo"}
    )
    assert response.status_code == 302
    assert response["Location"] == filing_url(office, LONG_AGO, "kpis:filing_review")
    reopened = report_of(tenant_a, LONG_AGO)
    assert reopened is not None and reopened.reopened_at is not None
    assert reopened.version == first.version + 1

    client = admin(tenant_a)
    html = client.get(filing_url(office, LONG_AGO)).content.decode()
    assert "Reopened by an officer" in html and "The office found a typo" in html
    assert f'name="expected_version" value="{reopened.version}"' in html
    fixed = {CARE: row(start=10, hires=2, separations=1, end=11)}
    response = client.post(
        filing_url(office, LONG_AGO),
        form_data(LONG_AGO, fixed, action="submit", version=reopened.version),
    )
    assert response.status_code == 302
    assert rows_of(tenant_a, LONG_AGO)["care_worker/regular"]["headcount_end"] == 11

    html = client.get(filing_url(office, LONG_AGO)).content.decode()
    assert "This month is locked" in html and 'type="number"' not in html
    with scope(association=tenant_a.association.pk):
        actions = list(
            StaffingChange.objects.filter(report__month=LONG_AGO, report__office=office)
            .order_by("at", "pk")
            .values_list("action", "user__email", "reason")
        )
    assert actions == [
        ("submit", tenant_a.users["office_staff"].email, ""),
        ("reopen", tenant_a.users["officer"].email, "The office found a typo"),
        ("submit", tenant_a.users["office_admin"].email, ""),
    ]


def test_reopen_needs_a_reason(tenant_a: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    response = officer.post(reopen_url(tenant_a), {"month": "2020-01", "reason": "  "})
    assert response.status_code == 200
    assert 'id="form-errors"' in response.content.decode()
    assert report_of(tenant_a, LONG_AGO) is None
    with scope(association=tenant_a.association.pk), pytest.raises(ValidationError):
        staffing_report_reopen(
            office=tenant_a.offices[0], month=LONG_AGO, by=tenant_a.users["officer"], reason=""
        )


def test_reopen_refuses_a_month_that_is_not_locked(tenant_a: Tenant) -> None:
    from django.utils import timezone

    from core.calendar import month_start

    month = month_start(timezone.localdate())
    officer = client_for(tenant_a, tenant_a.users["officer"])
    response = officer.post(reopen_url(tenant_a), {"month": f"{month:%Y-%m}", "reason": "why not"})
    assert response.status_code == 200
    assert "is not locked" in response.content.decode()
    assert report_of(tenant_a, month) is None


def test_only_officers_reopen(tenant_a: Tenant) -> None:
    for who in ("office_admin", "office_staff", "corp_admin", "leader", "city"):
        client = client_for(tenant_a, tenant_a.users[who])
        response = client.post(reopen_url(tenant_a), {"month": "2020-01", "reason": "please"})
        assert response.status_code == 403, who
    assert report_of(tenant_a, LONG_AGO) is None
