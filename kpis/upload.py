"""Staffing filings by spreadsheet: a corporation files many offices and months in one file.

One line of the file is one job category × employment type of one office-month, keyed by
介護保険事業所番号 and month. `upload_read` turns the file into rows (core.spreadsheets
reads CSV in UTF-8 or CP932 and XLSX), `upload_plan` says per office-month what applying
would do (create, update, no change, or why it cannot, every problem naming its row and
column), and `upload_apply` submits every office-month through `staffing_report_save` in one
transaction: one failure and nothing is saved. `FilingUploadImporter` hands these to the
generic import pages and background job (core.spreadsheets, association.import_views).

Everything here runs inside the association's scope (django-scopes).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.calendar import add_months, parse_month
from core.identifiers import clean_provider_number
from core.spreadsheets import (
    CHANGING,
    Column,
    Importer,
    ImportPlan,
    ImportRun,
    Progress,
    RowError,
    Vocabulary,
    columns_by_key,
    csv_bytes,
    parse_choice,
    report_progress,
)
from kpis.checks import (
    FOREIGN_FIELDS,
    Problem,
    filing_check,
    filing_lock,
    future_month_message,
    month_open_for_filing,
    read_count,
    row_key,
)
from kpis.models import (
    COUNT_FIELDS,
    EmploymentType,
    JobCategory,
    KpiSettings,
    ReportStatus,
    StaffingReport,
    StaffingRow,
)
from kpis.selectors import kpi_settings
from kpis.services import (
    FilingAlreadySubmitted,
    FilingConflict,
    FilingInvalid,
    FilingLocked,
    FilingNeedsConfirmation,
    FilingNothingToCarry,
    staffing_report_file_unchanged,
    staffing_report_save,
    unchanged_rows,
)
from members.models import Office, OfficeStatus

MAX_ROWS = 10000


UploadColumn = Column

UPLOAD_COLUMNS: tuple[UploadColumn, ...] = (
    UploadColumn(
        "provider_number",
        "介護保険事業所番号",
        gettext_lazy("Care-insurance provider number"),
        ("事業所番号", "provider number"),
    ),
    UploadColumn(
        "office_name",
        "事業所名",
        gettext_lazy("Office name (for reading only; the number decides)"),
        ("事業所名称", "事業所", "office", "office name"),
    ),
    UploadColumn(
        "month",
        "対象月",
        gettext_lazy("Month, like 2026-09 or 2026/09"),
        ("年月", "対象年月", "報告月", "month"),
    ),
    UploadColumn(
        "job_category",
        "職種",
        gettext_lazy(
            "Job category: 介護職員, 訪問介護員, 介護支援専門員, 看護職員, 生活相談員, その他; "
            "or 先月と変わりなし on a line of its own, figures empty, to file the month as last "
            "month's month-end headcounts with no hires or separations"
        ),
        ("job category",),
    ),
    UploadColumn(
        "employment_type",
        "雇用形態",
        gettext_lazy("Employment type: 正規 or 非正規"),
        ("雇用区分", "employment type"),
    ),
    UploadColumn(
        "headcount_start",
        "月初職員数",
        gettext_lazy("Headcount at the start of the month (empty: last month's month-end)"),
        ("月初の職員数", "前月末職員数", "headcount start"),
    ),
    UploadColumn("hires", "採用者数", gettext_lazy("Hires"), ("採用数", "採用")),
    UploadColumn(
        "separations", "離職者数", gettext_lazy("Separations"), ("離職数", "退職者数", "離職")
    ),
    UploadColumn(
        "separations_within_year",
        "うち採用後1年以内の離職者数",
        gettext_lazy("Of the separations: within one year of hiring"),
        (
            "うち採用後1年未満の離職者数",
            "うち1年以内の離職者数",
            "うち1年未満の離職者数",
            "1年未満の離職者数",
            "早期離職者数",
            "separations within year",
        ),
    ),
    UploadColumn(
        "headcount_end",
        "月末職員数",
        gettext_lazy("Headcount at month end"),
        ("月末の職員数", "headcount end"),
    ),
    UploadColumn(
        "open_positions",
        "欠員数",
        gettext_lazy("Open positions (empty: 0)"),
        ("募集人数", "open positions"),
    ),
    UploadColumn(
        "hires_job_fair",
        "採用経路_就職フェア",
        gettext_lazy("Hires via the association's job fair (empty: 0)"),
        ("就職フェア", "連絡会就職フェア"),
    ),
    UploadColumn(
        "hires_association_posting",
        "採用経路_連絡会求人",
        gettext_lazy("Hires via the association's job posting (empty: 0)"),
        ("連絡会求人", "連絡会の求人"),
    ),
    UploadColumn(
        "hires_hello_work",
        "採用経路_ハローワーク",
        gettext_lazy("Hires via Hello Work (empty: 0)"),
        ("ハローワーク",),
    ),
    UploadColumn(
        "hires_agency",
        "採用経路_人材紹介会社",
        gettext_lazy("Hires via an agency (empty: 0)"),
        ("人材紹介会社", "人材紹介", "紹介会社"),
    ),
    UploadColumn(
        "hires_referral",
        "採用経路_縁故・紹介",
        gettext_lazy("Hires by referral (empty: 0)"),
        ("縁故・紹介", "縁故", "職員紹介", "リファラル"),
    ),
    UploadColumn(
        "hires_other",
        "採用経路_その他",
        gettext_lazy("Hires via other channels (empty: 0)"),
        ("その他経路", "その他の経路"),
    ),
    UploadColumn(
        "foreign_specified_skilled",
        "外国人_特定技能",
        gettext_lazy("Foreign staff: specified skilled worker (optional)"),
        ("特定技能",),
    ),
    UploadColumn(
        "foreign_technical_intern",
        "外国人_技能実習",
        gettext_lazy("Foreign staff: technical intern (optional)"),
        ("技能実習",),
    ),
    UploadColumn(
        "foreign_epa",
        "外国人_EPA",
        gettext_lazy("Foreign staff: EPA candidate (optional)"),
        ("EPA",),
    ),
    UploadColumn(
        "foreign_care_visa",
        "外国人_在留資格「介護」",
        gettext_lazy("Foreign staff: care visa (optional)"),
        ("在留資格「介護」", "在留資格介護"),
    ),
    UploadColumn(
        "comment",
        "コメント",
        gettext_lazy("Comment on the office-month (explains figures the checks ask about)"),
        ("備考", "comment"),
    ),
)
COLUMNS_BY_KEY = columns_by_key(UPLOAD_COLUMNS)
REQUIRED_COLUMNS = ("provider_number", "month", "job_category", "employment_type")

# Spreadsheet words for the choices; the first of each is what the template writes. The stored
# value (`care_worker`, `regular` …) is accepted too.
JOB_CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    JobCategory.CARE_WORKER: ("介護職員",),
    JobCategory.HOME_HELPER: ("訪問介護員", "ホームヘルパー", "ヘルパー"),
    JobCategory.CARE_MANAGER: ("介護支援専門員", "ケアマネジャー", "ケアマネージャー", "ケアマネ"),
    JobCategory.NURSE: ("看護職員", "看護師", "准看護師"),
    JobCategory.COUNSELOR: ("生活相談員", "支援相談員", "生活相談員・支援相談員", "相談員"),
    JobCategory.OTHER: ("その他", "その他の職種"),
}
EMPLOYMENT_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    EmploymentType.REGULAR: ("正規", "正規職員", "正社員"),
    EmploymentType.NON_REGULAR: ("非正規", "非正規職員"),
}
JOB_CATEGORIES = Vocabulary(JOB_CATEGORY_WORDS)
# A line whose job category is one of these files its office-month as 「先月と変わりなし」
# (kpis.services.staffing_report_file_unchanged): alone, its figures left empty.
UNCHANGED_WORDS = frozenset({"先月と変わりなし", "変わりなし", "unchanged"})
EMPLOYMENT_TYPES = Vocabulary(EMPLOYMENT_TYPE_WORDS)


_COUNT_COLUMNS = frozenset(COLUMNS_BY_KEY[key].header for key in (*COUNT_FIELDS, *FOREIGN_FIELDS))


def _column(key: str) -> str:
    return COLUMNS_BY_KEY[key].header if key in COLUMNS_BY_KEY else ""


# --- reading a file ------------------------------------------------------------------------


def upload_read(*, data: bytes, filename: str) -> list[dict[str, Any]]:
    """The lines of an uploaded CSV (UTF-8 with or without BOM, CP932) or XLSX file.

    Each maps the column keys found in the header row to the cell's text, plus `row`: its
    number as the spreadsheet shows it. Raises ValidationError when the file cannot be read.
    """
    return FilingUploadImporter().read(data=data, filename=filename)


def _parse_count(text: str) -> int | None:
    """The filing check's reading of a cell (kpis.checks.read_count), its message as an error."""
    number, message = read_count(text)
    if message is not None:
        raise ValidationError(message)
    return number


