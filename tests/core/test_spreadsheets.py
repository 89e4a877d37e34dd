"""The spreadsheet framework on its own: one choice parser, and a reader bounded in rows and
columns while it streams."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook

from core.spreadsheets import (
    Column,
    Vocabulary,
    csv_bytes,
    parse_choice,
    read_table,
    rows_from_table,
    xlsx_bytes,
)
from tests.core import crafted_xlsx
from tests.core.crafted_xlsx import sheet_xml, with_parts, xml_part

EMPLOYMENT = Vocabulary({"regular": ("正規", "正社員"), "non_regular": ("非正規",)})
COLUMNS = (Column("number", "番号", "Number", ("no",)), Column("kind", "種別", "Kind"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("正規", "regular"), ("ｾｲｼｬｲﾝ", None), (" 正 社 員 ", "regular"), ("REGULAR", "regular")],
)
def test_words_and_stored_values_are_read_loosely(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValidationError):
            parse_choice(text, EMPLOYMENT)
    else:
        assert parse_choice(text, EMPLOYMENT) == expected


def test_an_empty_cell_is_no_choice_unless_one_is_required() -> None:
    assert parse_choice("", EMPLOYMENT) is None
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        parse_choice("", EMPLOYMENT, required=True)
    assert excinfo.value.messages == ["“” is not one of: 正規、非正規."]
    assert EMPLOYMENT.written("non_regular") == "非正規" and EMPLOYMENT.written("x") == ""


def read(data: bytes, filename: str, *, max_rows: int = 5, max_columns: int = 100) -> list:
    table = read_table(data=data, filename=filename, code_prefix="t", max_columns=max_columns)
    return rows_from_table(
        table, columns=COLUMNS, required=("number",), max_rows=max_rows, code_prefix="t"
    )


def test_cells_right_of_the_column_bound_are_never_read() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["no", *[f"メモ{i}" for i in range(50)], "種別"])
    sheet.append(["1", *["x"] * 50, "a"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read(buffer.getvalue(), "wide.xlsx", max_columns=10) == [{"row": 2, "number": "1"}]
    assert read(buffer.getvalue(), "wide.xlsx") == [{"row": 2, "number": "1", "kind": "a"}]
    data = csv_bytes(["no", *["メモ"] * 50, "種別"], [["1", *["x"] * 50, "a"]])
    assert read(data, "wide.csv", max_columns=10) == [{"row": 2, "number": "1"}]


def test_too_many_rows_or_blank_lines_stop_the_reading() -> None:
    five = [[str(i), "a"] for i in range(5)]
    assert len(read(csv_bytes(["番号", "種別"], five), "ok.csv")) == 5
    with pytest.raises(ValidationError) as excinfo:
        read(csv_bytes(["番号", "種別"], [*five, ["6", "a"]]), "six.csv")
    assert excinfo.value.code == "t_too_many_rows"
    # Blank lines are skipped, but a file of little else is refused as soon as they exceed
    # the bound, however long it goes on.
    blank = [["", ""]] * 1000
    with pytest.raises(ValidationError) as excinfo:
        read(xlsx_bytes(["番号", "種別"], [["1", "a"], *blank], sheet_title="s"), "b.xlsx")
    assert excinfo.value.code == "t_too_many_rows"
    assert read(csv_bytes(["番号", "種別"], [["1", "a"], *blank[:5], ["2", "b"]]), "c.csv") == [
        {"row": 2, "number": "1", "kind": "a"},
        {"row": 8, "number": "2", "kind": "b"},
    ]


# --- XLSX read as a stream, and crafted files -----------------------------------------------

RICH_STRINGS = xml_part(
    "sst",
    "<si><t>番号</t></si>"
    "<si><r><t>山田</t></r><r><rPr><b/></rPr><t>太郎</t></r>"
    '<rPh sb="0" eb="2"><t>ヤマダ</t></rPh><phoneticPr fontId="0"/></si>'
    '<si><t xml:space="preserve"> 空白 </t></si>'.encode(),
)
DATE_STYLES = xml_part(
    "styleSheet",
    '<numFmts count="1">'
    '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
    '<xf numFmtId="46"/></cellXfs>'.encode(),
)
VARIED_ROWS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="inlineStr"><is><t>インライン</t></is></c><c r="D1" t="b"><v>1</v></c>'
    '<c r="E1"><v>42</v></c><c r="F1"><v>2.5</v></c><c r="G1" t="s"><v>2</v></c></row>'
    '<row r="3"><c r="A3" s="1"><v>45000</v></c><c r="B3" s="2"><v>45200.5</v></c>'
    '<c r="C3" s="3"><v>1.5</v></c><c r="E3" t="str"><f>A1&amp;""</f><v>番号</v></c>'
    '<c r="F3" t="e"><v>#N/A</v></c><c r="CW3"><v>100</v></c><c r="CX3"><v>101</v></c></row>'
    "<row><c><v>1</v></c><c/><c><v>3</v></c></row>"
    '<row r="6" spans="1:3"><c r="B6" s="1"><v>0.25</v></c></row>'
).encode()


def test_xlsx_cells_are_read_as_openpyxl_reads_them() -> None:
    """Shared and rich strings without their furigana, inline strings, dates by style, cached
    formula results, errors, missing rows and cells: the streamed reader gives what openpyxl
    gives (trailing empty cells aside), and nothing right of the column bound."""
    from openpyxl import load_workbook

    data = with_parts(
        ["番号"],
        sheet=sheet_xml(VARIED_ROWS),
        shared_strings=[RICH_STRINGS],
        styles=DATE_STYLES,
    )
    ours = [tuple(row) for row in read_table(data=data, filename="v.xlsx", code_prefix="t")]
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    theirs = list(workbook.worksheets[0].iter_rows(values_only=True, max_col=100))

    def trimmed(row: tuple) -> tuple:
        while row and row[-1] is None:
            row = row[:-1]
        return row

    assert ours == [trimmed(row) for row in theirs]
    assert ours[0][:3] == ("番号", "山田太郎", "インライン")
    assert ours[1] == ()


@pytest.mark.parametrize(
    ("build", "code", "seconds"),
    [
        (lambda header: crafted_xlsx.empty_rows(header), "t_too_many_rows", 2),
        (lambda header: crafted_xlsx.wide_rows(header), "t_too_wide", 2),
        (lambda header: crafted_xlsx.shared_strings_bomb(header), "t_too_large", 10),
        # Up to the element budget a sheet costs what the largest real file costs.
        (lambda header: crafted_xlsx.many_cells(header), "t_too_large", 15),
    ],
    ids=["empty-rows", "wide-rows", "shared-strings", "many-cells"],
)
def test_crafted_xlsx_files_are_refused_within_a_bound(build: Any, code: str, seconds: int) -> None:
    """Before: empty rows 8 s, wide rows and shared strings minutes (killed at 300 s)."""
    data = build(["番号", "種別"])
    assert len(data) < 500_000
    started = time.monotonic()
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        read(data, "crafted.xlsx", max_rows=10_000)
    elapsed = time.monotonic() - started
    assert excinfo.value.code == code
    assert elapsed < seconds, elapsed


def test_a_forged_dimension_is_never_trusted() -> None:
    """A sheet that claims A1:XFD1048576 is read as the rows and cells it has."""
    data = with_parts(
        ["番号"],
        sheet=sheet_xml(
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>no</t></is></c></row>'
            b'<row r="2"><c r="A2"><v>7</v></c></row>',
            dimension="A1:XFD1048576",
        ),
    )
    assert list(read_table(data=data, filename="d.xlsx", code_prefix="t")) == [("no",), (7,)]
    assert read(data, "d.xlsx") == [{"row": 2, "number": "7"}]


def test_a_row_past_the_limit_is_refused_with_the_limit_named() -> None:
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>no</t></is></c></row>' + b"".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'.encode() for n in range(2, 9)
    )
    data = with_parts(["番号"], sheet=sheet_xml(rows))
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        read(data, "long.xlsx", max_rows=5)
    assert excinfo.value.messages == ["The file has more than 5 rows; split it into smaller files."]
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        read(with_parts(["番号"], sheet=sheet_xml(b"<row>" + b"<c/>" * 1001 + b"</row>")), "w.xlsx")
    assert excinfo.value.messages == [
        "ファイルの1行目のセルが1000個を超えています。表の右側のセルを削除するか、"
        "表を新しいファイルにコピーしてください。"
    ]


def test_a_stash_token_not_of_the_handed_out_shape_never_reaches_the_cache() -> None:
    """A 5,000-character or otherwise forged `stash` parameter is simply no stash: it builds
    no cache key (Redis keys from request input must stay bounded)."""
    import warnings
    from types import SimpleNamespace

    from django.core.cache import cache
    from django.core.cache.backends.base import CacheKeyWarning

    from core.spreadsheets.upload import UploadStash

    request = SimpleNamespace(association=SimpleNamespace(pk=1), user=SimpleNamespace(pk=2))
    stash = UploadStash(request, "test")
    token = stash.put(data=b"a,b\n", filename="a.csv", rows=1)
    assert UploadStash.TOKEN_SHAPE.match(token)
    assert stash.get(token) == {"data": b"a,b\n", "filename": "a.csv", "rows": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        for forged in ("x" * 5000, token + "x", token[:-1] + "/", "", "../" + token[3:]):
            assert stash.get(forged) is None
            stash.discard(forged)
    assert stash.get(token) is not None
    stash.discard(token)
    assert stash.get(token) is None
    cache.clear()
