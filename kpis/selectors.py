"""Reads of filings and rates that pages, API, reports and tasks share (inside a scope)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.calendar import (
    add_months,
    filing_deadline,
    fiscal_year_months,
    fiscal_year_of,
    last_closed_month,
    latest_complete_survey_year,
    month_start,
    rolling_months,
    survey_year_months,
)
from kpis.models import (
    DIRECT_CARE_JOBS,
    KpiSettings,
    KpiTarget,
    NationalBenchmark,
    ReportStatus,
    StaffingChange,
    StaffingReport,
)
from kpis.rates import OfficeMonth, Rate, WindowFigures, target_status, window_figures
from members.models import Office, OfficeStatus
from subcommittees.models import Subcommittee
from subcommittees.selectors import subcommittee_office_ids

_SUMMED = ("headcount_start", "hires", "separations", "separations_within_year", "headcount_end")


def kpi_settings(*, association_id: int) -> KpiSettings:
    settings, _created = KpiSettings.objects.get_or_create(association_id=association_id)
    return settings


def deadline_for(*, association_id: int, month: date) -> date:
    return filing_deadline(
        month, deadline_day=kpi_settings(association_id=association_id).deadline_day
    )


def office_months(
    *,
    first: date,
    last: date,
    office_ids: Iterable[int] | None = None,
    job_categories: Iterable[str] | None = None,
    employment_types: Iterable[str] | None = None,
) -> list[OfficeMonth]:
    """Submitted totals per office and month, summed over the chosen rows (one query).

    Every submitted filing gives one item, also when it has no row of the chosen slice
    (`has_rows` False, counts 0): the month was filed, the office just had none of those staff.
    """
    reports = StaffingReport.objects.filter(
        status=ReportStatus.SUBMITTED, month__gte=first, month__lte=last
    )
    if office_ids is not None:
        reports = reports.filter(office_id__in=list(office_ids))
    chosen = Q()
    if job_categories is not None:
        chosen &= Q(rows__job_category__in=list(job_categories))
    if employment_types is not None:
        chosen &= Q(rows__employment_type__in=list(employment_types))
    condition = chosen if chosen else None
    totals = (
        reports.order_by()
        .values("office_id", "month")
        .annotate(
            chosen_rows=Count("rows", filter=condition),
            **{name: Coalesce(Sum(f"rows__{name}", filter=condition), 0) for name in _SUMMED},
        )
    )
    return [
        OfficeMonth(
            office_id=row["office_id"],
            month=row["month"],
            has_rows=row["chosen_rows"] > 0,
            **{name: row[name] for name in _SUMMED},
        )
        for row in totals
    ]


def figures(
    *,
    first: date,
    last: date,
    office_ids: Iterable[int] | None = None,
    job_categories: Iterable[str] | None = None,
    employment_types: Iterable[str] | None = None,
) -> WindowFigures:
    """Rates over a window for the association, or the offices, jobs and employment named."""
    return window_figures(
        office_months(
            first=first,
            last=last,
            office_ids=office_ids,
            job_categories=job_categories,
            employment_types=employment_types,
        ),
        first=first,
        last=last,
    )


def figures_by_office(*, first: date, last: date) -> dict[int, WindowFigures]:
    """Each office's own rates over the window (one query for all offices)."""
    grouped: dict[int, list[OfficeMonth]] = defaultdict(list)
    for item in office_months(first=first, last=last):
        grouped[item.office_id].append(item)
    return {
        office_id: window_figures(items, first=first, last=last)
        for office_id, items in grouped.items()
    }


def figures_by_subcommittee(*, first: date, last: date) -> dict[int, WindowFigures]:
    """Rates per 部会 (an office in several 部会 counts in each), in three queries."""
    offices_of = subcommittee_office_ids()
    items = office_months(first=first, last=last)
    return {
        subcommittee_id: window_figures(
            (item for item in items if item.office_id in offices), first=first, last=last
        )
        for subcommittee_id, offices in offices_of.items()
    }


def report_for(*, office_id: int, month: date) -> StaffingReport | None:
    return (
        StaffingReport.objects.filter(office_id=office_id, month=month)
        .prefetch_related("rows")
        .first()
    )


# --- the officers' dashboard -------------------------------------------------------------


