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
    rolling_months,
    survey_year_months,
    wareki_date,
    wareki_fiscal_year,
    wareki_month,
)
from kpis.charts import Bar, StackedRow, TargetLine, rate_bars, stacked_bars, trend_chart
from kpis.models import HIRE_CHANNELS, EmploymentType, JobCategory, KpiMetric
from kpis.rates import WindowFigures
from kpis.selectors import (
    KpiOverview,
    ScopeFigures,
    hires_by_channel_per_scope,
    kpi_overview,
    offices_not_filed,
)

METRICS = ("hire_rate", "separation_rate", "early_separation_share")
# The charts' width in SVG units: narrow enough that their 12-unit labels stay readable when a
# phone scales the chart to its width (about 9 px at 390 px), not too big beside the table.
CHART_WIDTH = 520


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


def _percent_text(value: Any) -> str:
    return "—" if value is None else f"{value}%"


def _target_text(target: Any) -> str:
    return f"{'≤' if target.at_most else '≥'} {target.value}%"


def _trend_targets(overview: KpiOverview) -> list[TargetLine]:
    """The association-wide targets of the fiscal year for the two charted rates."""
    return [
        TargetLine(
            key=item.target.metric,
            value=item.target.value,
            label=_("Target for %(metric)s: %(target)s")
            % {"metric": KpiMetric(item.target.metric).label, "target": _target_text(item.target)},
        )
        for item in overview.targets
        if item.target.subcommittee_id is None
        and item.target.metric in ("separation_rate", "hire_rate")
    ]


def _rate_charts(overview: KpiOverview) -> list[dict[str, Any]]:
    """Per rate: the rolling 12 months of the association and each 部会 as bars, the national
    figure across them, each scope's target on its row; the table of the same figures."""
    charts = []
    scopes = [overview.association, *overview.subcommittees]
    for metric in ("separation_rate", "hire_rate"):
        label = KpiMetric(metric).label
        targets = {
            item.target.subcommittee_id: item.target
            for item in overview.targets
            if item.target.metric == metric
        }
        national = overview.benchmarks.get(metric)
        rows = []
        bars = []
        for scope in scopes:
            figures = scope.figures["rolling"]
            value = getattr(figures, metric).value if figures else None
            key = scope.subcommittee.pk if scope.subcommittee else None
            target = targets.get(key)
            bars.append(Bar(_scope_name(scope), value, target=target.value if target else None))
            rows.append(
                [
                    _scope_name(scope),
                    _percent_text(value),
                    _target_text(target) if target else "—",
                    f"{figures.offices:,}" if figures else "—",
                ]
            )
        national_label = (
            _("National (2職種計, survey year %(year)s): %(value)s")
            % {
                "year": wareki_fiscal_year(national.survey_year),
                "value": _percent_text(national.value),
            }
            if national
            else ""
        )
        title = _("%(metric)s by subcommittee, rolling 12 months") % {"metric": label}
        charts.append(
            {
                "key": f"bars-{metric}",
                "chart": rate_bars(
                    bars,
                    width=CHART_WIDTH,
                    title=title,
                    national=national.value if national else None,
                    national_label=national_label,
                    target_label=_("Target"),
                ),
                "title": title,
                "note": national_label,
                "header": [_("Scope"), label, _("Target"), _("Offices covered")],
                "rows": rows,
            }
        )
    return charts


def _channel_chart(overview: KpiOverview) -> dict[str, Any]:
    """Hires by channel over the rolling 12 months, a stacked bar per scope."""
    window = overview.windows["rolling"]
    names: dict[int | None, str] = {None: _("Whole association")}
    for scope in overview.subcommittees:
        if scope.subcommittee:
            names[scope.subcommittee.pk] = scope.subcommittee.name
    first, last = window or rolling_months(overview.last_closed_month)
    sums = hires_by_channel_per_scope(
        first=first, last=last, subcommittee_ids=[key for key in names if key is not None]
    )
    channels = [str(label) for _field, label in HIRE_CHANNELS]
    rows = []
    stacked = []
    for key, by_channel in sums.items():
        values = [by_channel[field] for field, _label in HIRE_CHANNELS]
        total = sum(values)
        stacked.append(StackedRow(str(names[key]), values, f"{total:,}"))
        rows.append([str(names[key]), *(f"{v:,}" for v in values), f"{total:,}"])
    title = _("Hires by channel, rolling 12 months")
    return {
        "key": "channels",
        "chart": stacked_bars(stacked, channels, title=title, width=CHART_WIDTH),
        "title": title,
        "note": _period((first, last)),
        "header": [_("Scope"), *channels, _("Total")],
        "rows": rows,
    }


NOT_FILED_SHOWN = 50


@requires("kpis.view_all")
def dashboard(request: AssociationRequest) -> HttpResponse:
    overview = kpi_overview(
        association_id=request.association.pk,
        today=timezone.localdate(),
    )
    survey_first, survey_last = survey_year_months(overview.survey_year)
    # Bounded: the first NOT_FILED_SHOWN by kana and the count, whatever the number of offices.
    not_filed = offices_not_filed(month=overview.last_closed_month)
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
        "not_filed": list(not_filed[:NOT_FILED_SHOWN]),
        "not_filed_count": not_filed.order_by().count(),
        "rate_tables": [*_rate_tables(overview), _job_table(overview)],
        "benchmarks": _benchmark_rows(overview),
        "targets": overview.targets,
        "chart": trend_chart(overview.trend, targets=_trend_targets(overview), width=CHART_WIDTH),
        "rate_charts": _rate_charts(overview),
        "channel_chart": _channel_chart(overview),
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
