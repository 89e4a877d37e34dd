"""An office's monthly filing form and history, and officers' reopening of a locked month.

Offices (capability kpis.file, for their own offices) file and see their history at
`filing/` and `history/`; officers (kpis.view_all) see the same pages read-only at
`filing/review/` and `history/review/`, and reopen a locked month (kpis.manage). The routes are
separate because a route declares one capability, and the isolation matrix checks every route
against it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from association.forms import add_service_errors
from association.http import AssociationRequest
from association.permissions import Access, requires
from core.calendar import (
    add_months,
    filing_deadline,
    month_start,
    wareki_date,
    wareki_datetime,
    wareki_fiscal_year,
    wareki_month,
)
from kpis.checks import filing_lock, month_open_for_filing
from kpis.filing_forms import (
    ADD_ROW_ACTION,
    CHANNEL_FIELDS,
    FilingForm,
    field_label,
    row_label,
    saved_values,
)
from kpis.history import (
    RateWindow,
    WindowKind,
    author_label,
    channel_label,
    filing_for,
    last_change,
    office_changes,
    office_filing_months,
    office_rates,
    office_trend,
    trend_chart,
)
from kpis.models import ReportStatus, StaffingReport
from kpis.selectors import kpi_settings
from kpis.services import (
    UNCHANGED_MARK,
    FilingAlreadySubmitted,
    FilingConflict,
    FilingInvalid,
    FilingLocked,
    FilingNeedsConfirmation,
    FilingNothingToCarry,
    previous_rows,
    staffing_report_file_unchanged,
    staffing_report_reopen,
    staffing_report_save,
    unchanged_rows,
)
from members.access import access_office_by_id
from members.models import Office, OfficeStatus
from recruitment.selectors import CHANNEL_POSTING, job_fair_hires, offered_hires, posting_hires

EARLIEST_MONTH = date(2000, 1, 1)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for reopening"),
        help_text=gettext_lazy("Kept in the filing's history and shown to the office."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )


# --- helpers ---------------------------------------------------------------------------------


def _access(request: AssociationRequest) -> Access:
    return request.access


def default_month(today: date) -> date:
    """The month an office files now: the one before today's (Asia/Tokyo)."""
    return add_months(month_start(today), -1)


def filing_month(today: date, *, deadline_day: int) -> date:
    """The month an office files now: last month until its deadline, then this month (last
    month is locked by then, and this month can be filed from its first day)."""
    last = default_month(today)
    if today > filing_deadline(last, deadline_day=deadline_day):
        return month_start(today)
    return last


def _month(value: str | None, today: date, *, deadline_day: int) -> date:
    """`YYYY-MM` (full-width digits accepted) up to the current month; else 404. None: the
    month the office files now (`filing_month`)."""
    if not value:
        return filing_month(today, deadline_day=deadline_day)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", unicodedata.normalize("NFKC", value).strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise Http404
    month = date(int(match[1]), int(match[2]), 1)
    if month < EARLIEST_MONTH or not month_open_for_filing(month, today):
        raise Http404
    return month


