"""The report's charts, drawn by kpis.charts from the content as the city sees it.

Pure functions of the (suppressed) content, like reports/summary.py: a suppressed figure is a
gap in a line, a bar left out with "*" in its place, a stacked bar left out with its total's
text; the PDF (reports/render.py) and the report's page show the same charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kpis.charts import Bar, ChartSvg, StackedRow, TargetLine, rate_bars, rate_chart, stacked_bars
from reports.presenter import cell_view, trend_points
from reports.summary import RATE_NAMES, TARGET_DIRECTION, published

TREND_METRICS = (("separation_rate", "離職率"), ("hire_rate", "採用率"))
PDF_WIDTH = 680


def _mapping(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def _targets(headline: Mapping[str, Any]) -> dict[tuple[str, str], tuple[Decimal, bool]]:
    """(scope key, metric) → (target, at most) for the published targets."""
    found = {}
    for item in _list(headline.get("targets")):
        item = _mapping(item)
        value = published(item.get("target"))
        if value is not None:
            found[(str(item.get("scope")), str(item.get("metric")))] = (
                value,
                bool(item.get("at_most")),
            )
    return found


def trend_charts(content: Mapping[str, Any], *, width: int = PDF_WIDTH) -> list[dict[str, Any]]:
    """The rolling 12-month rates over the last 12 and 24 months, with the association's
    targets as dotted lines."""
    targets = _targets(_mapping(content.get("headline")))
    lines = [
        TargetLine(
            key=metric,
            value=value,
            label=f"{RATE_NAMES[metric]}の目標（{value}％{TARGET_DIRECTION[at_most]}）",
        )
        for (scope, metric), (value, at_most) in targets.items()
        if scope == "association" and metric in RATE_NAMES
    ]
    trends = _mapping(content.get("trends"))
    charts = []
    for key, title in (
        ("12", "離職率・採用率の推移（直近12か月）"),
        ("24", "離職率・採用率の推移（直近24か月）"),
    ):
        chart = rate_chart(
            trend_points(trends.get(key)), TREND_METRICS, width=width, title=title, targets=lines
        )
        if chart is not None:
            charts.append({"key": f"trend-{key}", "title": title, "chart": chart})
    return charts


def rate_bar_charts(content: Mapping[str, Any], *, width: int = PDF_WIDTH) -> list[dict[str, Any]]:
    """Per rate, the association and each 部会 over the rolling 12 months against the national
    figure (2職種計) and each scope's target."""
    headline = _mapping(content.get("headline"))
    targets = _targets(headline)
    national = _mapping(headline.get("national"))
    charts = []
    for metric, name in TREND_METRICS:
        bars = []
        for scope in _list(headline.get("scopes")):
            scope = _mapping(scope)
            cell = _mapping(scope.get(metric)).get("now")
            shown = cell_view(cell, "percent")
            target = targets.get((str(scope.get("key")), metric))
            bars.append(
                Bar(
                    str(scope.get("label", "")),
                    published(cell),
                    missing_text=shown.text,
                    target=target[0] if target else None,
                )
            )
        benchmark = _mapping(national.get(metric))
        national_value = published(benchmark.get("value"))
        national_label = (
            f"全国 2職種計 {national_value}％（{benchmark.get('survey_year_label', '')}）"
            if national_value is not None
            else ""
        )
        title = f"部会別の{name}（直近12か月）"
        chart = rate_bars(
            bars,
            title=title,
            national=national_value,
            national_label=national_label,
            target_label="目標",
        )
        if chart is not None:
            charts.append({"key": f"bars-{metric}", "title": title, "chart": chart})
    return charts


def channel_chart(content: Mapping[str, Any], *, width: int = PDF_WIDTH) -> dict[str, Any] | None:
    """Hires by channel over the rolling 12 months, a stacked bar per 部会 (the recruitment
    report's table of the same figures)."""
    for section in _list(content.get("sections")):
        for table in _list(_mapping(section).get("tables")):
            table = _mapping(table)
            if table.get("key") != "hires_by_channel_rolling":
                continue
            columns = [_mapping(c) for c in _list(table.get("columns"))]
            channels = [str(c.get("label")) for c in columns if c.get("key") != "total"]
            rows = []
            for row in _list(table.get("rows")):
                row = _mapping(row)
                cells = _list(row.get("cells"))
                values: list[int | None] = []
                for cell in cells[: len(channels)]:
                    value = published(cell, "int")
                    values.append(int(value) if value is not None else None)
                total_cell = cells[len(channels)] if len(cells) > len(channels) else None
                total = cell_view(total_cell, "int")
                rows.append(StackedRow(str(row.get("label", "")), values, total.text))
            title = "部会別・経路別の採用者数（直近12か月）"
            chart: ChartSvg | None = stacked_bars(rows, channels, title=title, width=width)
            return {"key": "channels", "title": title, "chart": chart} if chart else None
    return None


def report_charts(content: Any, *, width: int = PDF_WIDTH) -> list[dict[str, Any]]:
    """Every chart of a report, in the order the PDF and the page show them."""
    content = _mapping(content)
    channels = channel_chart(content, width=width)
    return [
        *rate_bar_charts(content, width=width),
        *([channels] if channels else []),
        *trend_charts(content, width=width),
    ]