# --- planning ------------------------------------------------------------------------------


class FilingAction(models.TextChoices):
    CREATE = "create", gettext_lazy("New filing")
    UPDATE = "update", gettext_lazy("Update")
    UNCHANGED = "unchanged", gettext_lazy("No change")
    ERROR = "error", gettext_lazy("Error")


@dataclass
class UploadLine:
    """One line of the file, cleaned: a job category × employment type of an office-month."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)  # the row as the service takes it
    comment: str = ""
    blank_start: bool = False  # headcount_start left empty: carried forward from last month
    unchanged: bool = False  # a 「先月と変わりなし」 line
    errors: list[RowError] = field(default_factory=list)

    @property
    def key(self) -> str:
        return row_key(self.values)


@dataclass
class FilingPlan:
    """What applying the file does to one office's filing of one month."""

    provider_number: str
    month: date
    lines: list[UploadLine] = field(default_factory=list)
    office: Office | None = None
    report: StaffingReport | None = None
    action: FilingAction = FilingAction.CREATE
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # The rows as the filing check cleaned them (empty cells read, the start carried forward).
    checked: list[dict[str, Any]] = field(default_factory=list)
    # Filed as 「先月と変わりなし」: `checked` holds last month's month-end as this month.
    unchanged: bool = False

    @property
    def rows(self) -> list[int]:
        return [line.row for line in self.lines]

    @property
    def first_row(self) -> int:
        return min(self.rows) if self.lines else 0

    @property
    def version(self) -> int | None:
        return self.report.version if self.report else None

    @property
    def comment(self) -> str:
        comments = dict.fromkeys(line.comment for line in self.lines if line.comment)
        return "\n".join(comments)

    @property
    def data(self) -> list[dict[str, Any]]:
        return [line.values for line in self.lines]

    @property
    def month_label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def action_label(self) -> str:
        return str(self.action.label)

    @property
    def needs_confirmation(self) -> bool:
        """Soft findings a comment in the file does not explain."""
        return bool(self.warnings) and not self.comment.strip()

    def add_problem(self, problem: Problem, *, warning: bool = False) -> None:
        """A finding of the service's checks, located on the line of its job and employment."""
        line = next((line for line in self.lines if line.key == problem.row), None)
        if not warning and line and any(e.column == _column(problem.field) for e in line.errors):
            return  # the cell's reading already said so, in the same words
        error = RowError(
            row=line.row if line else self.first_row,
            column=_column(problem.field),
            message=problem.message,
        )
        (self.warnings if warning else self.errors).append(error)


