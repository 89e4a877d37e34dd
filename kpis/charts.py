"""Charts as SVG, laid out on the server: one drawing for the officers' pages and the PDF.

Why hand-written and not pygal or matplotlib (both kept, both on PyPI in 2026): pygal sizes
text by counting characters, so Japanese labels (twice as wide as digits) overlap, and it
writes an inline ``<style>`` and a ``<script>`` that the pages' Content-Security-Policy
(``style-src 'self'``, ``script-src 'self'``) refuses; matplotlib's SVG backend draws text as
paths by default (nothing to select, copy or read aloud), with ``svg.fonttype = none`` it
measures with its own font files, and it brings numpy and Pillow for three charts. Here the
layout measures each label with the widths of Noto Sans CJK JP (full-width characters 1 em,
digits about 0.55 em, see `text_width`) and places axis labels, year labels and legend
entries so that no two text boxes overlap (tests/kpis/test_chart_layout.py measures them in
Chromium with getBBox()). Colours and fonts are SVG presentation attributes, never inline
styles, so the same markup renders in a page under the CSP and in weasyprint.

Every chart carries a ``<title>`` and a ``<desc>`` (its text alternative); the pages and the
PDF put the table of the same figures beside it.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.calendar import wareki_month, wareki_year
from kpis.rates import WindowFigures

FONT_FAMILY = "Noto Sans CJK JP, Noto Sans JP, sans-serif"
FONT_SIZE = 12
SMALL_SIZE = 11
TEXT = "#1a1a1a"
MUTED = "#555555"
GRID = "#d0d0d0"
AXIS = "#444444"
SERIES_COLOURS = {"separation_rate": "#0b5394", "hire_rate": "#a34700"}
NATIONAL_COLOUR = "#555555"
TARGET_COLOUR = "#b00020"
# Dark enough against white (≥ 3:1 for graphics) and apart from each other.
STACK_COLOURS = ("#0b5394", "#a34700", "#2e7d32", "#6a3d9a", "#00838f", "#757575")
GAP = 8  # the least room between two labels


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The advance of `text` in Noto Sans CJK JP, a little generous: full-width characters
    (kana, kanji, full-width punctuation) are 1 em, proportional Latin glyphs less."""
    em = 0.0
    for char in text:
        code = ord(char)
        if code >= 0x2E80 or 0x3000 <= code <= 0x30FF:
            em += 1.0
        elif char in ".,:;'|!il":
            em += 0.3
        elif char in " ()[]-":
            em += 0.38
        elif char == "%":
            em += 0.9
        elif char.isdigit():
            em += 0.58
        elif char in "–—≤≥":
            em += 1.0
        else:
            em += 0.66
    return em * size


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _percent(value: Decimal | float) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.1'))}%"


def _nice_ceiling(value: float, ticks: int = 5) -> tuple[float, float]:
    """An axis maximum ≥ `value` and a round step giving about `ticks` intervals."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return math.ceil(value / step - 1e-9) * step, step


@dataclass
class _Svg:
    """Markup collected piece by piece; text is escaped as it goes in."""

    parts: list[str] = field(default_factory=list)

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        anchor: str = "start",
        size: float = FONT_SIZE,
        fill: str = TEXT,
        weight: str = "",
        css: str = "",
    ) -> None:
        extra = f' font-weight="{weight}"' if weight else ""
        extra += f' class="{css}"' if css else ""
        self.add(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{extra}>{escape(content)}</text>'
        )


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    shape: str = "line"  # line, dashed, square, circle, target, national
    dash: str = ""


@dataclass(frozen=True)
class ChartSvg:
    """One chart: its SVG markup (safe to put in a page or the PDF), size and text."""

    svg: SafeString
    width: int
    height: int
    title: str
    description: str

    def __str__(self) -> str:
        return self.svg

    @property
    def data_uri(self) -> str:
        """The SVG as a data: URI, for an <img> (weasyprint parses an image once, where inline
        SVG is parsed again at each of its layout passes)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()

    def __html__(self) -> str:
        return self.svg


def _legend_rows(items: Sequence[LegendItem], width: float) -> list[list[tuple[float, LegendItem]]]:
    """Legend entries placed left to right, wrapping before one would run past `width`."""
    rows: list[list[tuple[float, LegendItem]]] = [[]]
    x = 0.0
    for item in items:
        item_width = 30 + text_width(item.label, SMALL_SIZE)
        if rows[-1] and x + item_width > width:
            rows.append([])
            x = 0.0
        rows[-1].append((x, item))
        x += item_width + 16
    return rows if rows[0] else []


