"""The monthly reports' PDF and XLSX: Japanese text, embedded subset fonts, numbers."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from django_scopes import scope

from core.calendar import months_between, rolling_months
from members.models import OfficeService
from reports.content import report_content, suppress, tables
from reports.presenter import EMPTY
from reports.render import render_pdf, render_xlsx
from tests.reports.test_report_content import MONTH, file_months
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

RENDER: dict[str, Any] = {}


@pytest.fixture
def rendered(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Both reports for tenant_a's twelve months, built and rendered once for the module
    (the files are pure bytes: later tests reuse them without touching the database)."""
    if RENDER:
        return RENDER
    tenant: Tenant = request.getfixturevalue("tenant_a")
    with scope(association=tenant.association.pk):
        OfficeService.objects.create(office=tenant.offices[0], service_code="11")
        file_months(tenant, tenant.offices[:3], months_between(*rolling_months(MONTH)))
    for kind in ("recruitment", "retention"):
        content = suppress(
            report_content(association=tenant.association, month=MONTH, kind=kind), threshold=3
        )
        started = time.perf_counter()
        pdf, pages = render_pdf(content, association_name=tenant.association.name)
        pdf_seconds = time.perf_counter() - started
        started = time.perf_counter()
        xlsx = render_xlsx(content)
        RENDER[kind] = {
            "content": content,
            "pdf": pdf,
            "pages": pages,
            "xlsx": xlsx,
            "pdf_seconds": pdf_seconds,
            "xlsx_seconds": time.perf_counter() - started,
        }
    return RENDER


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("kind", ["recruitment", "retention"])
def test_pdf_text(rendered: dict[str, Any], kind: str) -> None:
    from pypdf import PdfReader

    report = rendered[kind]
    reader = PdfReader(io.BytesIO(report["pdf"]))
    assert len(reader.pages) == report["pages"] >= 3
    text = re.sub(r"\s+", "", _text(report["pdf"]))
    headings = {
        "recruitment": [
            "採用状況報告書",
            "職種別の採用者数",
            "雇用形態別の採用者数",
            "経路別の採用者数",
        ],
        "retention": ["定着状況報告書", "離職率・採用率", "全国値との比較", "目標と達成状況"],
    }[kind]
    for heading in [
        *headings,
        "目次",
        "概要",
        "提出状況",
        "集計方法",
        "グラフ",
        "離職率・採用率の推移",
    ]:
        assert heading in text, heading
    assert "令和7年（2025年）10月" in text
    assert "アルファ市介護保険事業者連絡会" in text
    # A figure: the association's hires (month) or rolling separation rate.
    summary = {item["key"]: item for item in report["content"]["summary"]}
    figure = summary["hires_rolling"] if kind == "recruitment" else summary["separation_rate"]
    assert figure["value"] is not None
    assert str(figure["value"]) in text
    # A subcommittee with two filing offices is suppressed: the footnote is printed.
    assert "事業所未満" in text
    # Page numbers in the footer: "2 / N".
    assert f"2/{report['pages']}" in text


@pytest.mark.parametrize("kind", ["recruitment", "retention"])
def test_pdf_fonts_embedded_and_subset(rendered: dict[str, Any], kind: str) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(rendered[kind]["pdf"]))
    fonts: dict[str, Any] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        resources = resources.get_object()
        stack = [resources]
        while stack:
            current = stack.pop().get_object()
            for font in (current.get("/Font") or {}).values():
                font = font.get_object()
                fonts[str(font["/BaseFont"])] = font
            for xobject in (current.get("/XObject") or {}).values():
                xobject = xobject.get_object()
                if "/Resources" in xobject:
                    stack.append(xobject["/Resources"])
    assert fonts
    for name, font in fonts.items():
        descriptor_owner = font
        if font.get("/Subtype") == "/Type0":
            descriptor_owner = font["/DescendantFonts"][0].get_object()
        descriptor = descriptor_owner["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
        assert re.match(r"^/[A-Z]{6}\+", name), name
    assert any("Noto-Sans-CJK-JP" in name for name in fonts), sorted(fonts)


@pytest.mark.parametrize("kind", ["recruitment", "retention"])
def test_xlsx_matches_content(rendered: dict[str, Any], kind: str) -> None:
    from openpyxl import load_workbook

    report = rendered[kind]
    workbook = load_workbook(io.BytesIO(report["xlsx"]))
    content = report["content"]
    content_tables = tables(content)
    assert len(workbook.sheetnames) == len(content_tables) + 2  # summary and notes
    assert all(len(name) <= 31 for name in workbook.sheetnames)
    assert workbook.sheetnames[0] == "概要"
    for sheet_name, table in zip(workbook.sheetnames[1:], content_tables, strict=False):
        sheet = workbook[sheet_name]
        assert sheet["A1"].value == table["title"]
        headers = [cell.value for cell in sheet[4]][1:]
        assert headers == [column["label"] for column in table["columns"]]
        for offset, row in enumerate(table["rows"]):
            line = 5 + offset
            assert sheet.cell(row=line, column=1).value == row["label"]
            for index, (cell, column) in enumerate(
                zip(row["cells"], table["columns"], strict=True)
            ):
                target = sheet.cell(row=line, column=index + 2)
                if cell.get("suppressed"):
                    assert target.value == "*"
                elif cell["value"] is None:
                    assert target.value == EMPTY
                elif column["format"] == "int":
                    assert target.value == cell["value"]
                    assert target.number_format == "#,##0"
                elif column["format"] == "percent":
                    assert f"{target.value:.1f}" == cell["value"]
                    assert target.number_format == "0.0"
    suppressed = [
        cell
        for table in content_tables
        for row in table["rows"]
        for cell in row["cells"]
        if cell.get("suppressed")
    ]
    assert suppressed


def test_render_time_and_size(rendered: dict[str, Any]) -> None:
    for kind in ("recruitment", "retention"):
        report = rendered[kind]
        print(
            f"{kind}: pdf {report['pdf_seconds']:.2f} s, {len(report['pdf']) / 1024:.0f} KB, "
            f"{report['pages']} pages; xlsx {report['xlsx_seconds']:.2f} s, "
            f"{len(report['xlsx']) / 1024:.0f} KB"
        )
        assert report["pdf_seconds"] < 30