@dataclass
class UploadPlan(ImportPlan):
    code_prefix: ClassVar[str] = "upload"

    filings: list[FilingPlan]
    line_errors: list[RowError] = field(default_factory=list)  # lines of no office-month

    @property
    def entries(self) -> list[FilingPlan]:
        return self.filings

    def summary(self) -> Any:
        return [
            [f.provider_number, f.month_label, f.action, f.version, f.data, f.comment, f.unchanged]
            for f in self.filings
        ]

    @property
    def errors(self) -> list[RowError]:
        errors = [*self.line_errors, *(e for filing in self.filings for e in filing.errors)]
        return sorted(errors, key=lambda error: error.row)

    @property
    def warnings(self) -> list[RowError]:
        return sorted((w for f in self.filings for w in f.warnings), key=lambda w: w.row)

    @property
    def needs_confirmation(self) -> bool:
        return any(
            filing.needs_confirmation for filing in self.filings if filing.action in CHANGING
        )


def upload_plan(
    *, rows: Iterable[dict[str, Any]], office_ids: Collection[int], today: date | None = None
) -> UploadPlan:
    """What applying `rows` (from `upload_read`) would do per office-month, without writing.

    `office_ids` are the offices the uploader may file for (`access.office_ids("kpis.file")`);
    a line of any other office is an error. A few queries per file and one per month in it,
    whatever the number of offices.
    """
    today = today or timezone.localdate()
    plan = UploadPlan(filings=[])
    filings: dict[tuple[str, date], FilingPlan] = {}
    for row in rows:
        number, month, line = _clean_line(row, plan)
        if number is None or month is None:
            continue
        filing = filings.get((number, month))
        if filing is None:
            filing = filings[number, month] = FilingPlan(provider_number=number, month=month)
        filing.lines.append(line)
    plan.filings = sorted(filings.values(), key=lambda f: (f.month, f.first_row))
    if not plan.filings:
        return plan

    _attach_offices(plan, office_ids=office_ids, today=today)
    _attach_reports(plan)
    previous = _previous_rows(plan)
    settings = _kpi_settings(plan)
    by_office_month = {(f.office.pk, f.month): f for f in plan.filings if f.office is not None}
    for filing in plan.filings:
        _flag_duplicate_lines(filing)
        if filing.office is None or filing.errors or settings is None:
            continue
        if any(e.column not in _COUNT_COLUMNS for line in filing.lines for e in line.errors):
            continue  # a line of unknown job or employment, or twice: the check would guess
        last_month = add_months(filing.month, -1)
        earlier = by_office_month.get((filing.office.pk, last_month))
        # The month before is in the file but wrong: its errors are reported; checks that
        # depend on it would only report knock-on ones.
        broken = earlier is not None and bool(
            earlier.errors or any(line.errors for line in earlier.lines)
        )
        if broken and any(line.blank_start for line in filing.lines):
            continue
        if earlier is not None:
            before = {row_key(row): row for row in earlier.checked}
        else:
            before = previous.get((filing.office.pk, last_month), {})
        if any(line.unchanged for line in filing.lines):
            if not broken:
                _plan_unchanged(filing, before)
            continue
        check = filing_check(
            report=filing.report,
            month=filing.month,
            rows=filing.data,
            previous=None if broken else before,
            settings=settings,
            today=today,
            last_month=before,
        )
        filing.checked = check.rows
        for problem in check.errors:
            filing.add_problem(problem)
        for problem in check.warnings:
            filing.add_problem(problem, warning=True)

    for filing in plan.filings:
        filing.errors.extend(error for line in filing.lines for error in line.errors)
        if filing.errors:
            filing.action = FilingAction.ERROR
        elif filing.report is None:
            filing.action = FilingAction.CREATE
        elif _unchanged(filing):
            filing.action = FilingAction.UNCHANGED
        else:
            filing.action = FilingAction.UPDATE
        if filing.action != FilingAction.UNCHANGED and filing.office is not None:
            _check_lock(filing, today=today, settings=settings)
    return plan