def _version(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _url(name: str, office: Office, month: date | None = None) -> str:
    url = reverse(name, kwargs={"office_pk": office.pk})
    return f"{url}?month={month:%Y-%m}" if month else url


# --- the filing page -------------------------------------------------------------------------


def _filing_page(
    request: AssociationRequest, office: Office, *, officer_view: bool
) -> HttpResponse:
    today = timezone.localdate()
    settings = kpi_settings(association_id=office.association_id)
    month = _month(
        request.POST.get("month") or request.GET.get("month"),
        today,
        deadline_day=settings.deadline_day,
    )
    report = filing_for(office_id=office.pk, month=month)
    lock = filing_lock(report=report, month=month, settings=settings, today=today)
    deadline, locked = lock.deadline, lock.locked
    previous = previous_rows(office=office, month=month)
    access = request.access
    can_file = not officer_view and access.can("kpis.file", office_id=office.pk)
    approved = office.status == OfficeStatus.APPROVED
    editable = can_file and approved and not locked
    # Hires recorded on the association's job board and at its job-fair booths, offered under
    # “association job posting” and “association job fair” (recruitment.selectors).
    offered = {
        f"{job}/{employment}": channels
        for (job, employment), channels in offered_hires(office_id=office.pk, month=month).items()
    }
    form = FilingForm(
        saved=saved_values(report),
        previous=previous,
        comment=report.comment if report else "",
        offered=offered if editable else None,
    )
    version = str(report.version) if report else ""

    if request.method == "POST":
        if not editable:
            if not locked:
                raise PermissionDenied
            messages.error(request, lock.message)
            return redirect(_url("kpis:filing", office, month))
        form = FilingForm(saved=saved_values(report), previous=previous, data=request.POST)
        expected = _version(request.POST.get("expected_version"))
        # A re-shown form keeps the version its values started from, so a later save by
        # someone else is still caught as a conflict.
        version = "" if expected is None else str(expected)
        submit = request.POST.get("action") == "submit"
        # “Add a row” saves nothing: the same page, one row more, what was typed kept.
        if request.POST.get("action") != ADD_ROW_ACTION:
            try:
                saved = staffing_report_save(
                    office=office,
                    month=month,
                    rows=form.rows_for_service(),
                    user=request.user,
                    expected_version=expected,
                    submit=submit,
                    comment=form.comment,
                    confirm_warnings=form.confirm,
                    via="web",
                    today=today,
                )
            except FilingConflict as conflict:
                return _conflict_page(request, office, month, form, conflict)
            except FilingLocked as refused:
                messages.error(request, " ".join(refused.messages))
                return redirect(_url("kpis:filing", office, month))
            except FilingInvalid as invalid:
                form.add_problems(invalid.check.errors)
            except FilingNeedsConfirmation as needs:
                form.add_problems(needs.check.warnings, warning=True)
            else:
                messages.success(request, _saved_message(saved, expected, month))
                return redirect(_url("kpis:filing", office, month))

    current = month_start(today)
    context: dict[str, Any] = {
        "office": office,
        "month": month,
        "month_label": wareki_month(month),
        "month_value": f"{month:%Y-%m}",
        "deadline": deadline,
        "deadline_label": wareki_date(deadline),
        "deadline_passed": lock.deadline_passed,
        "report": report,
        "version": version,
        **_report_facts(report),
        "form": form,
        "editable": editable,
        "can_file": can_file,
        "approved": approved,
        "locked": locked,
        "locked_message": lock.message,
        "reopened": report is not None and report.reopened_at is not None,
        "officer_view": officer_view,
        "can_reopen": locked and access.can("kpis.manage", office_id=office.pk),
        "reopen_form": ReopenForm(),
        "channel_fields": CHANNEL_FIELDS,
        # A hint for “hires via association job fair”: what the office recorded at its booths.
        "job_fair_hires": job_fair_hires(office_id=office.pk, month=month),
        "posting_hires": sum(c.get(CHANNEL_POSTING, 0) for c in offered.values()),
        "previous_month": add_months(month, -1),
        "next_month": add_months(month, 1) if add_months(month, 1) <= current else None,
        "current_month": current,
        "url_name": "kpis:filing_review" if officer_view else "kpis:filing",
        "add_row_action": ADD_ROW_ACTION,
        "added_row": request.POST.get("add_row", "") if request.method == "POST" else "",
        # 「先月と変わりなし」 is offered while the month is not submitted and last month is.
        "unchanged_url": _url("kpis:filing_unchanged", office, month)
        if editable and previous and (report is None or report.status == ReportStatus.DRAFT)
        else "",
        "history_url": _url("kpis:history_review" if officer_view else "kpis:history", office),
    }
    return render(request, "kpis/filing/filing.html", context)


def _report_facts(report: StaffingReport | None) -> dict[str, Any]:
    """When and by whom the filing was submitted and last changed, in words (和暦)."""
    change = last_change(report=report)
    facts: dict[str, Any] = {"last_change": change}
    if change is not None:
        facts["last_change_label"] = _("%(when)s by %(who)s, through %(via)s") % {
            "when": wareki_datetime(change.at),
            "who": author_label(change),
            "via": channel_label(change.via),
        }
    if report is not None and report.submitted_at is not None:
        user = report.submitted_by
        who = (
            (user.get_full_name().strip() or user.email)
            if user is not None
            else (author_label(change) if change is not None else _("the office"))
        )
        facts["submitted_label"] = _("Submitted on %(when)s by %(who)s") % {
            "when": wareki_datetime(report.submitted_at),
            "who": who,
        }
    if report is not None and report.reopened_at is not None:
        facts["reopened_label"] = wareki_datetime(report.reopened_at)
    return facts


def _saved_message(saved: StaffingReport, expected: int | None, month: date) -> str:
    if expected is not None and saved.version == expected:
        return _("Nothing was changed.")
    if saved.status == ReportStatus.SUBMITTED:
        return _("The filing for %(month)s has been submitted. Thank you.") % {
            "month": wareki_month(month)
        }
    return _("The draft for %(month)s has been saved. Submit it when it is complete.") % {
        "month": wareki_month(month)
    }


def _conflict_page(
    request: AssociationRequest,
    office: Office,
    month: date,
    form: FilingForm,
    conflict: FilingConflict,
) -> HttpResponse:
    """Someone saved first: say who and when, keep what this person typed, overwrite nothing."""
    return render(
        request,
        "kpis/filing/conflict.html",
        {
            "office": office,
            "month_label": wareki_month(month),
            "change": conflict.change,
            "change_author": author_label(conflict.change) if conflict.change else "",
            "change_label": wareki_datetime(conflict.change.at) if conflict.change else "",
            "reload_url": _url("kpis:filing", office, month),
            "form": form,
        },
        status=409,
    )


@requires("kpis.file")
@require_http_methods(["GET", "POST"])
def filing(request: AssociationRequest, office_pk: int) -> HttpResponse:
    """The office's filing of one month (`?month=YYYY-MM`, default last month)."""
    office = access_office_by_id(_access(request), office_pk, capability="kpis.file")
    return _filing_page(request, office, officer_view=False)


@requires("kpis.view_all")
@require_http_methods(["GET"])
def filing_review(request: AssociationRequest, office_pk: int) -> HttpResponse:
    """Officers: the same filing, read-only, with the reopen action when the month is locked."""
    office = access_office_by_id(_access(request), office_pk, capability="kpis.view_all")
    return _filing_page(request, office, officer_view=True)


# --- 「先月と変わりなし」 -------------------------------------------------------------------


@requires("kpis.file")
@require_http_methods(["GET", "POST"])
def filing_unchanged(request: AssociationRequest, office_pk: int) -> HttpResponse:
    """「先月と変わりなし」: a page that shows what will be filed (last month's month-end
    headcounts, no hires or separations), and files it on confirmation
    (`staffing_report_file_unchanged`)."""
    office = access_office_by_id(_access(request), office_pk, capability="kpis.file")
    if office.status != OfficeStatus.APPROVED:
        raise PermissionDenied(_("Only approved member offices file staffing figures."))
    today = timezone.localdate()
    settings = kpi_settings(association_id=office.association_id)
    month = _month(
        request.POST.get("month") or request.GET.get("month"),
        today,
        deadline_day=settings.deadline_day,
    )
    filing_url = _url("kpis:filing", office, month)
    if request.method == "POST":
        try:
            saved = staffing_report_file_unchanged(
                office=office,
                month=month,
                user=request.user,
                expected_version=_version(request.POST.get("expected_version")),
                via="web",
                today=today,
            )
        except FilingConflict as conflict:
            messages.error(request, " ".join(conflict.messages))
            return redirect(_url("kpis:filing_unchanged", office, month))
        except FilingInvalid as invalid:
            messages.error(request, " ".join(p.message for p in invalid.check.errors))
        except (FilingLocked, FilingAlreadySubmitted, FilingNothingToCarry) as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(
                request,
                _("%(month)s has been filed as unchanged from last month and submitted. Thank you.")
                % {"month": wareki_month(saved.month)},
            )
        return redirect(filing_url)

    report = filing_for(office_id=office.pk, month=month)
    lock = filing_lock(report=report, month=month, settings=settings, today=today)
    rows = unchanged_rows(previous_rows(office=office, month=month))
    refusal = ""
    if lock.locked:
        refusal = lock.message
    elif report is not None and report.status == ReportStatus.SUBMITTED:
        refusal = " ".join(FilingAlreadySubmitted(report).messages)
    elif not rows:
        refusal = " ".join(FilingNothingToCarry(month).messages)
    recorded_hires = job_fair_hires(office_id=office.pk, month=month) + sum(
        posting_hires(office_id=office.pk, month=month).values()
    )
    return render(
        request,
        "kpis/filing/unchanged.html",
        {
            "office": office,
            "month_label": wareki_month(month),
            "month_value": f"{month:%Y-%m}",
            "previous_label": wareki_month(add_months(month, -1)),
            "deadline_label": wareki_date(lock.deadline),
            "report": report,
            "draft": report is not None and report.status == ReportStatus.DRAFT,
            "draft_label": wareki_datetime(report.updated_at) if report else "",
            "rows": [
                {
                    "label": row_label(f"{row['job_category']}/{row['employment_type']}"),
                    "values": row,
                }
                for row in rows
            ],
            "total": sum(row["headcount_end"] for row in rows),
            "open_total": sum(row["open_positions"] for row in rows),
            "refusal": refusal,
            "recorded_hires": recorded_hires,
            "filing_url": filing_url,
        },
    )


# --- reopening -------------------------------------------------------------------------------


@requires("kpis.manage")
@require_http_methods(["GET", "POST"])
def reopen(request: AssociationRequest, office_pk: int) -> HttpResponse:
    """Officers reopen one locked office-month, with a reason kept in the history."""
    office = access_office_by_id(_access(request), office_pk, capability="kpis.manage")
    today = timezone.localdate()
    settings = kpi_settings(association_id=office.association_id)
    month = _month(
        request.POST.get("month") or request.GET.get("month"),
        today,
        deadline_day=settings.deadline_day,
    )
    report = filing_for(office_id=office.pk, month=month)
    lock = filing_lock(report=report, month=month, settings=settings, today=today)
    deadline, locked = lock.deadline, lock.locked
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not locked:
            form.add_error(
                None,
                _("The filing for %(month)s is not locked; the office can still change it.")
                % {"month": wareki_month(month)},
            )
        else:
            try:
                staffing_report_reopen(
                    office=office, month=month, by=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "The filing of %(office)s for %(month)s is open again until the office "
                        "submits it."
                    )
                    % {"office": office.name, "month": wareki_month(month)},
                )
                return redirect(_url("kpis:filing_review", office, month))
    return render(
        request,
        "kpis/filing/reopen.html",
        {
            "office": office,
            "month_label": wareki_month(month),
            "month_value": f"{month:%Y-%m}",
            "deadline_label": wareki_date(deadline),
            "report": report,
            "locked": locked,
            "form": form,
            "filing_url": _url("kpis:filing_review", office, month),
        },
    )


