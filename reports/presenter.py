"""How a report's snapshot (reports/content.py) reads: one presenter for the page, PDF and XLSX.

`present(data)` turns the stored figures into views with the text of every cell: one mark for a
cell without a value (`EMPTY`), one for a suppressed cell (`SUPPRESSED`), integers with thousands
separators, percentages with one decimal, 和暦 from core.calendar. The figures page
(templates/reports/pages/figures.html), the PDF (templates/reports/pdf/) and the XLSX writer
(reports/render.py) show these texts and nothing they format themselves.

Defensive on purpose: a revision stored by an older or newer schema, or with no figures at all,
presents what it can and leaves the rest empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from core.calendar import wareki_month

EMPTY = "—"  # no value: no office to count, nothing to divide by
SUPPRESSED = "*"  # built from fewer offices than the association's threshold
NUMERIC_FORMATS = ("int", "percent")
TREND_METRICS = ("separation_rate", "hire_rate")
_TENTH = Decimal("0.1")

TrendPoints = list[tuple[date, dict[str, Decimal | None]]]


@dataclass(frozen=True)
class CellView:
    """One figure as shown. `number` is the value a spreadsheet stores (int or Decimal) for
    int and percent cells that have one; None otherwise."""

    text: str
    format: str = ""
    number: int | Decimal | None = None
    suppressed: bool = False
    empty: bool = False

    @property
    def numeric(self) -> bool:
        return self.format in NUMERIC_FORMATS


@dataclass(frozen=True)
class ColumnView:
    key: str
    label: str
    format: str

    @property
    def numeric(self) -> bool:
        return self.format in NUMERIC_FORMATS


@dataclass(frozen=True)
class RowView:
    label: str
    cells: list[CellView]
    whole: bool = False


@dataclass(frozen=True)
class TableView:
    key: str
    title: str
    period: str
    row_header: str
    columns: list[ColumnView]
    rows: list[RowView]
    note: str = ""
    anchor: str = ""


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    tables: list[TableView]
    anchor: str = ""


@dataclass(frozen=True)
class SummaryItem:
    key: str
    label: str
    unit: str
    cell: CellView

    @property
    def text(self) -> str:
        return self.cell.text

    @property
    def suppressed(self) -> bool:
        return self.cell.suppressed

    @property
    def unit_shown(self) -> str:
        """The unit, when there is a value to put it after."""
        return "" if self.cell.suppressed or self.cell.empty else self.unit


@dataclass(frozen=True)
class ReportView:
    title: str = ""
    association_name: str = ""
    month_label: str = ""
    rolling_label: str = ""
    fiscal_year_label: str = ""
    summary: list[SummaryItem] = field(default_factory=list)
    sections: list[SectionView] = field(default_factory=list)
    trend_12: TrendPoints = field(default_factory=list)
    trend_24: TrendPoints = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    suppression_note: str = ""
    suppressed_cells: int = 0

    @property
    def tables(self) -> list[TableView]:
        """Every table, in report order."""
        return [table for section in self.sections for table in section.tables]


# --- numbers ------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _tenths(number: Decimal) -> Decimal:
    return number.quantize(_TENTH, rounding=ROUND_HALF_UP)


def format_number(number: Decimal, fmt: str) -> str:
    """Percent: one decimal ("12.3"); anything else: a whole number with thousands separators
    ("1,234"), or one decimal when it is not whole."""
    if fmt == "percent":
        return f"{_tenths(number):f}"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{_tenths(number):,f}"


def cell_view(raw: Any, fmt: str = "") -> CellView:
    """A cell is {"value": …, "offices": n} (suppressed: "value": None, "suppressed": True);
    a bare value is accepted too. A "ratio" cell shows "value / total"."""
    if isinstance(raw, dict):
        if raw.get("suppressed"):
            return CellView(text=SUPPRESSED, format=fmt, suppressed=True)
        value = raw.get("value")
    else:
        value = raw
    if value is None or value == "":
        return CellView(text=EMPTY, format=fmt, empty=True)
    number = _decimal(value)
    if number is None or fmt == "text":
        return CellView(text=str(value), format=fmt)
    text = format_number(number, fmt)
    if fmt == "ratio" and isinstance(raw, dict) and raw.get("total") is not None:
        total = _decimal(raw.get("total"))
        text = f"{text} / {format_number(total, 'int') if total is not None else raw['total']}"
    stored: int | Decimal | None = None
    if fmt == "int" and number == number.to_integral_value():
        stored = int(number)
    elif fmt == "percent":
        stored = _tenths(number)
    return CellView(text=text, format=fmt, number=stored)


# --- the snapshot -------------------------------------------------------------------------


def _dicts(raw: Any) -> list[dict[str, Any]]:
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []


def _mapping(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def _text(raw: Any) -> str:
    return "" if raw is None else str(raw)


def table_view(raw: dict[str, Any], anchor: str = "") -> TableView:
    columns = [
        ColumnView(
            key=_text(column.get("key")),
            label=_text(column.get("label") or column.get("key")),
            format=_text(column.get("format")),
        )
        for column in _dicts(raw.get("columns"))
    ]
    rows = []
    for row in _dicts(raw.get("rows")):
        cells: list[Any] = row["cells"] if isinstance(row.get("cells"), list) else []
        rows.append(
            RowView(
                label=_text(row.get("label")),
                cells=[
                    cell_view(cell, columns[index].format if index < len(columns) else "")
                    for index, cell in enumerate(cells)
                ],
                whole=bool(row.get("whole")),
            )
        )
    return TableView(
        key=_text(raw.get("key")),
        title=_text(raw.get("title")),
        period=_text(raw.get("period")),
        row_header=_text(raw.get("row_header")),
        columns=columns,
        rows=rows,
        note=_text(raw.get("note")),
        anchor=anchor,
    )


def trend_points(raw: Any) -> TrendPoints:
    """(month, {metric: percent or None}) for a chart; suppressed or missing values are None
    (a gap in the line), points without a valid month are left out."""
    points: TrendPoints = []
    for point in _dicts(raw):
        try:
            month = date.fromisoformat(str(point.get("month")))
        except ValueError:
            continue
        values: dict[str, Decimal | None] = {}
        for key in TREND_METRICS:
            cell = point.get(key)
            values[key] = (
                None
                if not isinstance(cell, dict) or cell.get("suppressed")
                else _decimal(cell.get("value"))
            )
        points.append((month, values))
    return points


def _month_label(raw: Any) -> str:
    try:
        return wareki_month(date.fromisoformat(str(raw)))
    except ValueError:
        return ""


def present(data: Any) -> ReportView:
    """The view of a snapshot (suppressed or not: that is decided before)."""
    if not isinstance(data, dict):
        return ReportView()
    association = data.get("association")
    trends = _mapping(data.get("trends"))
    suppression = _mapping(data.get("suppression"))
    notes = data.get("notes")
    notes = notes if isinstance(notes, list) else []
    sections = []
    for number, section in enumerate(_dicts(data.get("sections")), start=1):
        sections.append(
            SectionView(
                key=_text(section.get("key")),
                title=_text(section.get("title")),
                anchor=f"section-{number}",
                tables=[
                    table_view(table, f"section-{number}-{index}")
                    for index, table in enumerate(_dicts(section.get("tables")), start=1)
                ],
            )
        )
    cells = suppression.get("cells")
    return ReportView(
        title=_text(data.get("title")),
        association_name=_text(association.get("name")) if isinstance(association, dict) else "",
        month_label=_month_label(data.get("month")),
        rolling_label=_text(data.get("rolling_label")),
        fiscal_year_label=_text(data.get("fiscal_year_label")),
        summary=[
            SummaryItem(
                key=_text(item.get("key")),
                label=_text(item.get("label") or item.get("key")),
                unit=_text(item.get("unit")),
                cell=cell_view(item, _text(item.get("format"))),
            )
            for item in _dicts(data.get("summary"))
        ],
        sections=sections,
        trend_12=trend_points(trends.get("12")),
        trend_24=trend_points(trends.get("24")),
        notes=[_text(note) for note in notes],
        suppression_note=_text(suppression.get("note")),
        suppressed_cells=cells if isinstance(cells, int) else 0,
    )