def _clean_line(
    row: dict[str, Any], plan: UploadPlan
) -> tuple[str | None, date | None, UploadLine]:
    line = UploadLine(row=int(row["row"]))
    errors = line.errors

    def fail(key: str, error: ValidationError) -> None:
        errors.extend(RowError(line.row, _column(key), message) for message in error.messages)

    number: str | None = None
    month: date | None = None
    text = str(row.get("provider_number", "")).strip()
    if not text:
        fail("provider_number", ValidationError(_("This field is required.")))
    else:
        try:
            number = clean_provider_number(text)
        except ValidationError as error:
            fail("provider_number", error)
    text = str(row.get("month", "")).strip()
    if not text:
        fail("month", ValidationError(_("This field is required.")))
    else:
        try:
            month = parse_month(text)
        except ValidationError as error:
            fail("month", error)
    job_text = unicodedata.normalize("NFKC", str(row.get("job_category", ""))).strip()
    if job_text in UNCHANGED_WORDS:
        line.unchanged = True
        line.values = {"job_category": None, "employment_type": None}
        for key in (*COUNT_FIELDS, *FOREIGN_FIELDS):
            if str(row.get(key, "")).strip():
                message = _(
                    "Leave the figures of a 先月と変わりなし line empty: last month's month-end "
                    "headcounts are filed."
                )
                fail(key, ValidationError(message))
        line.comment = str(row.get("comment", "")).strip()
        if number is None or month is None:
            plan.line_errors.extend(errors)
        return number, month, line
    for key, vocabulary in (
        ("job_category", JOB_CATEGORIES),
        ("employment_type", EMPLOYMENT_TYPES),
    ):
        try:
            text = str(row.get(key, "")).strip()
            line.values[key] = parse_choice(text, vocabulary, required=True)
        except ValidationError as error:
            line.values[key] = None
            fail(key, error)
    for key in (*COUNT_FIELDS, *FOREIGN_FIELDS):
        try:
            count = _parse_count(str(row.get(key, "")))
        except ValidationError as error:
            fail(key, error)
            line.values[key] = str(row.get(key, ""))  # as written: the filing check sees it too
            continue
        # An empty cell is left empty: the filing check reads it (0, or carried forward).
        line.blank_start = line.blank_start or (count is None and key == "headcount_start")
        line.values[key] = count
    line.comment = str(row.get("comment", "")).strip()
    if number is None or month is None:
        # Without its office-month the line belongs to no filing: report it on its own.
        plan.line_errors.extend(errors)
    return number, month, line


