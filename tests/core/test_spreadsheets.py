"""The spreadsheet framework on its own: one choice parser, and a reader bounded in rows and
columns while it streams."""

from __future__ import annotations

import io

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
