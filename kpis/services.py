"""Writes on staffing filings: one service behind the web form, the upload and the API.

`staffing_report_save` validates like a statistics office (hard errors refuse, soft checks ask
for a confirmation or a comment), refuses locked months, refuses stale versions (no silent
overwrite), keeps every change with who, when, before and after, and treats a repeated
identical save as no change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import add_months, filing_deadline, month_start
from kpis.models import (
    COUNT_FIELDS,
    FOREIGN_STAFF,
    HIRE_CHANNELS,
    EmploymentType,
    JobCategory,
    ReportStatus,
    StaffingChange,
    StaffingReport,
    StaffingRow,
)
from kpis.selectors import deadline_for, kpi_settings
from members.models import Office

RowData = Mapping[str, Any]
FOREIGN_FIELDS = tuple(name for name, _label in FOREIGN_STAFF)
CHANNEL_FIELDS = tuple(name for name, _label in HIRE_CHANNELS)


@dataclass(frozen=True)
class Problem:
    """One finding on a filing: `row` is "job_category/employment_type" or "" for the filing."""

    row: str
    field: str
    message: str


@dataclass
class Findings:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


class FilingInvalid(ValidationError):
    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        super().__init__([f"{p.row} {p.field}: {p.message}".strip() for p in findings.errors])


class FilingNeedsConfirmation(ValidationError):
    def __init__(self, findings: Findings) -> None:
        self.findings = findings
        super().__init__([p.message for p in findings.warnings])


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
    def __init__(self, month: date, deadline: date) -> None:
        super().__init__(
            _(
                "The filing for %(month)s is locked: its deadline, %(deadline)s, has passed. "
                "Ask an officer to reopen it."
            )
            % {"month": f"{month:%Y-%m}", "deadline": f"{deadline:%Y-%m-%d}"}
        )


def row_key(row: RowData) -> str:
    return f"{row.get('job_category')}/{row.get('employment_type')}"


def _count(row: RowData, name: str, findings: Findings, *, optional: bool = False) -> int | None:
    value = row.get(name)
    if value in (None, "") and optional:
        return None
    if value in (None, ""):
        value = 0 if name in CHANNEL_FIELDS or name == "open_positions" else value
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip()) if str(value).strip().lstrip("-").isdigit() else None
        except ValueError:
            value = None
    if value is None:
        findings.errors.append(
            Problem(row_key(row), name, _("Enter a whole number (0 or more).")),
        )
        return None
    if value < 0:
        findings.errors.append(Problem(row_key(row), name, _("A count cannot be negative.")))
        return None
    return value


def staffing_rows_clean(rows: Sequence[RowData]) -> tuple[list[dict[str, Any]], Findings]:
    """Hard checks: known categories, whole non-negative numbers, and consistent sub-counts."""
    findings = Findings()
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in rows:
        key = row_key(row)
        if row.get("job_category") not in JobCategory.values:
            findings.errors.append(Problem(key, "job_category", _("Unknown job category.")))
            continue
        if row.get("employment_type") not in EmploymentType.values:
            findings.errors.append(Problem(key, "employment_type", _("Unknown employment type.")))
            continue
        if key in seen:
            findings.errors.append(
                Problem(key, "", _("This job and employment type appear twice."))
            )
            continue
        seen.add(key)
        values: dict[str, Any] = {
            "job_category": row["job_category"],
            "employment_type": row["employment_type"],
        }
        for name in COUNT_FIELDS:
            values[name] = _count(row, name, findings)
        for name in FOREIGN_FIELDS:
            values[name] = _count(row, name, findings, optional=True)
        if None in (values[name] for name in COUNT_FIELDS):
            continue
        if values["separations_within_year"] > values["separations"]:
            findings.errors.append(
                Problem(
                    key,
                    "separations_within_year",
                    _("Separations within a year cannot exceed separations (%(n)s).")
                    % {"n": values["separations"]},
                )
            )
        channels = sum(values[name] for name in CHANNEL_FIELDS)
        if channels != values["hires"]:
            findings.errors.append(
                Problem(
                    key,
                    "hires",
                    _("Hires by channel add up to %(channels)s, but hires are %(hires)s.")
                    % {"channels": channels, "hires": values["hires"]},
                )
            )
        cleaned.append(values)
    return cleaned, findings


def staffing_rows_check(
    rows: Sequence[Mapping[str, Any]], *, previous: Mapping[str, Mapping[str, Any]], threshold: int
) -> list[Problem]:
    """Soft checks: the month adds up, and no jump against last month beyond `threshold` %."""
    warnings: list[Problem] = []
    for row in rows:
        key = row_key(row)
        expected = row["headcount_start"] + row["hires"] - row["separations"]
        if expected != row["headcount_end"]:
            warnings.append(
                Problem(
                    key,
                    "headcount_end",
                    _(
                        "Start %(start)s + hires %(hires)s − separations %(separations)s = "
                        "%(expected)s, but the month-end headcount is %(end)s."
                    )
                    % {
                        "start": row["headcount_start"],
                        "hires": row["hires"],
                        "separations": row["separations"],
                        "expected": expected,
                        "end": row["headcount_end"],
                    },
                )
            )
        before = previous.get(key)
        if before and before["headcount_end"]:
            change = abs(row["headcount_end"] - before["headcount_end"]) * 100
            if change > threshold * before["headcount_end"]:
                warnings.append(
                    Problem(
                        key,
                        "headcount_end",
                        _(
                            "The month-end headcount changed from %(before)s to %(after)s, "
                            "more than %(threshold)s %%."
                        )
                        % {
                            "before": before["headcount_end"],
                            "after": row["headcount_end"],
                            "threshold": threshold,
                        },
                    )
                )
    return warnings


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
    ).values("job_category", "employment_type", *COUNT_FIELDS)
    return {row_key(row): row for row in rows}


def is_locked(*, report: StaffingReport | None, office: Office, month: date, today: date) -> bool:
    deadline = deadline_for(association_id=office.association_id, month=month)
    if today <= deadline:
        return False
    return not (report is not None and report.reopened_at is not None)


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
    deadline = filing_deadline(month, deadline_day=settings.deadline_day)
    if today > deadline and not (report is not None and report.reopened_at is not None):
        raise FilingLocked(month, deadline)
    current_version = report.version if report else None
    if expected_version != current_version:
        last = report.changes.select_related("user").first() if report else None
        raise FilingConflict(report, last)  # type: ignore[arg-type]
    if report is not None and report.status == ReportStatus.SUBMITTED:
        submit = True

    cleaned, findings = staffing_rows_clean(rows)
    if findings.errors:
        raise FilingInvalid(findings)
    if submit:
        findings.warnings = staffing_rows_check(
            cleaned,
            previous=previous_rows(office=office, month=month),
            threshold=settings.jump_threshold_percent,
        )
        if findings.warnings and not (confirm_warnings or comment.strip()):
            raise FilingNeedsConfirmation(findings)

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
    return report


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
