"""The office's web filing form: drafts, submission, carry-forward, Japanese input, per-cell
errors, confirmation of soft findings, read-only views, access and concurrent edits."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from core.calendar import add_months, month_start
from kpis.models import ReportStatus, StaffingChange, StaffingReport, StaffingRow
from kpis.services import staffing_report_save
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

CARE = ("care_worker", "regular")
NURSE = ("nurse", "non_regular")


def this_month() -> date:
    """Always open: its deadline is in the next month."""
    return month_start(timezone.localdate())


def filing_url(office: Any, month: date | None = None, name: str = "kpis:filing") -> str:
    url = reverse(name, kwargs={"office_pk": office.pk})
    return f"{url}?month={month:%Y-%m}" if month else url


def row(
    start: Any = 10,
    hires: Any = 1,
    separations: Any = 1,
    within: Any = 0,
    end: Any = 10,
    **extra: Any,
) -> dict[str, Any]:
    values = {
        "headcount_start": start,
        "hires": hires,
        "separations": separations,
        "separations_within_year": within,
        "headcount_end": end,
        "open_positions": 0,
    }
    if "hires_other" not in extra and isinstance(hires, int):
        extra = {"hires_other": hires, **extra}
    return {**values, **extra}


def form_data(
    month: date,
    rows: dict[tuple[str, str], dict[str, Any]],
    *,
    action: str = "draft",
    version: Any = "",
    **extra: Any,
) -> dict[str, str]:
    data = {"month": f"{month:%Y-%m}", "expected_version": str(version), "action": action}
    for (job, employment), values in rows.items():
        for name, value in values.items():
            data[f"{job}.{employment}.{name}"] = str(value)
    data.update({key: str(value) for key, value in extra.items()})
    return data


def service_rows(rows: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"job_category": job, "employment_type": employment, **values}
        for (job, employment), values in rows.items()
    ]


def file_month(
    tenant: Tenant, month: date, rows: dict[tuple[str, str], dict[str, Any]], **kwargs: Any
) -> StaffingReport:
    """Submit a month through the service, as if before its deadline."""
    with scope(association=tenant.association.pk):
        return staffing_report_save(
            office=kwargs.pop("office", tenant.offices[0]),
            month=month,
            rows=service_rows(rows),
            user=kwargs.pop("user", tenant.users["office_staff"]),
            expected_version=kwargs.pop("expected_version", None),
            submit=kwargs.pop("submit", True),
            confirm_warnings=True,
            today=kwargs.pop("today", add_months(month, 1)),
            **kwargs,
        )


def report_of(tenant: Tenant, month: date, office: Any = None) -> StaffingReport | None:
    with scope(association=tenant.association.pk):
        return (
            StaffingReport.objects.filter(office=office or tenant.offices[0], month=month)
            .prefetch_related("rows")
            .first()
        )


def rows_of(tenant: Tenant, month: date) -> dict[str, dict[str, Any]]:
    with scope(association=tenant.association.pk):
        return {
            f"{r['job_category']}/{r['employment_type']}": dict(r)
            for r in StaffingRow.objects.filter(
                report__office=tenant.offices[0], report__month=month
            ).values()
        }


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if match is None:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, f"no input {name}"
    return match.group(0)


def admin(tenant: Tenant) -> Client:
    return client_for(tenant, tenant.users["office_admin"])


# --- saving -----------------------------------------------------------------------------------


def test_form_saves_a_draft(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    client = admin(tenant_a)
    page = client.get(filing_url(office, month))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="expected_version" value=""' in html
    assert "Save draft" in html and "Submit" in html
    # Phone-friendly number inputs.
    tag = input_tag(html, "care_worker.regular.hires")
    assert 'type="number"' in tag and 'inputmode="numeric"' in tag and 'min="0"' in tag

    response = client.post(filing_url(office, month), form_data(month, {CARE: row()}))
    assert response.status_code == 302
    report = report_of(tenant_a, month)
    assert report is not None
    assert report.status == ReportStatus.DRAFT and report.version == 1
    saved = rows_of(tenant_a, month)
    assert set(saved) == {"care_worker/regular"}  # empty rows are not saved
    assert saved["care_worker/regular"]["headcount_end"] == 10
    assert saved["care_worker/regular"]["hires_other"] == 1

    html = client.get(filing_url(office, month)).content.decode()
    assert 'name="expected_version" value="1"' in html
    assert input_value(html, "care_worker.regular.headcount_end") == "10"
    assert "Draft (not submitted yet)" in html


def test_form_submits(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    client = admin(tenant_a)
    rows = {
        CARE: row(start=10, hires=2, separations=1, within=1, end=11),
        NURSE: row(3, 0, 0, 0, 3),
    }
    response = client.post(filing_url(office, month), form_data(month, rows, action="submit"))
    assert response.status_code == 302
    report = report_of(tenant_a, month)
    assert report is not None and report.status == ReportStatus.SUBMITTED
    assert report.submitted_by == tenant_a.users["office_admin"]
    assert rows_of(tenant_a, month)["care_worker/regular"]["separations_within_year"] == 1
    html = client.get(filing_url(office, month)).content.decode()
    assert "Submitted on" in html
    assert "Submit changes" in html and "Save draft" not in html


def test_last_months_end_headcount_carries_forward(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    previous = add_months(month, -1)
    file_month(tenant_a, previous, {CARE: row(10, 3, 1, 0, 12), NURSE: row(4, 0, 0, 0, 4)})
    html = admin(tenant_a).get(filing_url(office, month)).content.decode()
    assert input_value(html, "care_worker.regular.headcount_start") == "12"
    assert input_value(html, "nurse.non_regular.headcount_start") == "4"
    assert input_value(html, "care_worker.regular.hires") == ""
    # Last month's figures show beside this month's, tied to the input for screen readers.
    assert "Last month: 3" in html
    tag = input_tag(html, "care_worker.regular.hires")
    assert 'aria-describedby="cell-care_worker-regular-hires-previous"' in tag


def test_full_width_digits_are_accepted(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    values = row(start="１２", hires="２", separations="１", within="０", end="１３")
    values["hires_other"] = "２"
    values["open_positions"] = " ３ "
    response = admin(tenant_a).post(
        filing_url(office, month), form_data(month, {CARE: values}, action="submit")
    )
    assert response.status_code == 302
    saved = rows_of(tenant_a, month)["care_worker/regular"]
    assert (saved["headcount_start"], saved["headcount_end"], saved["open_positions"]) == (
        12,
        13,
        3,
    )


@pytest.mark.parametrize(
    ("values", "cell", "message"),
    [
        (row(start=-1, hires=0, separations=0, end=0), "headcount_start", "cannot be negative"),
        (row(separations=1, within=2), "separations_within_year", "cannot exceed separations"),
        (row(hires=3, hires_other=1), "hires", "add up to 1, but hires are 3"),
        (row(end="十"), "headcount_end", "Enter a whole number"),
    ],
    ids=["negative", "early-separations", "channels", "not-a-number"],
)
def test_errors_show_at_their_cell_and_nothing_is_saved(
    tenant_a: Tenant, values: dict[str, Any], cell: str, message: str
) -> None:
    office, month = tenant_a.offices[0], this_month()
    response = admin(tenant_a).post(
        filing_url(office, month), form_data(month, {CARE: values}, action="submit")
    )
    assert response.status_code == 200
    html = response.content.decode()
    cell_id = f"cell-care_worker-regular-{cell}"
    tag = input_tag(html, f"care_worker.regular.{cell}")
    assert 'aria-invalid="true"' in tag
    assert f"{cell_id}-message" in tag  # aria-describedby names the message
    message_html = re.search(rf'id="{cell_id}-message">(.*?)</td>', html, re.S)
    assert message_html and message in message_html.group(1)
    # The summary links to the cell.
    summary = re.search(r'id="filing-errors".*?</div>', html, re.S)
    assert summary and f'href="#{cell_id}"' in summary.group(0) and message in summary.group(0)
    # What was typed is kept.
    assert input_value(html, f"care_worker.regular.{cell}") == str(values[cell])
    assert report_of(tenant_a, month) is None


def test_several_errors_at_once_including_a_cell_that_is_not_a_number(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    rows = {CARE: row(start="abc"), NURSE: row(1, 0, 1, 2, 0)}
    html = (
        admin(tenant_a)
        .post(filing_url(office, month), form_data(month, rows, action="draft"))
        .content.decode()
    )
    assert 'aria-invalid="true"' in input_tag(html, "care_worker.regular.headcount_start")
    assert 'aria-invalid="true"' in input_tag(html, "nurse.non_regular.separations_within_year")
    assert report_of(tenant_a, month) is None


def test_soft_findings_ask_for_confirmation_then_a_comment_submits(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    client = admin(tenant_a)
    rows = {CARE: row(start=10, hires=1, separations=0, end=15)}  # 10 + 1 − 0 ≠ 15
    response = client.post(filing_url(office, month), form_data(month, rows, action="submit"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="filing-warnings"' in html
    assert 'name="confirm"' in html
    assert "but the month-end headcount is 15" in html
    tag = input_tag(html, "care_worker.regular.headcount_end")
    assert "cell-care_worker-regular-headcount_end-message" in tag
    assert input_value(html, "care_worker.regular.headcount_end") == "15"  # kept
    assert report_of(tenant_a, month) is None

    response = client.post(
        filing_url(office, month),
        form_data(month, rows, action="submit", comment="3 staff moved from another office"),
    )
    assert response.status_code == 302
    report = report_of(tenant_a, month)
    assert report is not None and report.status == ReportStatus.SUBMITTED
    assert report.comment == "3 staff moved from another office"


def test_soft_findings_confirmed_with_the_checkbox(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    rows = {CARE: row(start=10, hires=1, separations=0, end=15)}
    response = admin(tenant_a).post(
        filing_url(office, month), form_data(month, rows, action="submit", confirm="1")
    )
    assert response.status_code == 302
    report = report_of(tenant_a, month)
    assert report is not None and report.status == ReportStatus.SUBMITTED


def test_a_submitted_filing_changed_as_a_draft_stays_submitted_and_is_checked(
    tenant_a: Tenant,
) -> None:
    """Service: editing a submitted filing is a resubmission, soft checks included."""
    from kpis.services import FilingNeedsConfirmation

    month = this_month()
    report = file_month(tenant_a, month, {CARE: row()}, today=month)
    with scope(association=tenant_a.association.pk), pytest.raises(FilingNeedsConfirmation):
        staffing_report_save(
            office=tenant_a.offices[0],
            month=month,
            rows=service_rows({CARE: row(end=30)}),
            user=tenant_a.users["office_admin"],
            expected_version=report.version,
            submit=False,
            today=month,
        )
    with scope(association=tenant_a.association.pk):
        saved = staffing_report_save(
            office=tenant_a.offices[0],
            month=month,
            rows=service_rows({CARE: row(start=10, hires=2, separations=1, end=11)}),
            user=tenant_a.users["office_admin"],
            expected_version=report.version,
            submit=False,
            today=month,
        )
    assert saved.status == ReportStatus.SUBMITTED
    assert saved.submitted_by == tenant_a.users["office_admin"]


# --- who sees what ----------------------------------------------------------------------------


def test_officers_see_the_filing_read_only(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    file_month(tenant_a, month, {CARE: row(10, 2, 1, 0, 11)}, today=month)
    officer = client_for(tenant_a, tenant_a.users["officer"])
    response = officer.get(filing_url(office, month, "kpis:filing_review"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="number"' not in html and "Save draft" not in html
    assert "Only the office can change it" in html
    assert 'id="cell-care_worker-regular-headcount_end">11<' in html
    # The office's own route is for those who file.
    assert officer.get(filing_url(office, month)).status_code == 403
    assert officer.post(filing_url(office, month), form_data(month, {})).status_code == 403


def test_office_admin_of_another_office_gets_403(tenant_a: Tenant) -> None:
    other = tenant_a.offices[1]
    client = admin(tenant_a)
    assert client.get(filing_url(other)).status_code == 403
    assert (
        client.post(
            filing_url(other, this_month()), form_data(this_month(), {CARE: row()})
        ).status_code
        == 403
    )
    assert client.get(filing_url(other, name="kpis:history")).status_code == 403
    assert report_of(tenant_a, this_month(), other) is None


def test_corporation_head_office_files_for_every_office(tenant_a: Tenant) -> None:
    other, month = tenant_a.offices[1], this_month()
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    response = client.post(filing_url(other, month), form_data(month, {CARE: row()}))
    assert response.status_code == 302
    assert report_of(tenant_a, month, other) is not None


@pytest.mark.parametrize(
    "name",
    ["kpis:filing", "kpis:filing_review", "kpis:history", "kpis:history_review", "kpis:reopen"],
)
def test_other_association(tenant_a: Tenant, tenant_b: Tenant, name: str) -> None:
    """B's officer on A's host has no role there; A's people cannot reach B's offices at all."""
    b_officer = client_for(tenant_a, tenant_b.users["officer"])
    assert b_officer.get(filing_url(tenant_a.offices[0], name=name)).status_code in {403, 404}
    a_officer = client_for(tenant_a, tenant_a.users["officer"])
    if name in {"kpis:filing_review", "kpis:history_review", "kpis:reopen"}:
        assert a_officer.get(filing_url(tenant_b.offices[0], name=name)).status_code == 404
    else:
        assert admin(tenant_a).get(filing_url(tenant_b.offices[0], name=name)).status_code == 404


@pytest.mark.parametrize("who", ["leader", "city"])
def test_other_roles_get_403(tenant_a: Tenant, who: str) -> None:
    client = client_for(tenant_a, tenant_a.users[who])
    for name in ("kpis:filing", "kpis:filing_review", "kpis:history", "kpis:reopen"):
        assert client.get(filing_url(tenant_a.offices[0], name=name)).status_code == 403


def test_month_parameter(tenant_a: Tenant) -> None:
    office, client = tenant_a.offices[0], admin(tenant_a)
    default = client.get(filing_url(office))
    # The month the office files now: last month until its deadline, then this month.
    from kpis.filing_views import filing_month

    today = timezone.localdate()
    assert default.context["month"] == filing_month(today, deadline_day=10)
    assert filing_month(date(2026, 11, 10), deadline_day=10) == date(2026, 10, 1)
    assert filing_month(date(2026, 11, 11), deadline_day=10) == date(2026, 11, 1)
    # 2026-10-10 is a Saturday and 10-12 a holiday: October's deadline moves to the 13th.
    assert filing_month(date(2026, 10, 13), deadline_day=10) == date(2026, 9, 1)
    assert filing_month(date(2026, 10, 14), deadline_day=10) == date(2026, 10, 1)
    assert client.get(filing_url(office) + "?month=２０２６-０９").context["month"] == date(
        2026, 9, 1
    )
    assert client.get(filing_url(office) + "?month=nonsense").status_code == 404
    assert client.get(filing_url(office, add_months(this_month(), 1))).status_code == 404


# --- concurrent edits -------------------------------------------------------------------------


def test_concurrent_first_saves_conflict_and_keep_the_first(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    first, second = admin(tenant_a), client_for(tenant_a, tenant_a.users["office_staff"])
    for client in (first, second):
        assert (
            'name="expected_version" value=""'
            in client.get(filing_url(office, month)).content.decode()
        )
    assert (
        first.post(filing_url(office, month), form_data(month, {CARE: row(end=10)})).status_code
        == 302
    )
    response = second.post(filing_url(office, month), form_data(month, {CARE: row(7, 0, 0, 0, 7)}))
    assert response.status_code == 409
    html = response.content.decode()
    assert tenant_a.users["office_admin"].email in html
    assert f'href="{filing_url(office, month)}"' in html.replace("&amp;", "&")
    assert rows_of(tenant_a, month)["care_worker/regular"]["headcount_end"] == 10


def test_two_editors_of_version_1_the_second_gets_the_conflict(tenant_a: Tenant) -> None:
    office, month = tenant_a.offices[0], this_month()
    first, second = admin(tenant_a), client_for(tenant_a, tenant_a.users["office_staff"])
    assert first.post(filing_url(office, month), form_data(month, {CARE: row()})).status_code == 302
    for client in (first, second):
        html = client.get(filing_url(office, month)).content.decode()
        assert 'name="expected_version" value="1"' in html
    changed = {CARE: row(start=10, hires=2, separations=0, end=12)}
    assert (
        first.post(filing_url(office, month), form_data(month, changed, version=1)).status_code
        == 302
    )
    response = second.post(
        filing_url(office, month), form_data(month, {CARE: row(1, 0, 0, 0, 1)}, version=1)
    )
    assert response.status_code == 409
    assert "Someone else changed this filing" in response.content.decode()
    assert tenant_a.users["office_admin"].email in response.content.decode()
    report = report_of(tenant_a, month)
    assert report is not None and report.version == 2
    assert rows_of(tenant_a, month)["care_worker/regular"]["headcount_end"] == 12
    with scope(association=tenant_a.association.pk):
        assert StaffingChange.objects.filter(report=report).count() == 2


def test_a_form_shown_again_keeps_the_version_it_started_from(tenant_a: Tenant) -> None:
    """An error re-shows the form; a save by someone else meanwhile is still a conflict."""
    office, month = tenant_a.offices[0], this_month()
    client = admin(tenant_a)
    assert (
        client.post(filing_url(office, month), form_data(month, {CARE: row()})).status_code == 302
    )
    html = client.post(
        filing_url(office, month), form_data(month, {CARE: row(start=-1)}, version=1)
    ).content.decode()
    assert 'name="expected_version" value="1"' in html
    file_month(tenant_a, month, {CARE: row(5, 0, 0, 0, 5)}, expected_version=1, today=month)
    response = client.post(filing_url(office, month), form_data(month, {CARE: row()}, version=1))
    assert response.status_code == 409
    assert rows_of(tenant_a, month)["care_worker/regular"]["headcount_end"] == 5


def test_racing_first_saves_end_in_a_conflict_not_an_error(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Service: two first saves at once; the one that loses the insert gets FilingConflict.

    The race is staged by hiding the first save's row from the second one's locking read, as
    happens when both read before either commits.
    """
    from kpis.services import FilingConflict

    month = this_month()
    file_month(tenant_a, month, {CARE: row()}, submit=False, today=month)

    class NothingYet:
        def filter(self, **kwargs: Any) -> NothingYet:
            return self

        def first(self) -> None:
            return None

    monkeypatch.setattr(StaffingReport.objects, "select_for_update", NothingYet)
    with scope(association=tenant_a.association.pk), pytest.raises(FilingConflict) as raised:
        staffing_report_save(
            office=tenant_a.offices[0],
            month=month,
            rows=service_rows({CARE: row(1, 0, 0, 0, 1)}),
            user=tenant_a.users["office_admin"],
            expected_version=None,
            submit=False,
            today=month,
        )
    assert raised.value.change is not None
    assert raised.value.change.user == tenant_a.users["office_staff"]
    assert rows_of(tenant_a, month)["care_worker/regular"]["headcount_end"] == 10
