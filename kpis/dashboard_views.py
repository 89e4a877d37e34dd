"""The officers' KPI dashboard: filing completeness, rates by window and 部会, benchmarks,
targets and a trend chart drawn as inline SVG on the server (no JavaScript)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from association.http import AssociationRequest
from association.permissions import requires
from core.calendar import (
    survey_year_months,
    wareki_date,
    wareki_fiscal_year,
    wareki_month,
)
from kpis.charts import trend_chart
from kpis.models import EmploymentType, JobCategory, KpiMetric
from kpis.rates import WindowFigures
from kpis.selectors import KpiOverview, ScopeFigures, kpi_overview, offices_not_filed

METRICS = ("hire_rate", "separation_rate", "early_separation_share")


def _period(window: tuple[date, date] | None) -> str:
    if window is None:
        return ""
    return f"{wareki_month(window[0])} – {wareki_month(window[1])}"


def _cell(figures: WindowFigures | None) -> dict[str, Any]:
    """One scope in one window: the three rates (None shows as a dash) and the coverage."""
    if figures is None:
        return {"rates": [None] * len(METRICS), "offices": None, "not_covered": None}
    return {
        "rates": [getattr(figures, metric).value for metric in METRICS],
        "offices": figures.offices,
        "not_covered": figures.offices_not_covered,
    }


def _scope_name(scope: ScopeFigures) -> str:
    return scope.subcommittee.name if scope.subcommittee else _("Whole association")


def _rate_tables(overview: KpiOverview) -> list[dict[str, Any]]:
    titles = {
        "fiscal_year": _("Fiscal year %(year)s to date")
        % {"year": wareki_fiscal_year(overview.fiscal_year)},
        "survey_year": _("Survey year %(year)s (October–September)")
        % {"year": wareki_fiscal_year(overview.survey_year)},
        "rolling": _("Rolling 12 months"),
    }
    tables = []
    for key, window in overview.windows.items():
        scopes = [overview.association, *overview.subcommittees]
        tables.append(
            {
                "key": key,
                "title": titles[key],
                "period": _period(window),
                "empty": window is None,
                "rows": [
                    {"name": _scope_name(scope), "whole": scope.subcommittee is None}
                    | _cell(scope.figures[key])
                    for scope in scopes
                ],
            }
        )
    return tables


def _job_table(overview: KpiOverview) -> dict[str, Any]:
    """The survey year by job category and by employment type (read with the overview)."""
    first, last = survey_year_months(overview.survey_year)
    rows = [
        {"name": label, "whole": False} | _cell(overview.survey_year_by_job[job])
        for job, label in JobCategory.choices
    ] + [
        {"name": label, "whole": False} | _cell(overview.survey_year_by_employment[employment])
        for employment, label in EmploymentType.choices
    ]
    return {
        "key": "by_job",
        "title": _("Survey year %(year)s by job category and employment type")
        % {"year": wareki_fiscal_year(overview.survey_year)},
        "period": _period((first, last)),
        "empty": False,
        "rows": rows,
    }


def _benchmark_rows(overview: KpiOverview) -> list[dict[str, Any]]:
    survey = overview.association.figures["survey_year"]
    rows = []
    for metric in ("hire_rate", "separation_rate"):
        benchmark = overview.benchmarks.get(metric)
        rows.append(
            {
                "metric": KpiMetric(metric).label,
                "association": getattr(survey, metric).value if survey else None,
                "direct_care": getattr(overview.survey_year_direct_care, metric).value,
                "national": benchmark.value if benchmark else None,
                "national_year": wareki_fiscal_year(benchmark.survey_year) if benchmark else "",
                "same_year": bool(benchmark and benchmark.survey_year == overview.survey_year),
            }
        )
    return rows


@requires("kpis.view_all")
def dashboard(request: AssociationRequest) -> HttpResponse:
    overview = kpi_overview(
        association_id=request.association.pk,
        today=timezone.localdate(),
    )
    survey_first, survey_last = survey_year_months(overview.survey_year)
    context = {
        "overview": overview,
        "today_label": wareki_date(overview.today),
        "fiscal_year_label": wareki_fiscal_year(overview.fiscal_year),
        "survey_year_label": wareki_fiscal_year(overview.survey_year),
        "survey_period": _period((survey_first, survey_last)),
        "last_closed_label": wareki_month(overview.last_closed_month),
        "metric_labels": [KpiMetric(metric).label for metric in METRICS],
        "completeness": [
            {
                "row": row,
                "month": wareki_month(row.month),
                "deadline": wareki_date(row.deadline),
            }
            for row in overview.completeness
        ],
        "not_filed": list(offices_not_filed(month=overview.last_closed_month)),
        "rate_tables": [*_rate_tables(overview), _job_table(overview)],
        "benchmarks": _benchmark_rows(overview),
        "targets": overview.targets,
        "chart": trend_chart(overview.trend),
        "trend_rows": [
            {
                "month": wareki_month(figures.last),
                "separation_rate": figures.separation_rate.value,
                "hire_rate": figures.hire_rate.value,
                "offices": figures.offices,
            }
            for figures in overview.trend
        ],
        "trend_period": _period((overview.trend[0].last, overview.trend[-1].last)),
    }
    return render(request, "kpis/dashboard/index.html", context)
