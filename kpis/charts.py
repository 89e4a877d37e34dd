"""Line charts of rolling 12-month rates drawn as SVG coordinates on the server.

Shared by the officers' dashboard (kpis/dashboard_views.py) and the monthly reports' PDF
(reports/render.py); the templates draw the SVG from these coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.calendar import wareki_month, wareki_year
from kpis.rates import WindowFigures


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


def rate_chart(
    points: Sequence[tuple[date, Mapping[str, Decimal | None]]],
    metrics: Sequence[tuple[str, str]],
    *,
    width: int = 720,
    height: int = 300,
) -> Chart:
    """Coordinates for rates month by month: `points` are (month, {metric key: percent})."""
    left, right, top, bottom = 56, width - 16, 16, height - 64
    every = [values.get(key) for _month, values in points for key, _name in metrics]
    present = [value for value in every if value is not None]
    y_max, step = _nice_ceiling(max(present) if present else Decimal(0))
    x_step = (right - left) / max(len(points) - 1, 1)
    # Label every month up to 12 points, every other month beyond (the 24-month chart).
    label_every = 1 if len(points) <= 12 else 2

    def x(index: int) -> float:
        return round(left + index * x_step, 1)

    def y(value: Decimal) -> float:
        return round(bottom - float(value) / y_max * (bottom - top), 1)

    series = []
    for key, name in metrics:
        line = Series(key=key, name=name)
        current: list[str] = []
        for index, (month, values) in enumerate(points):
            value = values.get(key)
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
                    "label": f"{wareki_month(month)} {name} {value}%",
                }
            )
        if current:
            line.segments.append(" ".join(current))
        series.append(line)

    x_ticks = []
    last_index = len(points) - 1
    for index, (month, _values) in enumerate(points):
        # The year under January, and under the first month when January is not too close.
        show_year = month.month == 1 or (index == 0 and month.month <= 11)
        labelled = (last_index - index) % label_every == 0 or month.month == 1
        x_ticks.append(
            {
                "x": x(index),
                "label": f"{month.month}月" if labelled else "",
                "year": wareki_year(month) if show_year else "",
            }
        )
    y_ticks = [{"y": y(Decimal(v)), "label": f"{v}%"} for v in range(0, y_max + 1, step)]
    return Chart(width, height, left, right, top, bottom, y_ticks, x_ticks, series)


def trend_chart(trend: list[WindowFigures], *, width: int = 720, height: int = 300) -> Chart:
    """Coordinates for the rolling 12-month separation and hiring rates, month by month."""
    metrics = (("separation_rate", _("Separation rate")), ("hire_rate", _("Hiring rate")))
    points = [
        (figures.last, {key: getattr(figures, key).value for key, _name in metrics})
        for figures in trend
    ]
    return rate_chart(points, metrics, width=width, height=height)