def _attach_offices(plan: UploadPlan, *, office_ids: Collection[int], today: date) -> None:
    numbers = {filing.provider_number for filing in plan.filings}
    offices = {
        office.provider_number: office
        for office in Office.objects.filter(provider_number__in=numbers).order_by()
    }
    allowed = set(office_ids)
    for filing in plan.filings:
        office = offices.get(filing.provider_number)
        column = _column("provider_number")
        if office is None:
            message = _("No member office of the association has provider number %(number)s.")
            filing.errors.append(
                RowError(filing.first_row, column, message % {"number": filing.provider_number})
            )
        elif office.pk not in allowed:
            filing.errors.append(
                RowError(
                    filing.first_row,
                    column,
                    _("You may not file for %(office)s (%(number)s).")
                    % {"office": office.name, "number": office.provider_number},
                )
            )
        elif office.status != OfficeStatus.APPROVED:
            filing.errors.append(
                RowError(
                    filing.first_row,
                    column,
                    _("%(office)s is not an approved member office; it files no reports.")
                    % {"office": office.name},
                )
            )
        else:
            filing.office = office
        if not month_open_for_filing(filing.month, today):
            # The filing check's rule and words, said once here: the check is not run on a
            # filing that already has an error.
            filing.errors.append(
                RowError(filing.first_row, _column("month"), future_month_message(filing.month))
            )


def _attach_reports(plan: UploadPlan) -> None:
    offices = {f.office.pk for f in plan.filings if f.office is not None}
    months = {f.month for f in plan.filings}
    reports = {
        (report.office_id, report.month): report
        for report in StaffingReport.objects.filter(office_id__in=offices, month__in=months)
        .prefetch_related("rows")
        .order_by()
    }
    for filing in plan.filings:
        if filing.office is not None:
            filing.report = reports.get((filing.office.pk, filing.month))


