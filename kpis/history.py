"""Reads for one office's filing page and history: filings by month, changes, rates, trend.

Callers run inside a scope. Every function here costs a fixed number of queries, whatever the
number of months an office has filed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from core.calendar import (
    add_months,
    filing_deadline,
    fiscal_year_months,
    fiscal_year_of,
    month_start,
    months_between,
    rolling_months,
    survey_year_months,
)
from kpis.models import (
    COUNT_FIELDS,
    FOREIGN_STAFF,
    EmploymentType,
    JobCategory,
    ReportStatus,
    StaffingChange,
    StaffingReport,
)
from kpis.rates import WindowFigures
from kpis.selectors import figures, office_months

FOREIGN_FIELDS = tuple(name for name, _label in FOREIGN_STAFF)
SNAPSHOT_FIELDS = (*COUNT_FIELDS, *FOREIGN_FIELDS)
TREND_MONTHS = 24
MONTHS_LISTED = 24  # the filings-by-month table: the latest two years
CHANGES_PER_PAGE = 10
# `StaffingChange.via` of the filings `manage.py seed_demo` makes ("seed" in older databases).
DEMO_VIA = "demo"
DEMO_VIAS = {DEMO_VIA, "seed"}


def channel_label(via: str) -> str:
    """The one vocabulary for how a filing change came in (`StaffingChange.via`), in words
    people use: never the stored code ("seed", "api:ab12…")."""
    channel = via.partition(":")[0]
    labels = {
        "web": _("the filing form"),
        "upload": _("a spreadsheet upload"),
        "api": _("the office's own system (API)"),
        "admin": _("the association's administration"),
        **dict.fromkeys(DEMO_VIAS, _("demo data")),
    }
    return str(labels.get(channel, _("another way")))


def author_label(change: StaffingChange) -> str:
    """Who made a change, in words: the person's name or address; for no person, what did."""
    user = change.user
    if user is not None:
        name = (user.get_full_name() or "").strip()
        return name or user.email
    channel = change.via.partition(":")[0]
    if channel in DEMO_VIAS:
        return _("the demo data")
    if channel == "api":
        return _("the office's own system")
    return _("an account that no longer exists")


def filing_for(*, office_id: int, month: date) -> StaffingReport | None:
    """The office's filing of `month` with its rows and the people who submitted or reopened it."""
    return (
        StaffingReport.objects.filter(office_id=office_id, month=month_start(month))
        .select_related("submitted_by", "reopened_by")
        .prefetch_related("rows")
        .first()
    )


def last_change(*, report: StaffingReport | None) -> StaffingChange | None:
    if report is None:
        return None
    return StaffingChange.objects.filter(report=report).select_related("user").first()


# --- filings by month --------------------------------------------------------------------


class Timeliness:
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"  # not submitted, deadline passed
    OPEN = "open"  # not submitted, deadline still ahead


@dataclass(frozen=True)
class FilingMonth:
    month: date
    deadline: date
    report: StaffingReport | None
    first_submitted_at: datetime | None  # the first submission counts for timeliness

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.status == ReportStatus.SUBMITTED

    def timeliness(self, today: date) -> str:
        if self.submitted and self.first_submitted_at is not None:
            on = timezone.localdate(self.first_submitted_at)
            return Timeliness.ON_TIME if on <= self.deadline else Timeliness.LATE
        return Timeliness.OVERDUE if today > self.deadline else Timeliness.OPEN


def office_filing_months(*, office_id: int, through: date, deadline_day: int) -> list[FilingMonth]:
    """Every month from the office's first filing to `through`, newest first, at most the
    latest `MONTHS_LISTED` (older months are opened by month on the filing page).

    Months without a filing are listed too, so a missing month shows. Filings after `through`
    (an early draft of the current month) are included. Two queries.
    """
    oldest = add_months(month_start(through), -(MONTHS_LISTED - 1))
    reports = {
        report.month: report
        for report in StaffingReport.objects.filter(office_id=office_id, month__gte=oldest)
        .select_related("submitted_by")
        .order_by("month")
    }
    first_submits: dict[int, datetime] = dict(
        StaffingChange.objects.filter(
            report__office_id=office_id,
            report__month__gte=oldest,
            action="submit",
        )
        .order_by()
        .values("report_id")
        .annotate(first=Min("at"))
        .values_list("report_id", "first")
    )
    through = month_start(through)
    months = months_between(min([*reports, through]), max([*reports, through]))
    listed = []
    for month in reversed(months):
        report = reports.get(month)
        first = None
        if report is not None and report.status == ReportStatus.SUBMITTED:
            first = first_submits.get(report.pk) or report.submitted_at
        listed.append(
            FilingMonth(
                month=month,
                deadline=filing_deadline(month, deadline_day=deadline_day),
                report=report,
                first_submitted_at=first,
            )
        )
    return listed


