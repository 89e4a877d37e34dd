"""Writes on staffing filings: one service behind the web form, the upload and the API.

`staffing_report_save` validates like a statistics office through the one filing check
(`kpis.checks.filing_check`: hard errors refuse, soft findings ask for a confirmation or a
comment, locked months are refused), refuses stale versions (no silent
overwrite), keeps every change with who, when, before and after, and treats a repeated
identical save as no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import add_months, month_start, wareki_month
from kpis.aggregates import filing_aggregates_apply
from kpis.checks import (
    FOREIGN_FIELDS,
    FilingCheck,
    RowData,
    filing_check,
    lock_message,
    row_key,
)
from kpis.models import (
    COUNT_FIELDS,
    EmploymentType,
    JobCategory,
    KpiTarget,
    ReportStatus,
    StaffingChange,
    StaffingReport,
    StaffingRow,
)
from kpis.selectors import kpi_settings
from members.models import Office


class FilingInvalid(ValidationError):
    """Hard errors: the check's `errors`, each naming its row and field."""

    def __init__(self, check: FilingCheck) -> None:
        self.check = self.findings = check
        super().__init__([f"{p.row} {p.field}: {p.message}".strip() for p in check.errors])


class FilingNeedsConfirmation(ValidationError):
    """Soft findings on a submission that is neither confirmed nor explained by a comment."""

    def __init__(self, check: FilingCheck) -> None:
        self.check = self.findings = check
        super().__init__([p.message for p in check.warnings])


class FilingConflict(ValidationError):
    """Someone saved the filing after the version this save started from."""

    def __init__(self, report: StaffingReport, change: StaffingChange | None) -> None:
        self.report = report
        self.change = change
        who = change.user.email if change and change.user else _("someone else")
        super().__init__(
            _(
                "This filing was changed by %(who)s while you were editing it. "
                "Reload it to see their changes, then enter yours again."
            )
            % {"who": who}
        )


class FilingLocked(ValidationError):
    """The month is locked (`kpis.checks.filing_lock`); its message is `lock_message`."""

    def __init__(self, month: date, deadline: date) -> None:
        self.month = month
        self.deadline = deadline
        super().__init__(lock_message(month, deadline), code="locked")


def _snapshot(report: StaffingReport | None) -> dict[str, Any] | None:
    if report is None or report.pk is None:
        return None
    return {
        "status": report.status,
        "comment": report.comment,
        "rows": {
            row_key(values): {
                k: v for k, v in values.items() if k not in ("job_category", "employment_type")
            }
            for values in report.rows.order_by("job_category", "employment_type").values(
                "job_category", "employment_type", *COUNT_FIELDS, *FOREIGN_FIELDS
            )
        },
    }


def previous_rows(*, office: Office, month: date) -> dict[str, dict[str, Any]]:
    """Last month's submitted rows by key: their month-end headcount carries forward."""
    rows = StaffingRow.objects.filter(
        report__office=office,
        report__month=add_months(month, -1),
        report__status=ReportStatus.SUBMITTED,
    ).values("job_category", "employment_type", *COUNT_FIELDS, *FOREIGN_FIELDS)
    return {row_key(row): row for row in rows}


