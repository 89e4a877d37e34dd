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
import posixpath
import re
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, NamedTuple, Protocol, cast
from xml.etree import ElementTree

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

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


# --- XLSX, streamed ------------------------------------------------------------------------
#
# openpyxl is not used for reading: opening a worksheet, even read-only, parses the whole
# sheet once to look for its <dimension> (and then trusts it), and it loads all the shared
# strings first, so a few kilobytes of zipped XML cost minutes and gigabytes before the first
# row. Here each part is parsed as a stream under a budget of XML elements; the worksheet's
# rows come one at a time, so the caller's row bound stops the reading; a row's cells are
# counted as they stream; the dimension is never read.

# XML elements the worksheet may hold (a cell is two or three: <c><v>…</v></c>), and any other
# part (shared strings: one of ours has a few thousand, each two to five elements).
MAX_XLSX_ELEMENTS = 1_000_000
MAX_XLSX_PART_ELEMENTS = 250_000
# Cells one row may hold, those right of `max_columns` included (they are skipped unread).
MAX_XLSX_CELLS_PER_ROW = 1_000


class _TooLarge(Exception):
    """A part of the workbook holds more elements than its budget."""


class _TooWide(Exception):
    """A row holds more cells than MAX_XLSX_CELLS_PER_ROW; `args[0]` is its `r`, if any."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _records(
    archive: zipfile.ZipFile,
    name: str,
    *,
    records: Collection[str],
    cells: str = "",
    budget: int = MAX_XLSX_PART_ELEMENTS,
) -> Iterator[tuple[str, ElementTree.Element]]:
    """(parent's name, element) of each complete element named in `records` (local names).

    A record is dropped once the caller has seen it, and so is every element outside one, so
    memory stays flat however long the part. Raises _TooLarge past `budget` elements, and
    _TooWide when a record has more than MAX_XLSX_CELLS_PER_ROW children named `cells`
    (counted as they start, before the record is complete).
    """
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    open_elements: list[ElementTree.Element] = []
    in_record = children = seen = 0
    record = ElementTree.Element("")
    local_names: dict[str, str] = {}  # as many as the part has distinct tags, within budget
    with archive.open(name) as part:
        while chunk := part.read(64 * 1024):
            parser.feed(chunk)
            for event, element in cast(
                Iterator[tuple[str, ElementTree.Element]], parser.read_events()
            ):
                tag = local_names.get(element.tag) or local_names.setdefault(
                    element.tag, _local(element.tag)
                )
                if event == "start":
                    seen += 1
                    if seen > budget:
                        raise _TooLarge
                    open_elements.append(element)
                    if tag in records:
                        in_record += 1
                        children = 0
                        record = element
                    elif tag == cells and in_record:
                        children += 1
                        if children > MAX_XLSX_CELLS_PER_ROW:
                            raise _TooWide(record.get("r"))
                    continue
                open_elements.pop()
                parent = open_elements[-1] if open_elements else None
                if tag in records:
                    in_record -= 1
                    yield (_local(parent.tag) if parent is not None else ""), element
                elif in_record:
                    continue  # inside a record: kept until the record is complete
                element.clear()
                if parent is not None:
                    parent.remove(element)  # its last child, the others already gone
        parser.close()


def _target(base: str, target: str) -> str:
    """The archive name of a relationship's target, relative to the part at `base`."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """id → (the type's last word, archive name) of the relationships of `part`."""
    name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if name not in archive.NameToInfo:
        return {}
    return {
        element.get("Id", ""): (
            element.get("Type", "").rsplit("/", 1)[-1],
            _target(part, element.get("Target", "")),
        )
        for _parent, element in _records(archive, name, records={"Relationship"})
    }


def _string_item(element: ElementTree.Element) -> str:
    """The text of <si> or <is>: its <t>, or its runs' <t>; phonetic guides (<rPh>) left out."""
    pieces = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            pieces.append(child.text or "")
        elif tag == "r":
            pieces.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(pieces)


def _date_styles(archive: zipfile.ZipFile, name: str | None) -> tuple[set[int], set[int]]:
    """The cell styles (places in <cellXfs>) that show a date, and those that show a duration."""
    if name is None or name not in archive.NameToInfo:
        return set(), set()
    custom: dict[str, str] = {}
    styles: list[str] = []
    for parent, element in _records(archive, name, records={"numFmt", "xf"}):
        if _local(element.tag) == "numFmt":
            custom[element.get("numFmtId", "")] = element.get("formatCode", "")
        elif parent == "cellXfs":
            styles.append(element.get("numFmtId", "0"))
    dates: set[int] = set()
    durations: set[int] = set()
    for index, number_format in enumerate(styles):
        code = custom.get(number_format) or BUILTIN_FORMATS.get(int(number_format), "General")
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return dates, durations


class _Workbook(NamedTuple):
    sheet: str  # the archive name of the first worksheet
    strings: list[str]
    dates: set[int]  # cell styles showing a date
    durations: set[int]  # cell styles showing a duration ([h]:mm)
    epoch: datetime.datetime


