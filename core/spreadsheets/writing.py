"""Writing spreadsheets people open in Excel: CSV (UTF-8 with BOM) and XLSX.

Both write the columns' headers in the first row, so what an export writes an import reads
back unchanged. Text that Excel would take for a formula is made harmless; in XLSX every
text cell is text (identifiers keep their leading zeros).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Literal

from django.http import HttpResponse

from core.spreadsheets.reading import FORMULA_START

Cell = str | int
Format = Literal["csv", "xlsx"]

CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """CSV in UTF-8 with a BOM (Excel opens it as UTF-8); formula-like text made harmless."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value
            for value in row
        )
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet_title: str,
    widths: Sequence[int] = (),
) -> bytes:
    """One worksheet, header row frozen; `widths` are the columns' widths in characters."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.freeze_panes = "A2"
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.append(list(headers))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula, and identifiers keep their zeros
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def download(data: bytes, *, fmt: Format, filename: str) -> HttpResponse:
    """A response that saves `data` as `filename` (ASCII) in the browser."""
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