def _previous_rows(plan: UploadPlan) -> dict[tuple[int, date], dict[str, dict[str, Any]]]:
    """Submitted rows of the month before each office-month, by (office, that month)."""
    wanted = {(f.office.pk, add_months(f.month, -1)) for f in plan.filings if f.office is not None}
    if not wanted:
        return {}
    rows = StaffingRow.objects.filter(
        report__office_id__in={office for office, _month in wanted},
        report__month__in={month for _office, month in wanted},
        report__status=ReportStatus.SUBMITTED,
    ).values("report__office_id", "report__month", "job_category", "employment_type", *COUNT_FIELDS)
    previous: dict[tuple[int, date], dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        office_month = (row["report__office_id"], row["report__month"])
        if office_month in wanted:
            previous[office_month][row_key(row)] = row
    return previous


def _kpi_settings(plan: UploadPlan) -> KpiSettings | None:
    """The association's KPI settings (read once per file), None when no office was found."""
    office = next((f.office for f in plan.filings if f.office is not None), None)
    if office is None:
        return None
    return kpi_settings(association_id=office.association_id)


def _flag_duplicate_lines(filing: FilingPlan) -> None:
    first: dict[str, int] = {}
    for line in filing.lines:
        if None in (line.values.get("job_category"), line.values.get("employment_type")):
            continue
        if line.key in first:
            line.errors.append(
                RowError(
                    line.row,
                    "",
                    _(
                        "%(number)s %(month)s: this job and employment type are also in "
                        "row %(other)d."
                    )
                    % {
                        "number": filing.provider_number,
                        "month": filing.month_label,
                        "other": first[line.key],
                    },
                )
            )
        else:
            first[line.key] = line.row


def _plan_unchanged(filing: FilingPlan, before: dict[str, dict[str, Any]]) -> None:
    """A 「先月と変わりなし」 line: the office-month is last month's month-end, as the service
    files it, or the service's reason why not, on the line."""
    line = next(line for line in filing.lines if line.unchanged)
    column = _column("job_category")
    if len(filing.lines) > 1:
        message = _(
            "A 先月と変わりなし line must be the only line of its office and month: "
            "remove the other lines, or this one."
        )
        filing.errors.append(RowError(line.row, column, message))
        return
    report = filing.report
    if report is not None and report.status == ReportStatus.SUBMITTED:
        message = " ".join(FilingAlreadySubmitted(report).messages)
        filing.errors.append(RowError(line.row, column, message))
        return
    rows = unchanged_rows(before)
    if not rows:
        message = " ".join(FilingNothingToCarry(filing.month).messages)
        filing.errors.append(RowError(line.row, column, message))
        return
    filing.unchanged = True
    filing.checked = rows


def _unchanged(filing: FilingPlan) -> bool:
    """The filing is submitted with exactly these rows and comment (applying does nothing)."""
    report = filing.report
    if report is None or report.status != ReportStatus.SUBMITTED or report.reopened_at:
        return False
    if report.comment != filing.comment:
        return False
    fields = ("job_category", "employment_type", *COUNT_FIELDS, *FOREIGN_FIELDS)
    stored = sorted(
        (tuple(getattr(row, name) for name in fields) for row in report.rows.all()),
        key=lambda values: (values[0], values[1]),
    )
    uploaded = sorted(
        (tuple(row.get(name) for name in fields) for row in filing.checked),
        key=lambda values: (str(values[0]), str(values[1])),
    )
    return stored == uploaded


def _check_lock(filing: FilingPlan, *, today: date, settings: KpiSettings | None) -> None:
    if filing.office is None or settings is None:
        return
    lock = filing_lock(report=filing.report, month=filing.month, settings=settings, today=today)
    if lock.locked:
        filing.errors.append(RowError(filing.first_row, _column("month"), lock.message))
        filing.action = FilingAction.ERROR


# --- applying ------------------------------------------------------------------------------


@transaction.atomic
def upload_apply(
    *,
    data: bytes,
    filename: str,
    user: Any,
    office_ids: Collection[int],
    confirm_warnings: bool = False,
    expected_fingerprint: str | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> UploadPlan:
    """Submit every office-month of the file through `staffing_report_save`, or nothing.

    Plans again from the current data and refuses, saving nothing, when any line has an
    error, when soft findings are not confirmed, or, given the `expected_fingerprint` of the
    preview, when the plan is no longer the one the uploader saw. Months are submitted in
    order, so an office's earlier month is in place when the next one is checked against it.
    `progress(done, total)` hears how many office-months are done.
    """
    plan = upload_plan(
        rows=upload_read(data=data, filename=filename), office_ids=office_ids, today=today
    )
    plan.refuse_unless_applicable(
        expected_fingerprint=expected_fingerprint,
        stale=_(
            "The filings changed since the preview was made. Check the new preview and apply again."
        ),
    )
    if plan.needs_confirmation and not confirm_warnings:
        raise ValidationError(
            _("Some figures need your confirmation: tick the box to confirm them."),
            code="upload_needs_confirmation",
        )
    for done, filing in enumerate(plan.filings, start=1):
        report_progress(progress, done - 1, len(plan.filings))
        if filing.action not in CHANGING:
            continue
        if filing.office is None:  # the plan gives every valid filing its office
            raise RuntimeError(f"{filing.provider_number} {filing.month_label} has no office")
        try:
            if filing.unchanged:
                staffing_report_file_unchanged(
                    office=filing.office,
                    month=filing.month,
                    user=user,
                    expected_version=filing.version,
                    via="upload",
                    today=today,
                )
                continue
            staffing_report_save(
                office=filing.office,
                month=filing.month,
                rows=filing.data,
                user=user,
                expected_version=filing.version,
                submit=True,
                comment=filing.comment,
                confirm_warnings=confirm_warnings,
                via="upload",
                today=today,
            )
        except (FilingInvalid, FilingNeedsConfirmation) as error:
            for problem in error.check.errors or error.check.warnings:
                filing.add_problem(problem)
            raise ValidationError(
                [e.text for e in filing.errors], code="upload_row_errors"
            ) from error
        except (
            FilingConflict,
            FilingLocked,
            FilingAlreadySubmitted,
            FilingNothingToCarry,
        ) as error:
            raise ValidationError(
                [
                    RowError(filing.first_row, "", f"{filing.provider_number} {message}").text
                    for message in error.messages
                ],
                code="upload_row_errors",
            ) from error
    report_progress(progress, len(plan.filings), len(plan.filings))
    return plan


# --- the template --------------------------------------------------------------------------


def upload_template(*, office_ids: Sequence[int], month: date) -> bytes:
    """A CSV to fill in: the header row, and per office the lines of its latest filing.

    Offices that never filed get one line of 介護職員・正規. The start headcount is left
    empty (carried forward); the counts are left for the office to fill in.
    """
    headers = [column.header for column in UPLOAD_COLUMNS]
    offices = list(
        Office.objects.filter(pk__in=office_ids, status=OfficeStatus.APPROVED).order_by(
            "provider_number"
        )
    )
    latest: dict[int, list[tuple[str, str]]] = defaultdict(list)
    seen_month: dict[int, date] = {}
    for office_id, report_month, job, employment in (
        StaffingRow.objects.filter(
            report__office_id__in=[o.pk for o in offices],
            report__status=ReportStatus.SUBMITTED,
            report__month__lt=month,
        )
        .order_by("report__office_id", "-report__month", "job_category", "employment_type")
        .values_list("report__office_id", "report__month", "job_category", "employment_type")
    ):
        if seen_month.setdefault(office_id, report_month) == report_month:
            latest[office_id].append((job, employment))
    lines: list[list[str | int]] = []
    for office in offices:
        for job, employment in latest.get(office.pk) or [
            (JobCategory.CARE_WORKER, EmploymentType.REGULAR)
        ]:
            values: dict[str, str | int] = {
                "provider_number": office.provider_number,
                "office_name": office.name,
                "month": f"{month:%Y-%m}",
                "job_category": JOB_CATEGORIES.written(job),
                "employment_type": EMPLOYMENT_TYPES.written(employment),
            }
            lines.append([values.get(column.key, "") for column in UPLOAD_COLUMNS])
    return csv_bytes(headers, lines)


# --- the import pages and job --------------------------------------------------------------


class FilingUploadImporter(Importer):
    """The filing upload for the generic import pages and background job (association).

    Its context is `{"office_ids": [...]}`: the offices the uploader files for, taken from the
    request when the file is previewed and when it is applied.
    """

    kind = "kpis-filing"
    code_prefix = "upload"
    columns = UPLOAD_COLUMNS
    required = REQUIRED_COLUMNS
    max_rows = MAX_ROWS
    zero_pad = {"provider_number": 10}

    def plan(
        self, *, association: Any, rows: list[dict[str, Any]], context: Mapping[str, Any]
    ) -> UploadPlan:
        return upload_plan(rows=rows, office_ids=context["office_ids"])

    def apply(self, run: ImportRun) -> UploadPlan:
        return upload_apply(
            data=run.data,
            filename=run.filename,
            user=run.user,
            office_ids=run.context["office_ids"],
            confirm_warnings=run.options["confirm"],
            expected_fingerprint=run.options["fingerprint"],
            progress=run.progress,
        )