@transaction.atomic
def staffing_report_save(
    *,
    office: Office,
    month: date,
    rows: Sequence[RowData],
    user: Any,
    expected_version: int | None,
    submit: bool,
    comment: str = "",
    confirm_warnings: bool = False,
    via: str = "web",
    today: date | None = None,
) -> StaffingReport:
    """Save a draft or submit the filing of `office` for `month`.

    `expected_version` is the version the caller started from (None for a new filing); a
    mismatch raises FilingConflict. Hard errors raise FilingInvalid; on submit, soft findings
    raise FilingNeedsConfirmation unless confirmed or explained by a comment. A submitted filing
    stays submitted: saving it again, even as a draft, is a resubmission (soft checks apply).
    """
    month = month_start(month)
    today = today or timezone.localdate()
    report = StaffingReport.objects.select_for_update().filter(office=office, month=month).first()
    settings = kpi_settings(association_id=office.association_id)  # read once per save
    # Last month's rows: an empty month-start headcount is carried from them, and the soft
    # checks of a submission compare against them.
    last_month = previous_rows(office=office, month=month)
    check = filing_check(
        report=report,
        month=month,
        rows=rows,
        previous=None,
        settings=settings,
        today=today,
        last_month=last_month,
    )
    if check.locked:
        raise FilingLocked(month, check.deadline)
    current_version = report.version if report else None
    if expected_version != current_version:
        last = report.changes.select_related("user").first() if report else None
        raise FilingConflict(report, last)  # type: ignore[arg-type]
    if report is not None and report.status == ReportStatus.SUBMITTED:
        submit = True
    if check.errors:
        raise FilingInvalid(check)
    if submit:
        check = filing_check(
            report=report,
            month=month,
            rows=rows,
            previous=last_month,
            settings=settings,
            today=today,
            last_month=last_month,
        )
        if check.needs_confirmation(confirmed=confirm_warnings, comment=comment):
            raise FilingNeedsConfirmation(check)
    cleaned = check.rows

    before = _snapshot(report)
    status = ReportStatus.SUBMITTED if submit else ReportStatus.DRAFT
    after = {
        "status": status,
        "comment": comment,
        "rows": {
            row_key(values): {
                k: v for k, v in values.items() if k not in ("job_category", "employment_type")
            }
            for values in sorted(cleaned, key=row_key)
        },
    }
    if before == after and not (report and report.reopened_at and submit):
        return report  # type: ignore[return-value]  # the same filing again: nothing to do

    creating = report is None
    if report is None:
        report = StaffingReport(association_id=office.association_id, office=office, month=month)
    else:
        report.version += 1
    report.status = status
    report.comment = comment
    if submit:
        report.submitted_at = timezone.now()
        report.submitted_by = user
        report.reopened_at = None  # submitting a reopened month locks it again
    if creating:
        # Two first saves at once: select_for_update() had no row to lock, so the unique
        # constraint decides; the loser gets the conflict, never a server error.
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            report = StaffingReport.objects.filter(office=office, month=month).first()
            if report is None:
                raise
            raise FilingConflict(report, report.changes.select_related("user").first()) from None
    else:
        report.save()
    report.rows.all().delete()
    StaffingRow.objects.bulk_create(StaffingRow(report=report, **values) for values in cleaned)
    StaffingChange.objects.create(
        report=report,
        user=user,
        action="submit" if submit else "draft",
        via=via,
        before=before,
        after=after,
        reason=comment,
    )
    filing_aggregates_apply(
        office=office, month=month, before=before, after=after, deadline=check.deadline
    )
    return report


# --- 「先月と変わりなし」 -------------------------------------------------------------------

# The key that marks a submission made as 「変わりなし」 in its StaffingChange.after snapshot
# (its action stays "submit": the dashboards' on-time counts read first submissions).
UNCHANGED_MARK = "unchanged"


class FilingNothingToCarry(ValidationError):
    """「変わりなし」 with no submitted filing of the month before to repeat."""

    def __init__(self, month: date) -> None:
        self.month = month
        super().__init__(
            _(
                "%(month)s cannot be filed as unchanged: %(previous)s has no submitted filing "
                "to repeat. Enter this month's figures in the form instead."
            )
            % {"month": wareki_month(month), "previous": wareki_month(add_months(month, -1))},
            code="nothing_to_carry",
        )


class FilingAlreadySubmitted(ValidationError):
    """「変わりなし」 on a month already submitted: its figures are changed in the form only."""

    def __init__(self, report: StaffingReport) -> None:
        self.report = report
        super().__init__(
            _(
                "%(month)s has already been submitted, so it is not filed again as unchanged. "
                "To change its figures, edit them in the form."
            )
            % {"month": wareki_month(report.month)},
            code="already_submitted",
        )