def _workbook(archive: zipfile.ZipFile) -> _Workbook:
    workbook = next(
        (path for kind, path in _relationships(archive, "").values() if kind == "officeDocument"),
        "xl/workbook.xml",
    )
    related = _relationships(archive, workbook)
    parts = {kind: path for kind, path in related.values()}
    sheet_id = ""
    epoch = CALENDAR_WINDOWS_1900
    for _parent, element in _records(archive, workbook, records={"workbookPr", "sheet"}):
        if _local(element.tag) == "workbookPr":
            if element.get("date1904", "0").lower() in ("1", "true"):
                epoch = CALENDAR_MAC_1904
        elif not sheet_id:  # the first worksheet (a chart sheet is not one)
            found = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            if related.get(found, ("", ""))[0] == "worksheet":
                sheet_id = found
    strings_part = parts.get("sharedStrings")
    strings = (
        [_string_item(item) for _parent, item in _records(archive, strings_part, records={"si"})]
        if strings_part in archive.NameToInfo
        else []
    )
    dates, durations = _date_styles(archive, parts.get("styles"))
    return _Workbook(related[sheet_id][1], strings, dates, durations, epoch)


def _column(reference: str) -> int:
    """The column number of a cell reference (`AB12` → 28); past XFD all are 16,385."""
    number = 0
    for letter in reference[:4]:
        if not "A" <= letter <= "Z":
            break
        number = number * 26 + ord(letter) - 64
    return min(number, 16_385)


def _cell_value(cell: ElementTree.Element, book: _Workbook) -> object:
    """A cell's value as openpyxl's data_only reading gives it (the cached result of a formula)."""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        item = next((child for child in cell if _local(child.tag) == "is"), None)
        return _string_item(item) if item is not None else None
    raw = next((child.text for child in cell if _local(child.tag) == "v"), None)
    if not raw:
        return None
    if kind == "n":
        number: int | float = float(raw) if any(c in raw for c in ".Ee") else int(raw)
        style = int(cell.get("s") or 0)
        if style in book.dates:
            try:
                return from_excel(number, book.epoch, timedelta=style in book.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number
    if kind == "s":
        return book.strings[int(raw)]
    if kind == "b":
        return bool(int(raw))
    if kind == "d":
        return from_ISO8601(raw)
    return raw  # "str" (a formula's text), "e" (an error such as #N/A)


def _sheet_rows(
    archive: zipfile.ZipFile, book: _Workbook, *, max_columns: int
) -> Iterator[tuple[object, ...]]:
    """The worksheet's rows, at most `max_columns` cells each; a missing row is an empty one."""
    expected = 1  # the number of the next row
    rows = _records(archive, book.sheet, records={"row"}, cells="c", budget=MAX_XLSX_ELEMENTS)
    for _parent, row in rows:
        number = int(row.get("r") or expected)
        if number < expected:
            continue  # a row out of order (openpyxl skips it too)
        while expected < number:
            yield ()
            expected += 1
        values: list[object] = []
        column = 0
        for cell in row:
            if _local(cell.tag) != "c":
                continue
            reference = cell.get("r")
            column = _column(reference) if reference else column + 1
            if column > max_columns:
                continue
            if column > len(values):
                values.extend([None] * (column - len(values)))
            values[column - 1] = _cell_value(cell, book)
        expected = number + 1
        yield tuple(values)


def xlsx_table(
    data: bytes, *, code_prefix: str, max_columns: int = MAX_COLUMNS
) -> Iterator[Sequence[object]]:
    """The rows of the first worksheet of an XLSX file, streamed under the bounds above."""
    invalid = ValidationError(_("This is not a valid XLSX file."), code=f"{code_prefix}_xlsx")
    rows = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > MAX_XLSX_UNPACKED_BYTES:
                raise invalid
            book = _workbook(archive)
            for cells in _sheet_rows(archive, book, max_columns=max_columns):
                rows += 1
                yield cells
    except ValidationError:
        raise
    except _TooLarge as error:
        raise ValidationError(
            _(
                "The file holds more than %(max)d cells and other entries, too many to read. "
                "Split it into smaller files."
            ),
            code=f"{code_prefix}_too_large",
            params={"max": MAX_XLSX_ELEMENTS},
        ) from error
    except _TooWide as error:
        raise ValidationError(
            _(
                "Row %(row)d of the file has more than %(max)d cells. Delete the cells to the "
                "right of the table, or copy the table into a new file."
            ),
            code=f"{code_prefix}_too_wide",
            params={
                "row": int(error.args[0])
                if re.fullmatch(r"[0-9]{1,7}", str(error.args[0]))
                else rows + 1,
                "max": MAX_XLSX_CELLS_PER_ROW,
            },
        ) from error
    # A damaged workbook fails in many ways (zip, XML, a reference to nothing); to the
    # uploader all are one.
    except Exception as error:
        raise invalid from error


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