def _tokyo_midnight(day: date) -> datetime:
    """Midnight (Asia/Tokyo) at the start of `day`: times before it fall on earlier days."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class MonthCompleteness:
    """Filing completeness of one month: approved offices expected, submitted, on time."""

    month: date
    deadline: date
    closed: bool  # the deadline is over
    expected: int
    filed: int
    on_time: int

    @property
    def late(self) -> int:
        return self.filed - self.on_time

    @property
    def missing(self) -> int:
        return max(self.expected - self.filed, 0)

    @property
    def percent(self) -> Decimal | None:
        return Rate(self.filed, self.expected).value


def filing_completeness(
    *, months: Sequence[date], deadline_day: int, today: date
) -> list[MonthCompleteness]:
    """Per month: approved offices (expected), their submitted filings, and how many of those
    were first submitted by the deadline. Two queries, whatever the number of months.

    On time counts a filing's first submission, so an officer's reopening and the office's
    correction afterwards do not turn an on-time filing late.
    """
    deadlines = {month: filing_deadline(month, deadline_day=deadline_day) for month in months}
    # Expected: the offices approved now (a roster import approves offices with years of
    # history, so the approval date says nothing about which months they had to file).
    expected = Office.objects.filter(status=OfficeStatus.APPROVED).count()
    first_submitted = Coalesce(
        Subquery(
            StaffingChange.objects.filter(report=OuterRef("pk"), action="submit")
            .order_by("at")
            .values("at")[:1]
        ),
        F("submitted_at"),
    )
    counts = (
        StaffingReport.objects.filter(
            status=ReportStatus.SUBMITTED,
            month__in=list(months),
            office__status=OfficeStatus.APPROVED,
        )
        .annotate(first_submitted_at=first_submitted)
        .aggregate(
            **{f"filed_{i}": Count("pk", filter=Q(month=month)) for i, month in enumerate(months)},
            **{
                f"on_time_{i}": Count(
                    "pk",
                    filter=Q(
                        month=month,
                        first_submitted_at__lt=_tokyo_midnight(
                            deadlines[month] + timedelta(days=1)
                        ),
                    ),
                )
                for i, month in enumerate(months)
            },
        )
    )
    return [
        MonthCompleteness(
            month=month,
            deadline=deadlines[month],
            closed=deadlines[month] < today,
            expected=expected,
            filed=counts[f"filed_{i}"] or 0,
            on_time=counts[f"on_time_{i}"] or 0,
        )
        for i, month in enumerate(months)
    ]


def offices_not_filed(*, month: date) -> QuerySet[Office]:
    """Approved offices with no submitted filing for `month` (a draft is not a filing)."""
    submitted = StaffingReport.objects.filter(
        office=OuterRef("pk"), month=month, status=ReportStatus.SUBMITTED
    )
    return (
        Office.objects.filter(status=OfficeStatus.APPROVED)
        .exclude(Exists(submitted))
        .select_related("corporation")
        .order_by("kana", "name", "pk")
    )


WINDOW_KEYS = ("fiscal_year", "survey_year", "rolling")


@dataclass(frozen=True)
class ScopeFigures:
    """One scope's figures (the association when `subcommittee` is None) per window key."""

    subcommittee: Subcommittee | None
    figures: dict[str, WindowFigures | None]


@dataclass(frozen=True)
class TargetProgress:
    target: KpiTarget
    value: Decimal | None
    offices: int
    status: str  # met, not_met, no_data


@dataclass(frozen=True)
class KpiOverview:
    """Everything the officers' KPI dashboard shows, read in a fixed number of queries."""

    today: date
    deadline_day: int
    last_closed_month: date
    fiscal_year: int
    survey_year: int
    # The three windows; the fiscal year to date is None before its first month closes.
    windows: dict[str, tuple[date, date] | None]
    association: ScopeFigures
    subcommittees: list[ScopeFigures]
    # The survey year for care workers and home helpers (2職種計), as the survey reports it.
    survey_year_direct_care: WindowFigures
    # metric -> the latest national figure for the survey year or earlier
    benchmarks: dict[str, NationalBenchmark]
    targets: list[TargetProgress]
    # The rolling 12 months ending at each of the last 12 closed months, oldest first.
    trend: list[WindowFigures]
    completeness: list[MonthCompleteness]


def _figures_of(
    by_office: Mapping[int, list[OfficeMonth]],
    office_ids: Collection[int] | None,
    window: tuple[date, date] | None,
) -> WindowFigures | None:
    if window is None:
        return None
    if office_ids is None:
        items: Iterable[OfficeMonth] = chain.from_iterable(by_office.values())
    else:
        items = chain.from_iterable(by_office.get(pk, ()) for pk in office_ids)
    return window_figures(items, first=window[0], last=window[1])


