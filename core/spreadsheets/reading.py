"""Reading the spreadsheets people keep: CSV (UTF-8, UTF-8 with BOM, CP932, UTF-16) and XLSX,
shared by every import (the member roster, staffing filings).

`rows_from_table(read_table(...), columns=…)` turns an upload into dicts keyed by column key,
each with `row`: its number as the spreadsheet shows it (the header is row 1). Headers are
matched loosely (`words_key`: NFKC, case and spacing ignored) against each column's header,
key and aliases. Errors are `ValidationError`s whose code starts with the caller's prefix.

The reading is bounded while it streams: at most `max_columns` cells of a line are looked at
(XLSX: openpyxl reads no further right), and reading stops with an error at the first line
past `max_rows` (blank lines count against the same bound), so a file never costs more than
its limits however it was made.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.spreadsheets.columns import words_key

# A cell starting with one of these is a formula to Excel: an export puts an apostrophe in
# front (in CSV) and an import takes it off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A 5 MB upload that unpacks to more than this is not a spreadsheet of ours (a "zip bomb").
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024

# Cells of a line looked at, left to right: our files have a few dozen columns at most, and
# people add a few of their own (notes, numbering) that the import ignores anyway.
MAX_COLUMNS = 100


class TableColumn(Protocol):
    """What `rows_from_table` needs to know of a column (e.g. core.spreadsheets.Column)."""

    @property
    def key(self) -> str: ...

    @property
    def header(self) -> str: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


# --- reading a file ------------------------------------------------------------------------


def read_table(
    *, data: bytes, filename: str, code_prefix: str, max_columns: int = MAX_COLUMNS
) -> Iterator[Sequence[object]]:
    """The rows of cells of an uploaded CSV or XLSX file (the first worksheet).

    Each row holds at most `max_columns` cells: the ones further right are never read.

    Raises ValidationError (code `<code_prefix>_xls`, `_xlsx`, `_encoding` or `_csv`) when the
    file cannot be read at all.
    """
    name = filename.lower()
    if name.endswith(".xls"):
        raise ValidationError(
            _("Old Excel files (.xls) cannot be read. Save the file as .xlsx or CSV."),
            code=f"{code_prefix}_xls",
        )
    if data.startswith(b"PK\x03\x04"):
        return xlsx_table(data, code_prefix=code_prefix, max_columns=max_columns)
    if name.endswith((".xlsx", ".xlsm")):
        raise ValidationError(_("This is not a valid XLSX file."), code=f"{code_prefix}_xlsx")
    return csv_table(data, code_prefix=code_prefix, max_columns=max_columns)


def decode_csv(data: bytes, *, code_prefix: str) -> str:
    """CSV bytes as text: UTF-16 with a BOM, UTF-8 (with or without BOM), or CP932."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    # UTF-8 first: it is strict enough that Shift_JIS text practically never passes as UTF-8.
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _(
            "The file could not be read as UTF-8 or Shift_JIS (CP932) text. "
            "Save it from Excel as “CSV UTF-8” or “CSV”, or upload the .xlsx file."
        ),
        code=f"{code_prefix}_encoding",
    )


def csv_table(
    data: bytes, *, code_prefix: str, max_columns: int = MAX_COLUMNS
) -> Iterator[Sequence[object]]:
    text = decode_csv(data, code_prefix=code_prefix)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield row[:max_columns]
    except csv.Error as error:
        raise ValidationError(
            _("The CSV file is malformed near line %(line)d."),
            code=f"{code_prefix}_csv",
            params={"line": reader.line_num},
        ) from error


def xlsx_table(
    data: bytes, *, code_prefix: str, max_columns: int = MAX_COLUMNS
) -> Iterator[Sequence[object]]:
    from openpyxl import load_workbook

    invalid = ValidationError(_("This is not a valid XLSX file."), code=f"{code_prefix}_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as error:
        raise invalid from error
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise invalid
    # openpyxl raises many kinds of errors on a damaged workbook; to the uploader all are one.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise invalid from error
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True, max_col=max_columns)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as error:
                raise invalid from error
            yield row
    finally:
        workbook.close()


def cell_text(value: object, *, zero_pad: int | None = None) -> str:
    """A cell as text: whole floats as integers, dates in ISO form, no formula apostrophe.

    `zero_pad` restores the leading zeros Excel drops from identifiers it took for numbers
    (北海道's provider numbers start with 01).
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return text.zfill(zero_pad) if zero_pad and len(text) < zero_pad else text
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_START):
        text = text[1:]
    return text


def rows_from_table(
    table: Iterable[Sequence[object]],
    *,
    columns: Sequence[TableColumn],
    required: Sequence[str],
    max_rows: int,
    code_prefix: str,
    cell: Callable[[object, str], str] | None = None,
) -> list[dict[str, Any]]:
    """Dicts of the cells under the headers the columns know, keyed by column key, plus `row`.

    Blank rows are skipped; columns the file does not have are absent from the dicts; columns
    the caller does not know (notes, numbering) are ignored. `required` column keys must be
    in the header row. `cell(value, key)` turns a cell into text (default: `cell_text`).
    Reading stops at the first line past `max_rows` lines below the header, blank or not
    (a blank line is only skipped, but it still costs reading).
    """
    to_text = cell or (lambda value, _key: cell_text(value))
    by_key = {column.key: column for column in columns}
    header_keys: Mapping[str, str] = {
        words_key(word): column.key
        for column in columns
        for word in (column.header, column.key, *column.aliases)
    }
    iterator = iter(table)
    header = next(iterator, None)
    if header is None or not any(to_text(cell_value, "") for cell_value in header):
        raise ValidationError(
            _("The first row must hold the column headers, and it is empty."),
            code=f"{code_prefix}_empty",
        )
    positions: dict[int, str] = {}
    for position, cell_value in enumerate(header):
        key = header_keys.get(words_key(str(cell_value))) if cell_value is not None else None
        if key is None:
            continue
        if key in positions.values():
            raise ValidationError(
                _("Two columns of the file are both read as “%(column)s”; keep one."),
                code=f"{code_prefix}_duplicate_column",
                params={"column": by_key[key].header},
            )
        positions[position] = key
    for key in required:
        if key not in positions.values():
            raise ValidationError(
                _(
                    "The file has no “%(column)s” column. The first row must hold the column "
                    "headers, for example: %(headers)s."
                ),
                code=f"{code_prefix}_no_{key}",
                params={
                    "column": by_key[key].header,
                    "headers": "、".join(column.header for column in columns),
                },
            )

    too_many = ValidationError(
        _("The file has more than %(max)d rows; split it into smaller files."),
        code=f"{code_prefix}_too_many_rows",
        params={"max": max_rows},
    )
    rows: list[dict[str, Any]] = []
    blank = 0
    # One line more than the limit allows is read, to tell a full file from a too long one.
    for number, cells in enumerate(islice(iterator, 2 * max_rows + 1), start=2):
        values = {
            key: to_text(cells[position] if position < len(cells) else None, key)
            for position, key in positions.items()
        }
        if not any(values.values()):
            blank += 1
            if blank > max_rows:
                raise too_many
            continue
        if len(rows) == max_rows:
            raise too_many
        rows.append({"row": number, **values})
    return rows