def unchanged_rows(last_month: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """This month as last month's month-end: the same headcounts at start and end, no hires or
    separations, the same open positions and foreign staff. Rows nobody worked in are left out."""
    order = [f"{job}/{emp}" for job in JobCategory.values for emp in EmploymentType.values]
    rows = []
    for key in sorted(last_month, key=lambda key: order.index(key) if key in order else 99):
        before = last_month[key]
        end = before.get("headcount_end") or 0
        if not end and not before.get("open_positions"):
            continue
        values: dict[str, Any] = dict.fromkeys(COUNT_FIELDS, 0)
        values.update(
            job_category=before["job_category"],
            employment_type=before["employment_type"],
            headcount_start=end,
            headcount_end=end,
            open_positions=before.get("open_positions") or 0,
        )
        values.update({name: before.get(name) for name in FOREIGN_FIELDS})
        rows.append(values)
    return rows


@transaction.atomic
def staffing_report_file_unchanged(
    *,
    office: Office,
    month: date,
    user: Any,
    expected_version: int | None,
    via: str = "web",
    today: date | None = None,
) -> StaffingReport:
    """File `month` as 「先月と変わりなし」 and submit it: last month's month-end headcounts at
    start and end, no hires or separations (`unchanged_rows`).

    Refused, saving nothing, like any filing of a month not begun (FilingInvalid) or locked
    (FilingLocked); a month already submitted is not filed again (FilingAlreadySubmitted: its
    figures change in the form); a draft is replaced — the confirmation says so, and
    `expected_version` (the draft's version the person saw) makes a draft changed meanwhile a
    FilingConflict. Without a submitted filing of the month before: FilingNothingToCarry.
    """
    month = month_start(month)
    today = today or timezone.localdate()
    report = StaffingReport.objects.select_for_update().filter(office=office, month=month).first()
    settings = kpi_settings(association_id=office.association_id)
    check = filing_check(
        report=report, month=month, rows=[], previous=None, settings=settings, today=today
    )
    if check.errors:
        raise FilingInvalid(check)
    if check.locked:
        raise FilingLocked(month, check.deadline)
    if report is not None and report.status == ReportStatus.SUBMITTED:
        raise FilingAlreadySubmitted(report)
    last_month = previous_rows(office=office, month=month)
    rows = unchanged_rows(last_month)
    if not rows:
        raise FilingNothingToCarry(month)
    saved = staffing_report_save(
        office=office,
        month=month,
        rows=rows,
        user=user,
        expected_version=expected_version,
        submit=True,
        via=via,
        today=today,
    )
    # The history says how the month was filed: the submission just made, as 「変わりなし」.
    change = StaffingChange.objects.filter(report=saved).order_by("-at", "-pk").first()
    if change is not None and change.after is not None:
        change.after = {**change.after, UNCHANGED_MARK: True}
        change.save(update_fields=["after"])
    return saved


@transaction.atomic
def staffing_report_reopen(*, office: Office, month: date, by: Any, reason: str) -> StaffingReport:
    """An officer reopens one office-month after its deadline; the reason is kept."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the month is reopened.")]})
    month = month_start(month)
    report, _created = StaffingReport.objects.select_for_update().get_or_create(
        office=office,
        month=month,
        defaults={"association_id": office.association_id},
    )
    report.reopened_at = timezone.now()
    report.reopened_by = by
    report.reopen_reason = reason.strip()
    report.version += 0 if _created else 1
    report.save()
    StaffingChange.objects.create(
        report=report, user=by, action="reopen", via="web", reason=reason.strip()
    )
    return report


# 介護労働実態調査, 2職種計 (shared/reference/domain.md). Unconfirmed figures are left out.
NATIONAL_BENCHMARKS = (
    (2014, "hire_rate", "20.6"),
    (2014, "separation_rate", "16.5"),
    (2019, "hire_rate", "18.2"),
    (2019, "separation_rate", "15.4"),
    (2020, "separation_rate", "14.9"),
    (2021, "hire_rate", "15.2"),
    (2022, "hire_rate", "16.2"),
    (2023, "hire_rate", "16.9"),
    (2023, "separation_rate", "13.1"),
)


@transaction.atomic
def national_benchmarks_create_defaults(*, association: Any) -> int:
    """The survey's published figures as the association's editable starting data."""
    from kpis.models import NationalBenchmark

    existing = set(
        NationalBenchmark.objects.with_scopes_disabled()
        .filter(association=association)
        .values_list("survey_year", "metric")
    )
    created = NationalBenchmark.objects.bulk_create(
        NationalBenchmark(
            association=association,
            survey_year=year,
            metric=metric,
            value=value,
            source="介護労働実態調査（公益財団法人介護労働安定センター）",
        )
        for year, metric, value in NATIONAL_BENCHMARKS
        if (year, metric) not in existing
    )
    return len(created)


@transaction.atomic
def kpi_target_set(
    *,
    association: Any,
    fiscal_year: int,
    metric: str,
    value: Decimal,
    at_most: bool = True,
    subcommittee: Any = None,
) -> tuple[KpiTarget, bool]:
    """Set the association's (or one 部会's) target for a rate and fiscal year: the one row of
    that scope, created or changed (the unique constraint allows one). Returns it, and whether
    it was created."""
    if subcommittee is not None and subcommittee.association_id != association.pk:
        raise ValidationError({"subcommittee": [_("This subcommittee is another association's.")]})
    scope_keys = {
        "association": association,
        "subcommittee": subcommittee,
        "fiscal_year": fiscal_year,
        "metric": metric,
    }
    values = {"value": value, "at_most": at_most}
    # The model's own checks (metric, digits) before anything is written; one per scope is
    # the database's unique constraint, which update_or_create respects.
    KpiTarget(**scope_keys, **values).full_clean(validate_unique=False, validate_constraints=False)
    return KpiTarget.objects.update_or_create(**scope_keys, defaults=values)
