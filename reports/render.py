"""The monthly reports' files, drawn from a content snapshot (reports/content.py).

PDF with weasyprint (A4, Noto Sans CJK JP from the system's fontconfig, embedded as subsets;
nothing is fetched: any URL the document names is refused), XLSX with openpyxl (one sheet per
table). Both are pure functions of the content and show it through reports/presenter.py, as the
figures page does: the same text for every cell, "*" for a suppressed one (with a footnote).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from reports.charts import report_charts
from reports.content import SUPPRESSION_NOTE
from reports.presenter import SUPPRESSED, CellView, present
from reports.summary import summary_sentences


def _data_only() -> Any:
    """A fetcher that reads data: URIs only (the charts, which are in the document) and
    refuses every other URL: the report fetches nothing."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=["data"], fail_on_errors=True)


def render_html(content: Mapping[str, Any], *, association_name: str) -> str:
    """The report as the HTML weasyprint lays out (also handy for a preview)."""
    view = present(content)
    with translation.override("ja"):  # the charts' words, like the report, always Japanese
        charts = report_charts(content)
    context = {
        "report": view,
        "association_name": association_name,
        "sentences": summary_sentences(content),
        "charts": charts,
    }
    return render_to_string("reports/pdf/report.html", context)


def render_pdf(content: Mapping[str, Any], *, association_name: str) -> tuple[bytes, int]:
    """The PDF and its number of pages."""
    from weasyprint import HTML

    html = render_html(content, association_name=association_name)
    document = HTML(string=html, url_fetcher=_data_only()).render()
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


def _xlsx_value(cell: CellView) -> tuple[Any, str | None]:
    """The presenter's number where there is one (so the sheet can add it up), else its text."""
    if cell.number is None:
        return cell.text, None
    if cell.format == "percent":
        return float(cell.number), PERCENT_FORMAT
    return cell.number, INTEGER_FORMAT


def render_xlsx(content: Mapping[str, Any]) -> bytes:
    """The report's tables as a workbook: a summary sheet, one sheet per table, the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    view = present(content)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    right = Alignment(horizontal="right")
    note = view.suppression_note or SUPPRESSION_NOTE.format(threshold="?")
    used: set[str] = set()

    workbook = Workbook()
    sheet = workbook.active
    if sheet is None:  # a new workbook always has one sheet
        sheet = workbook.create_sheet()
    sheet.title = _sheet_name("概要", used)
    sheet.append([f"{view.association_name} {view.title}"])
    sheet.append([view.month_label])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append(["項目", "値", "単位"])
    for column in range(1, 4):
        sheet.cell(row=4, column=column).font = bold
        sheet.cell(row=4, column=column).fill = header_fill
    any_suppressed = False
    for item in view.summary:
        value, number_format = _xlsx_value(item.cell)
        any_suppressed |= item.suppressed
        sheet.append([item.label, value, item.unit_shown])
        target = sheet.cell(row=sheet.max_row, column=2)
        if number_format:
            target.number_format = number_format
        elif item.suppressed or item.cell.empty:
            target.alignment = right
    if any_suppressed:
        sheet.append([])
        sheet.append([f"{SUPPRESSED} {note}"])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 16

    for table in view.tables:
        sheet = workbook.create_sheet(_sheet_name(table.title, used))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([table.period])
        sheet.append([])
        header = [table.row_header, *(column.label for column in table.columns)]
        sheet.append(header)
        for column in range(1, len(header) + 1):
            cell = sheet.cell(row=4, column=column)
            cell.font = bold
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        any_suppressed = False
        for row in table.rows:
            sheet.append([row.label])
            line = sheet.max_row
            if row.whole:
                sheet.cell(row=line, column=1).font = bold
            for index, shown in enumerate(row.cells):
                value, number_format = _xlsx_value(shown)
                target = sheet.cell(row=line, column=index + 2, value=value)
                if number_format:
                    target.number_format = number_format
                elif shown.numeric or shown.suppressed or shown.empty:
                    target.alignment = right
                any_suppressed |= shown.suppressed
        if table.note:
            sheet.append([])
            sheet.append([table.note])
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
    for text in view.notes:
        sheet.append([text])
    sheet.column_dimensions["A"].width = 120

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