# --- the change log ------------------------------------------------------------------------


@dataclass(frozen=True)
class CountChange:
    row: str  # "job_category/employment_type"
    field: str
    before: int | None
    after: int | None


@dataclass(frozen=True)
class ChangeEntry:
    change: StaffingChange
    status_before: str | None
    status_after: str | None
    comment_before: str
    comment_after: str
    counts: list[CountChange]

    @property
    def is_demo(self) -> bool:
        """Made by the demo seed, not by a person: the page says "demo data"."""
        return self.change.via in DEMO_VIAS

    @property
    def via_label(self) -> str:
        """How the change came in, in words (`channel_label`)."""
        return channel_label(self.change.via)

    @property
    def author(self) -> str:
        return author_label(self.change)


def _row_order(key: str) -> tuple[int, int, str]:
    job, _sep, employment = key.partition("/")
    jobs, employments = list(JobCategory.values), list(EmploymentType.values)
    return (
        jobs.index(job) if job in jobs else len(jobs),
        employments.index(employment) if employment in employments else len(employments),
        key,
    )


def snapshot_diff(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[CountChange]:
    """The counts that differ between two snapshots (as kept in StaffingChange), row by row.

    A row that appears or disappears shows its non-empty counts against nothing (None).
    """
    rows_before: Mapping[str, Mapping[str, Any]] = (before or {}).get("rows") or {}
    rows_after: Mapping[str, Mapping[str, Any]] = (after or {}).get("rows") or {}
    changes = []
    for key in sorted(set(rows_before) | set(rows_after), key=_row_order):
        old, new = rows_before.get(key), rows_after.get(key)
        for name in SNAPSHOT_FIELDS:
            old_value = old.get(name) if old is not None else None
            new_value = new.get(name) if new is not None else None
            if old_value == new_value:
                continue
            if (old is None and not new_value) or (new is None and not old_value):
                continue  # a zero or empty count of a row that came or went says nothing
            changes.append(CountChange(key, name, old_value, new_value))
    return changes


@dataclass(frozen=True)
class ChangePage:
    """One page of an office's change log, newest first."""

    entries: list[ChangeEntry]
    number: int
    pages: int
    total: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def office_changes(
    *, office_id: int, page: int = 1, per_page: int = CHANGES_PER_PAGE
) -> ChangePage:
    """One page of the office's changes (newest first) with what each changed. A page past the
    last is the last. Two queries (a count and the page)."""
    changes = StaffingChange.objects.filter(report__office_id=office_id)
    total = changes.count()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    shown = list(
        changes.select_related("user", "report").order_by("-at", "-pk")[
            (page - 1) * per_page : page * per_page
        ]
    )
    entries = [
        ChangeEntry(
            change=change,
            status_before=(change.before or {}).get("status"),
            status_after=(change.after or {}).get("status"),
            comment_before=(change.before or {}).get("comment") or "",
            comment_after=(change.after or {}).get("comment") or "",
            counts=snapshot_diff(change.before, change.after),
        )
        for change in shown
    ]
    return ChangePage(entries=entries, number=page, pages=pages, total=total)


# --- the office's own rates ----------------------------------------------------------------


class WindowKind:
    ROLLING = "rolling"
    FISCAL_YEAR = "fiscal_year"
    SURVEY_YEAR = "survey_year"


@dataclass(frozen=True)
class RateWindow:
    kind: str
    first: date
    last: date
    figures: WindowFigures
    months_filed: int

    @property
    def months(self) -> int:
        return len(months_between(self.first, self.last))

    @property
    def months_missing(self) -> int:
        return self.months - self.months_filed

    @property
    def year(self) -> int:
        """The fiscal year (年度) or survey year the window belongs to."""
        if self.kind == WindowKind.FISCAL_YEAR:
            return fiscal_year_of(self.first)
        return self.last.year


def last_complete_survey_year(reference: date) -> int:
    """The latest survey year (October–September) whose September is `reference` or earlier."""
    return reference.year if reference.month >= 9 else reference.year - 1


def office_rates(
    *, office_id: int, reference: date, submitted_months: Iterable[date]
) -> list[RateWindow]:
    """Rolling 12 months to the last submitted month, this fiscal year to date, last survey year.

    `reference` is the latest complete month (the month before today). Three queries at most.
    """
    submitted = {month_start(month) for month in submitted_months}
    reference = month_start(reference)
    windows: list[RateWindow] = []

    def add(kind: str, first: date, last: date) -> None:
        filed = sum(1 for month in submitted if first <= month <= last)
        result = figures(first=first, last=last, office_ids=[office_id])
        windows.append(RateWindow(kind, first, last, result, filed))

    add(WindowKind.ROLLING, *rolling_months(max(submitted, default=month_start(reference))))

    # To the latest complete month, filed or not: the months missing are counted, not hidden.
    add(WindowKind.FISCAL_YEAR, fiscal_year_months(fiscal_year_of(reference))[0], reference)

    add(WindowKind.SURVEY_YEAR, *survey_year_months(last_complete_survey_year(reference)))
    return windows


# --- the trend chart -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrendMonth:
    month: date
    headcount_end: int | None
    hires: int | None
    separations: int | None


def office_trend(*, office_id: int, last: date, count: int = TREND_MONTHS) -> list[TrendMonth]:
    """Submitted month-end headcount, hires and separations for `count` months (one query)."""
    first = add_months(month_start(last), -(count - 1))
    by_month = {
        item.month: item
        for item in office_months(first=first, last=month_start(last), office_ids=[office_id])
    }
    trend = []
    for month in months_between(first, month_start(last)):
        item = by_month.get(month)
        trend.append(
            TrendMonth(
                month=month,
                headcount_end=item.headcount_end if item else None,
                hires=item.hires if item else None,
                separations=item.separations if item else None,
            )
        )
    return trend


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ (at least 5) that is `value` or more: an axis maximum."""
    ceiling = 5
    steps = (1, 2, 5)
    magnitude = 1
    while ceiling < value:
        for step in steps:
            ceiling = step * magnitude * 10
            if ceiling >= value:
                break
        magnitude *= 10
    return ceiling


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: int
    month: date


@dataclass(frozen=True)
class ChartBar:
    x: float  # left edge
    y: float  # top edge
    height: float
    value: int
    month: date


@dataclass(frozen=True)
class TrendChart:
    """Coordinates for a server-rendered SVG: a headcount line above, hires/separations below."""

    width: int
    height: int
    left: int
    right: int
    line_top: int
    line_bottom: int
    bars_top: int
    bars_zero: int
    bars_bottom: int
    headcount_max: int
    flow_max: int
    segments: list[str]  # polyline "x,y x,y …" runs of consecutive filed months
    points: list[ChartPoint]
    hire_bars: list[ChartBar]
    separation_bars: list[ChartBar]
    bar_width: float
    labels: list[ChartPoint]  # every third month, at the bottom axis
    has_data: bool

    @property
    def line_middle(self) -> int:
        return (self.line_top + self.line_bottom) // 2

    @property
    def headcount_half(self) -> float:
        return self.headcount_max / 2


def trend_chart(trend: list[TrendMonth]) -> TrendChart:
    """Lay out `trend` in a 720 × 360 view box; the template draws it."""
    width, height, left, right = 720, 360, 64, 704
    line_top, line_bottom = 28, 148
    bars_top, bars_bottom = 196, 316
    bars_zero = (bars_top + bars_bottom) // 2
    slot = (right - left) / max(len(trend), 1)
    bar_width = round(min(slot * 0.6, 16), 1)
    headcount_max = _nice_ceiling(max((m.headcount_end or 0 for m in trend), default=0))
    flow_max = _nice_ceiling(max((max(m.hires or 0, m.separations or 0) for m in trend), default=0))
    half = bars_zero - bars_top

    segments: list[str] = []
    points: list[ChartPoint] = []
    hire_bars: list[ChartBar] = []
    separation_bars: list[ChartBar] = []
    labels: list[ChartPoint] = []
    run: list[str] = []
    for index, item in enumerate(trend):
        x = round(left + slot * (index + 0.5), 1)
        bar_x = round(x - bar_width / 2, 1)
        if index % 3 == 0:
            labels.append(ChartPoint(x, float(bars_bottom + 22), 0, item.month))
        if item.headcount_end is None:
            if run:
                segments.append(" ".join(run))
            run = []
        else:
            y = round(
                line_bottom - (line_bottom - line_top) * item.headcount_end / headcount_max, 1
            )
            run.append(f"{x},{y}")
            points.append(ChartPoint(x, y, item.headcount_end, item.month))
        if item.hires:
            size = round(half * item.hires / flow_max, 1)
            hire_bars.append(ChartBar(bar_x, bars_zero - size, size, item.hires, item.month))
        if item.separations:
            size = round(half * item.separations / flow_max, 1)
            separation_bars.append(
                ChartBar(bar_x, float(bars_zero), size, item.separations, item.month)
            )
    if run:
        segments.append(" ".join(run))
    return TrendChart(
        width=width,
        height=height,
        left=left,
        right=right,
        line_top=line_top,
        line_bottom=line_bottom,
        bars_top=bars_top,
        bars_zero=bars_zero,
        bars_bottom=bars_bottom,
        headcount_max=headcount_max,
        flow_max=flow_max,
        segments=[segment for segment in segments if " " in segment],
        points=points,
        hire_bars=hire_bars,
        separation_bars=separation_bars,
        bar_width=bar_width,
        labels=labels,
        has_data=bool(points or hire_bars or separation_bars),
    )