# --- history ---------------------------------------------------------------------------------


def _history_page(
    request: AssociationRequest, office: Office, *, officer_view: bool
) -> HttpResponse:
    today = timezone.localdate()
    reference = default_month(today)
    settings = kpi_settings(association_id=office.association_id)
    months = office_filing_months(
        office_id=office.pk, through=reference, deadline_day=settings.deadline_day
    )
    filing_name = "kpis:filing_review" if officer_view else "kpis:filing"
    filings = [
        {
            "item": item,
            "label": wareki_month(item.month),
            "deadline_label": wareki_date(item.deadline),
            "submitted_label": wareki_datetime(item.report.submitted_at)
            if item.submitted and item.report and item.report.submitted_at
            else "",
            "timeliness": item.timeliness(today),
            "url": _url(filing_name, office, item.month),
        }
        for item in months
    ]
    submitted = [item.month for item in months if item.submitted]
    windows = office_rates(office_id=office.pk, reference=reference, submitted_months=submitted)
    changes = office_changes(office_id=office.pk, page=_page_number(request.GET.get("page")))
    trend = office_trend(office_id=office.pk, last=reference)
    return render(
        request,
        "kpis/filing/history.html",
        {
            "office": office,
            "officer_view": officer_view,
            "filings": filings,
            "windows": [_window_context(window) for window in windows],
            "changes": [_change_context(entry) for entry in changes.entries],
            "change_page": changes,
            "history_url": _url("kpis:history_review" if officer_view else "kpis:history", office),
            "trend": [
                {"item": item, "label": f"{item.month:%Y-%m}", "wareki": wareki_month(item.month)}
                for item in trend
            ],
            "trend_first": wareki_month(trend[0].month),
            "trend_last": wareki_month(trend[-1].month),
            "chart": trend_chart(trend),
            "filing_url": _url(filing_name, office),
        },
    )


