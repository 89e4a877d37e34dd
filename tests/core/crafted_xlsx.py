"""Crafted XLSX files, small when zipped and costly to read, built by the tests that refuse them.

Each is a real workbook made by openpyxl whose first worksheet (or shared strings) is then
replaced by XML written in chunks, so that a file of a few kilobytes unpacks to many megabytes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
RELATIONSHIPS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
STYLES = "xl/styles.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _workbook(header: Sequence[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace(template: bytes, parts: dict[str, Iterable[bytes]]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            if item.filename in parts:
                continue
            target.writestr(item, source.read(item.filename))
        for name, chunks in parts.items():
            with target.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
    return out.getvalue()


def _inline(text: str) -> bytes:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _sheet(header: Sequence[str], body: Iterable[bytes], *, dimension: str = "") -> Iterable[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>'.encode()
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b'<sheetData><row r="1">' + b"".join(_inline(word) for word in header) + b"</row>"
    yield from body
    yield b"</sheetData></worksheet>"


def _repeat(piece: bytes, count: int, *, per_chunk: int = 100_000) -> Iterable[bytes]:
    while count > 0:
        yield piece * min(count, per_chunk)
        count -= per_chunk


def empty_rows(header: Sequence[str], *, count: int = 3_000_000) -> bytes:
    """A header, then `count` empty `<row/>` elements (about 6 bytes each unpacked)."""
    return _replace(_workbook(header), {SHEET: _sheet(header, _repeat(b"<row/>", count))})


def forged_dimension(header: Sequence[str], *, rows: int = 1) -> bytes:
    """A header and `rows` rows of empty cells, claiming to span A1:XFD1048576."""
    body = _repeat(b"<row><c/></row>", rows)
    return _replace(_workbook(header), {SHEET: _sheet(header, body, dimension="A1:XFD1048576")})


def wide_rows(header: Sequence[str], *, rows: int = 3000, cells: int = 16_384) -> bytes:
    """A header, then `rows` rows of `cells` empty cells each (`<c/>`, 4 bytes apiece)."""
    row = b"<row>" + b"<c/>" * cells + b"</row>"
    return _replace(_workbook(header), {SHEET: _sheet(header, _repeat(row, rows, per_chunk=50))})


def with_parts(
    header: Sequence[str],
    *,
    sheet: Iterable[bytes] | None = None,
    shared_strings: Iterable[bytes] | None = None,
    styles: bytes | None = None,
) -> bytes:
    """An openpyxl workbook with its worksheet, shared strings or styles replaced."""
    template = _workbook(header)
    parts: dict[str, Iterable[bytes]] = {SHEET: sheet if sheet is not None else _sheet(header, [])}
    if styles is not None:
        parts[STYLES] = [styles]
    if shared_strings is not None:
        with zipfile.ZipFile(io.BytesIO(template)) as source:
            relationships = source.read(RELATIONSHIPS).replace(
                b"</Relationships>",
                b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
                b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                b"</Relationships>",
            )
            types = source.read(CONTENT_TYPES).replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        parts[SHARED_STRINGS] = shared_strings
        parts[RELATIONSHIPS] = [relationships]
        parts[CONTENT_TYPES] = [types]
    return _replace(template, parts)


def many_cells(header: Sequence[str], *, rows: int = 2_000, cells: int = 900) -> bytes:
    """Rows of `cells` empty cells each, within the bound on cells per row."""
    return wide_rows(header, rows=rows, cells=cells)


def shared_strings_bomb(header: Sequence[str], *, count: int = 10_000_000) -> bytes:
    """A header-only sheet whose workbook carries `count` shared strings, which a reader of
    the whole workbook loads before any row (17 bytes each unpacked)."""
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{count}" '
        f'uniqueCount="{count}">'.encode(),
        *_repeat(b"<si><t>x</t></si>", count),
        b"</sst>",
    )
    return with_parts(header, shared_strings=strings)


def sheet_xml(rows: bytes, *, dimension: str = "") -> list[bytes]:
    """A worksheet part of the given <row> elements."""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>'.encode()
    if dimension:
        head += f'<dimension ref="{dimension}"/>'.encode()
    return [head, b"<sheetData>", rows, b"</sheetData></worksheet>"]


def xml_part(root: str, body: bytes) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{root} {_NS}>'.encode()
        + body
        + (f"</{root}>".encode())
    )