def kpi_overview(*, association_id: int, today: date) -> KpiOverview:
    """The dashboard's reads: completeness, rates by scope and window, benchmarks, targets,
    trend. A fixed number of queries whatever the number of offices and months."""
    deadline_day = kpi_settings(association_id=association_id).deadline_day
    last_closed = last_closed_month(today, deadline_day=deadline_day)
    fiscal_year = fiscal_year_of(today)
    fiscal_first, _fiscal_last = fiscal_year_months(fiscal_year)
    survey_year = latest_complete_survey_year(last_closed)
    windows: dict[str, tuple[date, date] | None] = {
        "fiscal_year": (fiscal_first, last_closed) if last_closed >= fiscal_first else None,
        "survey_year": survey_year_months(survey_year),
        "rolling": rolling_months(last_closed),
    }
    trend_windows = [rolling_months(add_months(last_closed, -back)) for back in range(11, -1, -1)]
    first = min(window[0] for window in [*windows.values(), *trend_windows] if window)

    by_office: dict[int, list[OfficeMonth]] = defaultdict(list)
    for item in office_months(first=first, last=last_closed):
        by_office[item.office_id].append(item)
    members = subcommittee_office_ids()
    subcommittees = list(Subcommittee.objects.order_by("pk"))

    association = ScopeFigures(
        None, {key: _figures_of(by_office, None, window) for key, window in windows.items()}
    )
    by_subcommittee = [
        ScopeFigures(
            subcommittee,
            {
                key: _figures_of(by_office, members.get(subcommittee.pk, set()), window)
                for key, window in windows.items()
            },
        )
        for subcommittee in subcommittees
    ]
    survey_first, survey_last = survey_year_months(survey_year)
    direct_care = figures(first=survey_first, last=survey_last, job_categories=DIRECT_CARE_JOBS)

    benchmarks: dict[str, NationalBenchmark] = {}
    for benchmark in NationalBenchmark.objects.filter(survey_year__lte=survey_year).order_by(
        "metric", "-survey_year"
    ):
        benchmarks.setdefault(benchmark.metric, benchmark)

    scopes: dict[int | None, ScopeFigures] = {None: association}
    scopes.update({s.subcommittee.pk: s for s in by_subcommittee if s.subcommittee})
    progress = []
    targets = KpiTarget.objects.filter(fiscal_year=fiscal_year).select_related("subcommittee")
    for target in targets.order_by("subcommittee_id", "metric", "pk"):
        scope_figures = scopes.get(target.subcommittee_id)
        to_date = scope_figures.figures["fiscal_year"] if scope_figures else None
        value = getattr(to_date, target.metric).value if to_date else None
        progress.append(
            TargetProgress(
                target=target,
                value=value,
                offices=to_date.offices if to_date else 0,
                status=target_status(value, target=target.value, at_most=target.at_most),
            )
        )
    # Association-wide targets first, then the subcommittees in their usual order.
    progress.sort(
        key=lambda p: (p.target.subcommittee_id is not None, p.target.subcommittee_id or 0)
    )

    return KpiOverview(
        today=today,
        deadline_day=deadline_day,
        last_closed_month=last_closed,
        fiscal_year=fiscal_year,
        survey_year=survey_year,
        windows=windows,
        association=association,
        subcommittees=by_subcommittee,
        survey_year_direct_care=direct_care,
        benchmarks=benchmarks,
        targets=progress,
        trend=[
            window_figures(chain.from_iterable(by_office.values()), first=window[0], last=window[1])
            for window in trend_windows
        ],
        completeness=filing_completeness(
            months=[add_months(month_start(today), -back) for back in range(6, 0, -1)],
            deadline_day=deadline_day,
            today=today,
        ),
    )


# --- charts ----------------------------------------------------------------------------------


def hires_by_channel_per_scope(
    *, first: date, last: date, scopes: Mapping[int | None, Collection[int] | None]
) -> dict[int | None, dict[str, int]]:
    """Hires by channel over the months `first`…`last` for each scope (None: every office; a
    key with office ids: those offices), from submitted filings. One query returning one row,
    whatever the number of offices or scopes."""
    from kpis.models import HIRE_CHANNELS, StaffingRow

    aggregates = {}
    for number, office_ids in enumerate(scopes.values()):
        if office_ids is not None and not office_ids:
            continue  # a 部会 without offices: nothing to add up
        condition = None if office_ids is None else Q(report__office_id__in=list(office_ids))
        for channel, _label in HIRE_CHANNELS:
            aggregates[f"s{number}_{channel}"] = Sum(channel, filter=condition)
    row = (
        StaffingRow.objects.filter(
            report__status=ReportStatus.SUBMITTED,
            report__month__gte=first,
            report__month__lte=last,
        ).aggregate(**aggregates)
        if aggregates
        else {}
    )
    return {
        key: {channel: row.get(f"s{number}_{channel}") or 0 for channel, _label in HIRE_CHANNELS}
        for number, key in enumerate(scopes)
    }
