"""The officers' KPI dashboard: filing completeness, rates by window and 部会, benchmarks,
targets and a trend chart drawn as inline SVG on the server (no JavaScript)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from association.permissions import requires
from kpis import selectors
from kpis.calendar import (
    survey_year_months,
    wareki_date,
    wareki_fiscal_year,
    wareki_month,
    wareki_year,
)
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
    """The survey year by job category and by employment type (one query each)."""
    first, last = survey_year_months(overview.survey_year)
    rows = [
        {"name": label, "whole": False}
        | _cell(selectors.figures(first=first, last=last, job_categories=[job]))
        for job, label in JobCategory.choices
    ] + [
        {"name": label, "whole": False}
        | _cell(selectors.figures(first=first, last=last, employment_types=[employment]))
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


# --- the trend chart ----------------------------------------------------------------------


@dataclass
class Series:
    key: str
    name: str
    segments: list[str] = field(default_factory=list)  # polyline points, split at gaps
    points: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    y_ticks: list[dict[str, Any]]
    x_ticks: list[dict[str, Any]]
    series: list[Series]

    @property
    def y_label_x(self) -> int:
        return self.left - 8

    @property
    def month_label_y(self) -> int:
        return self.bottom + 20

    @property
    def year_label_y(self) -> int:
        return self.bottom + 40

    @property
    def legend_y(self) -> int:
        return self.height - 8


def _nice_ceiling(value: Decimal) -> tuple[int, int]:
    """The axis maximum and tick step for values up to `value` percent."""
    step = 5 if value <= 40 else 10 if value <= 100 else 50
    return max(step, math.ceil(value / step) * step), step


def trend_chart(trend: list[WindowFigures], *, width: int = 720, height: int = 300) -> Chart:
    """Coordinates for the rolling 12-month separation and hiring rates, month by month."""
    left, right, top, bottom = 56, width - 16, 16, height - 64
    metrics = (("separation_rate", _("Separation rate")), ("hire_rate", _("Hiring rate")))
    values = [getattr(f, key).value for f in trend for key, _label in metrics]
    present = [v for v in values if v is not None]
    y_max, step = _nice_ceiling(max(present) if present else Decimal(0))
    x_step = (right - left) / max(len(trend) - 1, 1)

    def x(index: int) -> float:
        return round(left + index * x_step, 1)

    def y(value: Decimal) -> float:
        return round(bottom - float(value) / y_max * (bottom - top), 1)

    series = []
    for key, name in metrics:
        line = Series(key=key, name=name)
        current: list[str] = []
        for index, figures in enumerate(trend):
            value = getattr(figures, key).value
            if value is None:
                if current:
                    line.segments.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(index)},{y(value)}")
            line.points.append(
                {
                    "x": x(index),
                    "y": y(value),
                    "corner_x": round(x(index) - 4, 1),  # the square marker's corner
                    "corner_y": round(y(value) - 4, 1),
                    "label": f"{wareki_month(figures.last)} {name} {value}%",
                }
            )
        if current:
            line.segments.append(" ".join(current))
        series.append(line)

    x_ticks = []
    for index, figures in enumerate(trend):
        month = figures.last
        # The year under January, and under the first month when January is not too close.
        show_year = month.month == 1 or (index == 0 and month.month <= 11)
        x_ticks.append(
            {
                "x": x(index),
                "label": f"{month.month}月",
                "year": wareki_year(month) if show_year else "",
            }
        )
    y_ticks = [{"y": y(Decimal(v)), "label": f"{v}%"} for v in range(0, y_max + 1, step)]
    return Chart(width, height, left, right, top, bottom, y_ticks, x_ticks, series)


@requires("kpis.view_all")
def dashboard(request: HttpRequest) -> HttpResponse:
    overview = kpi_overview(
        association_id=request.association.pk,  # type: ignore[attr-defined]
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
