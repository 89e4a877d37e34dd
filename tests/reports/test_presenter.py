"""One presenter for the report's page, PDF and XLSX: the same cell reads the same in all three."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from reports.content import suppress
from reports.models import MonthlyReport
from reports.presenter import EMPTY, SUPPRESSED, cell_view, present
from reports.render import render_pdf, render_xlsx
from tests.conftest import client_for
from tests.tenants import Tenant

ROWS = {"連絡会全体": "shown", "居宅部会": "suppressed", "通所部会": "empty"}


def _snapshot() -> dict[str, Any]:
    """A snapshot in reports/content.py's shape: one row shown, one from two offices (suppressed
    at a threshold of 3), one from no office (no value)."""
    cells: dict[str, list[dict[str, Any]]] = {
        "shown": [{"value": 6789, "offices": 5}, {"value": "12.5", "offices": 5}],
        "suppressed": [{"value": 4321, "offices": 2}, {"value": "33.3", "offices": 2}],
        "empty": [{"value": None, "offices": 0}, {"value": None, "offices": 0}],
    }
    # Each figure names its quantity; the basis says they are not related (nothing to derive).
    quantities: dict[str, list[Any]] = {"summary": [5555, 2, "d"]}
    for state, pair in cells.items():
        for column, cell in zip(("hires", "rate"), pair, strict=True):
            cell["id"] = f"{state}-{column}"
            quantities[cell["id"]] = [cell["value"], cell["offices"], "d"]
    return {
        "title": "採用状況報告書",
        "association": {"slug": "alpha", "name": "アルファ市介護保険事業者連絡会"},
        "month": "2026-07-01",
        "summary": [
            {"key": "hires_month", "label": "当月の採用者数", "unit": "人", "format": "int"}
            | {"value": 5555, "offices": 2, "id": "summary"},
            {"key": "hire_rate", "label": "採用率（直近12か月）", "unit": "％", "format": "percent"}
            | {"value": None, "offices": 0},
        ],
        "sections": [
            {
                "key": "hires_by_job",
                "title": "職種別の採用者数",
                "tables": [
                    {
                        "key": "hires_by_job_month",
                        "title": "職種別の採用者数（当月）",
                        "period": "令和8年（2026年）7月",
                        "row_header": "部会",
                        "columns": [
                            {"key": "hires", "label": "採用者数", "format": "int"},
                            {"key": "rate", "label": "採用率（％）", "format": "percent"},
                        ],
                        "rows": [
                            {"label": label, "whole": state == "shown", "cells": cells[state]}
                            for label, state in ROWS.items()
                        ],
                        "note": "",
                    }
                ],
            }
        ],
        "trends": {"12": [], "24": []},
        "notes": ["採用率＝期間中の採用者数÷期間開始時の職員数×100。"],
        "disclosure": {"quantities": quantities, "sums": [], "rates": []},
    }


EXPECTED = {
    "連絡会全体": ["6,789", "12.5"],
    "居宅部会": [SUPPRESSED, SUPPRESSED],
    "通所部会": [EMPTY, EMPTY],
}


def _page_rows(html: str) -> dict[str, list[str]]:
    rows = {}
    for label in ROWS:
        match = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', html, re.S)
        assert match, label
        cells = re.findall(r'<td class="num">(.*?)</td>', match.group(1), re.S)
        # A suppressed cell's mark is the aria-hidden part; the rest is read to screen readers.
        rows[label] = [
            re.sub(r"<[^>]+>", "", re.sub(r'<span class="visually-hidden">.*?</span>', "", c))
            for c in cells
        ]
    return rows


def _pdf_rows(pdf: bytes) -> dict[str, list[str]]:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    rows = {}
    for label in ROWS:
        line = next(line for line in text.splitlines() if line.startswith(label))
        rows[label] = line.removeprefix(label).split()
    return rows


def _xlsx_rows(xlsx: bytes) -> dict[str, list[Any]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx))["職種別の採用者数（当月）"]
    return {
        row[0]: list(row[1:])
        for row in sheet.iter_rows(min_row=5, max_row=7, values_only=True)
        if row[0] in ROWS
    }


@pytest.mark.django_db
def test_the_same_cell_reads_the_same_on_the_page_in_the_pdf_and_in_the_xlsx(
    tenant_a: Tenant,
) -> None:
    assert tenant_a.association.suppression_threshold == 3
    data = _snapshot()
    with scopes_disabled():
        report = MonthlyReport.objects.create(
            association=tenant_a.association,
            month=date(2026, 7, 1),
            kind="recruitment",
            revision=1,
            status="published",
            data=data,
        )
    url = reverse("reports:figures", kwargs={"monthly_report_pk": report.pk})
    page = client_for(tenant_a, tenant_a.users["city"]).get(url).content.decode()
    city = suppress(data, threshold=3)
    pdf, _pages = render_pdf(city, association_name=tenant_a.association.name)
    xlsx = render_xlsx(city)

    assert _page_rows(page) == EXPECTED
    assert _pdf_rows(pdf) == EXPECTED
    workbook = _xlsx_rows(xlsx)
    assert workbook["連絡会全体"] == [6789, 12.5]  # numbers stay numbers in the sheet
    assert {label: cells for label, cells in workbook.items() if label != "連絡会全体"} == {
        label: EXPECTED[label] for label in ("居宅部会", "通所部会")
    }
    # The summary: a suppressed count and an empty rate, with no unit after either mark.
    assert "<dd>—</dd>" in page and "—％" not in page and "—人" not in page
    assert '<span aria-hidden="true">*</span>' in page
    for other in ("–", "―", "－"):  # no second mark for an empty cell anywhere
        assert other not in page.split("<main", 1)[-1]


def test_cell_formats() -> None:
    assert cell_view({"value": 1234567, "offices": 4}, "int").text == "1,234,567"
    assert cell_view({"value": "12.3", "offices": 4}, "percent").text == "12.3"
    assert cell_view({"value": "0.0", "offices": 4}, "percent").number == Decimal("0.0")
    assert cell_view({"value": 12, "offices": 12, "total": 1500}, "ratio").text == "12 / 1,500"
    assert cell_view({"value": "令和6年度", "offices": 0}, "text").text == "令和6年度"
    assert cell_view({"value": 2025, "offices": 0}, "text").text == "2025"
    empty = cell_view({"value": None, "offices": 0}, "int")
    assert (empty.text, empty.empty, empty.number) == (EMPTY, True, None)
    hidden = cell_view({"value": None, "offices": 2, "suppressed": True}, "percent")
    assert (hidden.text, hidden.suppressed) == (SUPPRESSED, True)


def test_present_survives_any_data() -> None:
    samples: list[Any] = [None, [], {}, {"sections": "x", "summary": [1], "trends": {"24": [{}]}}]
    for data in samples:
        view = present(data)
        assert view.sections == [] and view.summary == [] and view.trend_24 == []