def _draw_legend(
    svg: _Svg, rows: list[list[tuple[float, LegendItem]]], left: float, top: float
) -> None:
    for number, row in enumerate(rows):
        y = top + number * 18 + 9
        for x, item in row:
            x0 = left + x
            if item.shape == "square":
                svg.add(
                    f'<rect x="{x0 + 6:.1f}" y="{y - 6:.1f}" width="12" height="12" '
                    f'fill="{item.colour}"/>'
                )
            else:
                dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
                svg.add(
                    f'<line x1="{x0:.1f}" x2="{x0 + 24:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{item.colour}" stroke-width="2.5"{dash}/>'
                )
                if item.shape == "circle":
                    svg.add(f'<circle cx="{x0 + 12:.1f}" cy="{y:.1f}" r="4" fill="{item.colour}"/>')
                elif item.shape == "marker":
                    svg.add(
                        f'<rect x="{x0 + 8:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                        f'fill="{item.colour}"/>'
                    )
            svg.text(x0 + 30, y + 4, item.label, size=SMALL_SIZE)


def _finish(svg: _Svg, width: float, height: float, title: str, description: str) -> ChartSvg:
    w, h = math.ceil(width), math.ceil(height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" '
        f'height="{h}" role="img" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" '
        f'class="chart-svg"><title>{escape(title)}</title><desc>{escape(description)}</desc>'
    )
    return ChartSvg(
        svg=mark_safe(head + "".join(svg.parts) + "</svg>"),  # noqa: S308 - escaped above
        width=w,
        height=h,
        title=title,
        description=description,
    )


# --- months along an axis ---------------------------------------------------------------------