def _window_context(window: RateWindow) -> dict[str, Any]:
    span = {"first": wareki_month(window.first), "last": wareki_month(window.last)}
    if window.kind == WindowKind.ROLLING:
        title = _("12 months to the last submitted month")
    elif window.kind == WindowKind.FISCAL_YEAR:
        title = _("%(year)s to date") % {"year": wareki_fiscal_year(window.year)}
    else:
        title = _("Survey year %(year)s (October to September)") % {"year": window.year}
    return {
        "window": window,
        "months_missing": window.months_missing,
        "title": title,
        "span": _("%(first)s to %(last)s") % span,
        "figures": window.figures,
        "months": window.months,
        "months_filed": window.months_filed,
    }


def _change_context(entry: Any) -> dict[str, Any]:
    change = entry.change
    return {
        "entry": entry,
        "change": change,
        "month_label": wareki_month(change.report.month),
        "at_label": wareki_datetime(change.at),
        "author": entry.author,
        "channel": entry.via_label,
        "action": _("Submitted as unchanged from last month")
        if (change.after or {}).get(UNCHANGED_MARK)
        else _action_label(change.action),
        "status_before": _status_label(entry.status_before),
        "status_after": _status_label(entry.status_after),
        "counts": [
            {
                "row": row_label(count.row),
                "field": field_label(count.field),
                "before": count.before,
                "after": count.after,
            }
            for count in entry.counts
        ],
    }


def _page_number(value: str | None) -> int:
    """`?page=`: a page number; anything else is the first page (a page past the last is the
    last, `office_changes`)."""
    text = (value or "").strip()
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 else 1


def _status_label(status: str | None) -> str:
    if status is None:
        return ""
    return str(dict(ReportStatus.choices).get(status, status))


def _action_label(action: str) -> str:
    labels = {
        "draft": _("Draft saved"),
        "submit": _("Submitted"),
        "reopen": _("Reopened by an officer"),
        "upload": _("Uploaded"),
        "api": _("Sent through the API"),
    }
    return str(labels.get(action, action))


@requires("kpis.file")
@require_http_methods(["GET"])
def history(request: AssociationRequest, office_pk: int) -> HttpResponse:
    """The office's filings by month, every change, its own rates and a 24-month chart."""
    office = access_office_by_id(_access(request), office_pk, capability="kpis.file")
    return _history_page(request, office, officer_view=False)


@requires("kpis.view_all")
@require_http_methods(["GET"])
def history_review(request: AssociationRequest, office_pk: int) -> HttpResponse:
    """Officers: the same history of any office of the association."""
    office = access_office_by_id(_access(request), office_pk, capability="kpis.view_all")
    return _history_page(request, office, officer_view=True)
