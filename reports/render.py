"""The monthly reports' files, drawn from a content snapshot (reports/content.py).

PDF with weasyprint (A4, Noto Sans CJK JP from the system's fontconfig, embedded as subsets;
nothing is fetched: any URL the document names is refused), XLSX with openpyxl (one sheet per
table). Suppressed cells print as "*" with a footnote. Both are pure functions of the content.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from core.calendar import wareki_month
from kpis.charts import Chart, rate_chart
from reports.content import SUPPRESSION_NOTE, tables

SUPPRESSED = "*"
EMPTY = "—"
CHART_METRICS = (("separation_rate", "離職率"), ("hire_rate", "採用率"))


def _display(cell: Mapping[str, Any], fmt: str) -> str:
    if cell.get("suppressed"):
        return SUPPRESSED
    value = cell.get("value")
    if value is None:
        return EMPTY
    if fmt == "int" and isinstance(value, int):
        return f"{value:,}"
    if fmt == "ratio":
        return f"{value:,} / {cell.get('total', 0):,}"
    return str(value)


def _table_view(table: Mapping[str, Any], anchor: str) -> dict[str, Any]:
    formats = [column["format"] for column in table["columns"]]
    return {
        **table,
        "anchor": anchor,
        "numeric": [fmt in ("int", "percent") for fmt in formats],
        "view_rows": [
            {
                "label": row["label"],
                "whole": row.get("whole", False),
                "cells": [
                    {
                        "text": _display(cell, fmt),
                        "numeric": fmt in ("int", "percent"),
                        "suppressed": bool(cell.get("suppressed")),
                    }
                    for cell, fmt in zip(row["cells"], formats, strict=True)
                ],
            }
            for row in table["rows"]
        ],
    }


def _chart(points: list[Mapping[str, Any]]) -> Chart:
    def value(cell: Mapping[str, Any]) -> Decimal | None:
        return None if cell.get("value") is None else Decimal(str(cell["value"]))

    return rate_chart(
        [
            (
                date.fromisoformat(point["month"]),
                {key: value(point[key]) for key, _n in CHART_METRICS},
            )
            for point in points
        ],
        CHART_METRICS,
        width=680,
        height=280,
    )


def _refuse_urls(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"The report fetches nothing: {url}")


def render_html(content: Mapping[str, Any], *, association_name: str) -> str:
    """The report as the HTML weasyprint lays out (also handy for a preview)."""
    sections = []
    for number, section in enumerate(content["sections"], start=1):
        sections.append(
            {
                **section,
                "anchor": f"section-{number}",
                "views": [
                    _table_view(table, f"section-{number}-{index}")
                    for index, table in enumerate(section["tables"], start=1)
                ],
            }
        )
    suppression = content.get("suppression") or {}
    context = {
        "content": content,
        "association_name": association_name,
        "title": content["title"],
        "month_label": wareki_month(date.fromisoformat(content["month"])),
        "summary": [item | {"text": _display(item, item["format"])} for item in content["summary"]],
        "sections": sections,
        "charts": [
            {
                "title": "離職率・採用率の推移（直近12か月）",
                "chart": _chart(content["trends"]["12"]),
            },
            {
                "title": "離職率・採用率の推移（直近24か月）",
                "chart": _chart(content["trends"]["24"]),
            },
        ],
        "suppressed_cells": suppression.get("cells", 0),
        "suppression_note": suppression.get("note", ""),
        "notes": content["notes"],
    }
    return render_to_string("reports/pdf/report.html", context)


def render_pdf(content: Mapping[str, Any], *, association_name: str) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    from weasyprint import HTML

    html = render_html(content, association_name=association_name)
    document = HTML(string=html, url_fetcher=_refuse_urls).render()
    pdf = document.write_pdf()
    if pdf is None:  # write_pdf without a target returns the bytes
        raise RuntimeError("weasyprint returned no PDF")
    return pdf, len(document.pages)


# --- XLSX -----------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("・", title)[:31]
    name, number = base, 2
    while name in used:
        suffix = f"({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(name)
    return name


def _xlsx_value(cell: Mapping[str, Any], fmt: str) -> tuple[Any, str | None]:
    if cell.get("suppressed"):
        return SUPPRESSED, None
    value = cell.get("value")
    if value is None:
        return None, None
    if fmt == "int":
        return int(value), INTEGER_FORMAT
    if fmt == "percent":
        return float(Decimal(str(value))), PERCENT_FORMAT
    if fmt == "ratio":
        return f"{value} / {cell.get('total', 0)}", None
    return str(value), None


def render_xlsx(content: Mapping[str, Any]) -> bytes:
    """The report's tables as a workbook: a summary sheet, one sheet per table, the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    suppression = content.get("suppression") or {}
    note = suppression.get("note") or SUPPRESSION_NOTE.format(threshold="?")
    month_label = wareki_month(date.fromisoformat(content["month"]))
    used: set[str] = set()

    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new workbook always has one sheet
        sheet = workbook.create_sheet()
    sheet.title = _sheet_name("概要", used)
    sheet.append([f"{content['association']['name']} {content['title']}"])
    sheet.append([month_label])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(["項目", "値", "単位"])
    for column in range(1, 4):
        sheet.cell(row=4, column=column).font = bold
        sheet.cell(row=4, column=column).fill = header_fill
    any_suppressed = False
    for item in content["summary"]:
        value, number_format = _xlsx_value(item, item["format"])
        any_suppressed |= value == SUPPRESSED
        sheet.append([item["label"], value, item.get("unit", "")])
        if number_format:
            sheet.cell(row=sheet.max_row, column=2).number_format = number_format
    if any_suppressed:
        sheet.append([])
        sheet.append([f"{SUPPRESSED} {note}"])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 16

    for table in tables(content):
        sheet = workbook.create_sheet(_sheet_name(table["title"], used))
        sheet.append([table["title"]])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([table["period"]])
        sheet.append([])
        header = [table.get("row_header") or "", *(c["label"] for c in table["columns"])]
        sheet.append(header)
        for column in range(1, len(header) + 1):
            cell = sheet.cell(row=4, column=column)
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        formats = [column["format"] for column in table["columns"]]
        any_suppressed = False
        for row in table["rows"]:
            sheet.append([row["label"]])
            line = sheet.max_row
            if row.get("whole"):
                sheet.cell(row=line, column=1).font = bold
            for index, (cell, fmt) in enumerate(zip(row["cells"], formats, strict=True)):
                value, number_format = _xlsx_value(cell, fmt)
                target = sheet.cell(row=line, column=index + 2, value=value)
                if number_format:
                    target.number_format = number_format
                if value == SUPPRESSED:
                    any_suppressed = True
                    target.alignment = Alignment(horizontal="right")
        if table.get("note"):
            sheet.append([])
            sheet.append([table["note"]])
        if any_suppressed:
            sheet.append([])
            sheet.append([f"{SUPPRESSED} {note}"])
        sheet.column_dimensions["A"].width = 28
        for column in range(2, len(header) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 14
        sheet.freeze_panes = "B5"

    sheet = workbook.create_sheet(_sheet_name("集計方法", used))
    sheet.append(["集計方法"])
    sheet["A1"].font = Font(bold=True, size=12)
    for text in content["notes"]:
        sheet.append([text])
    sheet.column_dimensions["A"].width = 120

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