def _month_axis(
    svg: _Svg, months: Sequence[date], xs: Sequence[float], *, baseline: float, right: float
) -> float:
    """Month labels under `baseline`, thinned so they never touch, and one year label
    (和暦 with the western year) per calendar year, left out where it would touch its
    neighbour. Returns the y below the labels."""
    month_y = baseline + 21
    year_y = baseline + 39
    if not months:
        return baseline
    step = (xs[-1] - xs[0]) / (len(xs) - 1) if len(xs) > 1 else right - xs[0]
    widest = max(text_width(f"{m.month}月") for m in months)
    every = next((k for k in (1, 2, 3, 4, 6, 12) if k * step >= widest + GAP), 12)
    last = len(months) - 1
    for index, month in enumerate(months):
        if (last - index) % every == 0:
            svg.text(xs[index], month_y, f"{month.month}月", anchor="middle", css="chart-month")
        if index and month.month == 1:  # where one year gives way to the next
            x = (xs[index - 1] + xs[index]) / 2
            svg.add(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{baseline:.1f}" y2="{year_y + 4:.1f}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
    # One label per year, starting where the year starts; from the latest back, a label that
    # would touch the one after it is left out (the month labels still say which month).
    starts = [i for i, m in enumerate(months) if i == 0 or m.month == 1]
    placed: list[tuple[float, float, str]] = []
    next_left = right + GAP
    for index in reversed(starts):
        label = wareki_year(months[index])
        label_width = text_width(label, SMALL_SIZE)
        x = xs[index] - (step / 2 if index else 0)
        x = max(min(x, right - label_width), 0)
        if x + label_width + GAP <= next_left:
            placed.append((x, label_width, label))
            next_left = x
    for x, _w, label in placed:
        svg.text(x, year_y, label, size=SMALL_SIZE, fill=MUTED, css="chart-year")
    return year_y + 8


# --- line chart: rates month by month -----------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    """A horizontal line at a target for one series (`key`), named in the legend."""

    key: str
    value: Decimal
    label: str


def _trim_leading(
    points: Sequence[tuple[date, Mapping[str, Decimal | None]]], keys: Sequence[str]
) -> list[tuple[date, Mapping[str, Decimal | None]]]:
    """The points from the first month that has a value: no empty leading months."""
    for index, (_month, values) in enumerate(points):
        if any(values.get(key) is not None for key in keys):
            return list(points[index:])
    return []


def rate_chart(
    points: Sequence[tuple[date, Mapping[str, Decimal | None]]],
    metrics: Sequence[tuple[str, str]],
    *,
    width: int = 720,
    title: str = "",
    targets: Sequence[TargetLine] = (),
    plot_height: int = 190,
) -> ChartSvg | None:
    """Rates month by month as lines (a gap where a month has no value), with target lines.

    `points` are (month, {metric key: percent}); leading months without any value are left
    out. None when fewer than two months remain (nothing to draw a line through).
    """
    keys = [key for key, _name in metrics]
    points = _trim_leading(points, keys)
    if len(points) < 2:
        return None
    names = dict(metrics)
    title = title or _("Rolling 12-month separation and hiring rates")
    values = [float(v) for _m, vals in points for k in keys if (v := vals.get(k)) is not None]
    values += [float(t.value) for t in targets]
    y_max, step = _nice_ceiling(max(values), 5)
    tick_values = [step * i for i in range(round(y_max / step) + 1)]
    left = max(text_width(f"{_number(v)}%") for v in tick_values) + 12
    right = width - 12
    top = 10.0
    bottom = top + plot_height
    xs = [left + 6 + i * (right - left - 12) / (len(points) - 1) for i in range(len(points))]

    def y(value: float) -> float:
        return bottom - value / y_max * (bottom - top)

    svg = _Svg()
    for value in tick_values:
        svg.add(
            f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        svg.text(left - 6, y(value) + 4, f"{_number(value)}%", anchor="end", css="chart-tick")
    svg.add(
        f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{bottom:.1f}" y2="{bottom:.1f}" '
        f'stroke="{AXIS}" stroke-width="1.5"/>'
    )
    legend: list[LegendItem] = []
    for target in targets:
        colour = SERIES_COLOURS.get(target.key, TARGET_COLOUR)
        svg.add(
            f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y(float(target.value)):.1f}" '
            f'y2="{y(float(target.value)):.1f}" stroke="{colour}" stroke-width="1.5" '
            f'stroke-dasharray="2 3" class="chart-target"/>'
        )
    for key in keys:
        colour = SERIES_COLOURS.get(key, TEXT)
        dash = "7 4" if key == "hire_rate" else ""
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segments: list[list[str]] = [[]]
        markers = []
        for index, (month, vals) in enumerate(points):
            point = vals.get(key)
            if point is None:
                segments.append([])
                continue
            px, py = xs[index], y(float(point))
            segments[-1].append(f"{px:.1f},{py:.1f}")
            tip = escape(f"{wareki_month(month)} {names[key]} {_percent(point)}")
            if key == "hire_rate":
                markers.append(
                    f'<rect x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" '
                    f'fill="{colour}"><title>{tip}</title></rect>'
                )
            else:
                markers.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}">'
                    f"<title>{tip}</title></circle>"
                )
        svg.add(f'<g class="chart-series chart-series-{key}">')
        for segment in segments:
            if len(segment) > 1:
                svg.add(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dash_attr}/>'
                )
        svg.add("".join(markers) + "</g>")
        legend.append(
            LegendItem(names[key], colour, "marker" if key == "hire_rate" else "circle", dash)
        )
    legend += [
        LegendItem(t.label, SERIES_COLOURS.get(t.key, TARGET_COLOUR), "line", "2 3")
        for t in targets
    ]
    below = _month_axis(svg, [m for m, _v in points], xs, baseline=bottom, right=right)
    rows = _legend_rows(legend, width - left)
    _draw_legend(svg, rows, left, below + 4)
    height = below + 4 + len(rows) * 18 + 6
    return _finish(svg, width, height, title, _line_description(points, metrics, targets))


def _line_description(
    points: Sequence[tuple[date, Mapping[str, Decimal | None]]],
    metrics: Sequence[tuple[str, str]],
    targets: Sequence[TargetLine],
) -> str:
    """The chart in words: each series from its first to its latest value, and the targets."""
    parts = [
        _("%(first)s to %(last)s.")
        % {"first": wareki_month(points[0][0]), "last": wareki_month(points[-1][0])}
    ]
    for key, name in metrics:
        known = [(m, v[key]) for m, v in points if v.get(key) is not None]
        if not known:
            continue
        (first_month, first), (last_month, last) = known[0], known[-1]
        parts.append(
            _("%(name)s: %(first)s in %(first_month)s, %(last)s in %(last_month)s.")
            % {
                "name": name,
                "first": _percent(first),  # type: ignore[arg-type]
                "first_month": wareki_month(first_month),
                "last": _percent(last),  # type: ignore[arg-type]
                "last_month": wareki_month(last_month),
            }
        )
    for target in targets:
        parts.append(f"{target.label}.")
    parts.append(_("The same figures are in the tables."))
    return " ".join(parts)


