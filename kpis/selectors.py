"""Reads of filings and rates that pages, API, reports and tasks share (inside a scope)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Sum

from kpis.calendar import filing_deadline
from kpis.models import KpiSettings, ReportStatus, StaffingReport, StaffingRow
from kpis.rates import OfficeMonth, WindowFigures, window_figures

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
    """Submitted totals per office and month, summed over the chosen rows (one query)."""
    rows = StaffingRow.objects.filter(
        report__status=ReportStatus.SUBMITTED, report__month__gte=first, report__month__lte=last
    )
    if office_ids is not None:
        rows = rows.filter(report__office_id__in=list(office_ids))
    if job_categories is not None:
        rows = rows.filter(job_category__in=list(job_categories))
    if employment_types is not None:
        rows = rows.filter(employment_type__in=list(employment_types))
    totals = (
        rows.order_by()
        .values("report__office_id", "report__month")
        .annotate(**{name: Sum(name) for name in _SUMMED})
    )
    return [
        OfficeMonth(
            office_id=row["report__office_id"],
            month=row["report__month"],
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
    """Rates per 部会 (an office in several 部会 counts in each), in two queries."""
    from members.models import OfficeService
    from subcommittees.models import ServiceTypeMapping

    subcommittees_of_code: dict[str, set[int]] = defaultdict(set)
    for code, subcommittee_id in ServiceTypeMapping.objects.values_list(
        "service_code", "subcommittee_id"
    ):
        subcommittees_of_code[code].add(subcommittee_id)
    offices_of: dict[int, set[int]] = defaultdict(set)
    for office_id, code in OfficeService.objects.values_list("office_id", "service_code"):
        for subcommittee_id in subcommittees_of_code.get(code, ()):
            offices_of[subcommittee_id].add(office_id)
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