def trend_chart(
    trend: list[WindowFigures], *, targets: Sequence[TargetLine] = (), width: int = 720
) -> ChartSvg | None:
    """The rolling 12-month separation and hiring rates, month by month, with the targets."""
    metrics = (("separation_rate", _("Separation rate")), ("hire_rate", _("Hiring rate")))
    points = [
        (figures.last, {key: getattr(figures, key).value for key, _name in metrics})
        for figures in trend
    ]
    return rate_chart(points, metrics, targets=targets, width=width)


# --- horizontal bars: a rate per 部会 against the national figure and the targets -------------


@dataclass(frozen=True)
class Bar:
    """One row: its label, its value (None: no value, shown by `missing_text`), the target of
    that row if any."""

    label: str
    value: Decimal | None
    missing_text: str = "—"
    target: Decimal | None = None


def _row_layout(
    labels: Sequence[str], width: int, value_labels: Sequence[str]
) -> tuple[float, float]:
    left = max(text_width(label) for label in labels) + 10
    right = width - max(text_width(v) for v in value_labels) - 10
    return left, right


def rate_bars(
    bars: Sequence[Bar],
    *,
    title: str,
    national: Decimal | None = None,
    national_label: str = "",
    target_label: str = "",
    width: int = 720,
    unit: str = "%",
) -> ChartSvg | None:
    """A bar per row (the association and each 部会) with the national figure as a line across
    all rows and each row's target as a mark on its row. None without any value."""
    if not bars or all(bar.value is None for bar in bars):
        return None
    value_texts = [
        _percent(bar.value) if bar.value is not None else bar.missing_text for bar in bars
    ]
    left, right = _row_layout([bar.label for bar in bars], width, value_texts)
    references = [float(b.value) for b in bars if b.value is not None]
    references += [float(b.target) for b in bars if b.target is not None]
    if national is not None:
        references.append(float(national))
    x_max, step = _nice_ceiling(max(references), 5)
    row_height, bar_height, top = 30.0, 18.0, 8.0
    bottom = top + row_height * len(bars)

    def x(value: float) -> float:
        return left + value / x_max * (right - left)

    svg = _Svg()
    ticks = [step * i for i in range(round(x_max / step) + 1)]
    for value in ticks:
        svg.add(
            f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
    # Tick labels thinned so they never touch.
    tick_width = max(text_width(f"{_number(v)}{unit}") for v in ticks)
    every = next((k for k in (1, 2, 3, 4, 5, 10) if k * (x(step) - x(0)) >= tick_width + GAP), 10)
    for index, value in enumerate(ticks):
        if index % every == 0:
            svg.text(x(value), bottom + 16, f"{_number(value)}{unit}", anchor="middle")
    for index, (bar, shown) in enumerate(zip(bars, value_texts, strict=True)):
        row_top = top + index * row_height
        middle = row_top + row_height / 2
        svg.text(left - 8, middle + 4, bar.label, anchor="end", css="chart-category")
        end = left
        if bar.value is not None:
            end = x(float(bar.value))
            svg.add(
                f'<rect x="{left:.1f}" y="{middle - bar_height / 2:.1f}" '
                f'width="{max(end - left, 0.5):.1f}" height="{bar_height:.1f}" '
                f'fill="{SERIES_COLOURS["separation_rate"]}"><title>{escape(bar.label)} '
                f"{escape(shown)}</title></rect>"
            )
        if bar.target is not None:
            tx = x(float(bar.target))
            svg.add(
                f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{row_top + 2:.1f}" '
                f'y2="{row_top + row_height - 2:.1f}" stroke="{TARGET_COLOUR}" '
                f'stroke-width="3" class="chart-target"/>'
            )
        # The value sits after the bar, or after the target mark when that is further right.
        after = max(end, x(float(bar.target)) if bar.target is not None else end)
        svg.text(after + 6, middle + 4, shown, css="chart-value")
    if national is not None:
        nx = x(float(national))
        svg.add(
            f'<line x1="{nx:.1f}" x2="{nx:.1f}" y1="{top - 4:.1f}" y2="{bottom + 2:.1f}" '
            f'stroke="{NATIONAL_COLOUR}" stroke-width="2" stroke-dasharray="6 3" '
            f'class="chart-national"/>'
        )
    svg.add(
        f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
        f'stroke="{AXIS}" stroke-width="1.5"/>'
    )
    legend = []
    if national is not None and national_label:
        legend.append(LegendItem(national_label, NATIONAL_COLOUR, "line", "6 3"))
    if target_label and any(bar.target is not None for bar in bars):
        legend.append(LegendItem(target_label, TARGET_COLOUR, "line"))
    rows = _legend_rows(legend, width - 10)
    legend_top = bottom + 26
    _draw_legend(svg, rows, 10, legend_top)
    height = legend_top + len(rows) * 18 + 6
    description = " ".join(
        [
            *(f"{bar.label} {shown}." for bar, shown in zip(bars, value_texts, strict=True)),
            *([f"{national_label}." if national_label else ""] if national is not None else []),
            *(
                f"{bar.label} {target_label} {_percent(bar.target)}."
                for bar in bars
                if bar.target is not None
            ),
            _("The same figures are in the tables."),
        ]
    )
    return _finish(svg, width, height, title, description)


# --- stacked bars: hires by channel ----------------------------------------------------------


@dataclass(frozen=True)
class StackedRow:
    label: str
    values: Sequence[int | None]  # one per series; None: not shown (no data or suppressed)
    total_text: str


def stacked_bars(
    rows: Sequence[StackedRow],
    series: Sequence[str],
    *,
    title: str,
    width: int = 720,
) -> ChartSvg | None:
    """A stacked bar per row (hires by channel for each 部会), the total after each bar and
    the channels in the legend. A row with a hidden part shows no bar, only its total text.
    None when no row has anything to draw."""
    drawable = [row for row in rows if all(v is not None for v in row.values)]
    if not drawable or not any(sum(v or 0 for v in row.values) for row in drawable):
        return None
    left, right = _row_layout([row.label for row in rows], width, [r.total_text for r in rows])
    x_max, step = _nice_ceiling(max(sum(v or 0 for v in row.values) for row in drawable), 5)
    row_height, bar_height, top = 30.0, 18.0, 8.0
    bottom = top + row_height * len(rows)

    def x(value: float) -> float:
        return left + value / x_max * (right - left)

    svg = _Svg()
    ticks = [step * i for i in range(round(x_max / step) + 1)]
    tick_width = max(text_width(_number(v)) for v in ticks)
    every = next((k for k in (1, 2, 3, 4, 5, 10) if k * (x(step) - x(0)) >= tick_width + GAP), 10)
    for index, value in enumerate(ticks):
        svg.add(
            f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        if index % every == 0:
            svg.text(x(value), bottom + 16, _number(value), anchor="middle")
    for index, row in enumerate(rows):
        middle = top + index * row_height + row_height / 2
        svg.text(left - 8, middle + 4, row.label, anchor="end", css="chart-category")
        end = left
        if all(v is not None for v in row.values):
            for number, (name, part) in enumerate(zip(series, row.values, strict=True)):
                if not part:
                    continue
                start, end = end, x(sum(v or 0 for v in row.values[: number + 1]))
                svg.add(
                    f'<rect x="{start:.1f}" y="{middle - bar_height / 2:.1f}" '
                    f'width="{end - start:.1f}" height="{bar_height:.1f}" '
                    f'fill="{STACK_COLOURS[number % len(STACK_COLOURS)]}" stroke="#ffffff" '
                    f'stroke-width="1"><title>{escape(row.label)} {escape(name)} '
                    f"{part}</title></rect>"
                )
        svg.text(end + 6, middle + 4, row.total_text, css="chart-value")
    svg.add(
        f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
        f'stroke="{AXIS}" stroke-width="1.5"/>'
    )
    legend = [
        LegendItem(name, STACK_COLOURS[number % len(STACK_COLOURS)], "square")
        for number, name in enumerate(series)
    ]
    legend_rows = _legend_rows(legend, width - 10)
    legend_top = bottom + 26
    _draw_legend(svg, legend_rows, 10, legend_top)
    height = legend_top + len(legend_rows) * 18 + 6
    description = " ".join(
        [
            *(
                f"{row.label}: {row.total_text}"
                + (
                    " ("
                    + ", ".join(
                        f"{name} {value}"
                        for name, value in zip(series, row.values, strict=True)
                        if value
                    )
                    + ")."
                    if all(v is not None for v in row.values)
                    else "."
                )
                for row in rows
            ),
            _("The same figures are in the tables."),
        ]
    )
    return _finish(svg, width, height, title, description)
