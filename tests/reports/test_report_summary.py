"""The first page of the city's report: generated sentences, read back from the PDF with pypdf
and compared with the selectors; a suppressed figure is never quoted."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scope

from core.calendar import add_months, months_between, rolling_months
from kpis import selectors
from kpis.models import KpiMetric, KpiTarget, NationalBenchmark
from kpis.services import staffing_report_save
from reports.content import report_content, suppress
from reports.presenter import format_number
from reports.render import render_pdf
from reports.summary import SUPPRESSED_TEXT, summary_sentences
from tests.browser.conftest import ARTIFACTS
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

MONTH = date(2025, 10, 1)
SHOTS = ARTIFACTS / "charts"  # screenshots and the PDF's pages, to look at


def _file(tenant: Tenant, months: list[date]) -> None:
    """Three offices, 25 months; hires and separations change month by month, so the rolling
    rates move (against last month and last year)."""
    for number, office in enumerate(tenant.offices[:3]):
        headcount = 20 + number * 5
        for month in months:
            hires = 1 + (month.month + number) % 3
            separations = 1 + (month.month * (number + 1)) % 2
            end = headcount + hires - separations
            staffing_report_save(
                office=office,
                month=month,
                rows=[
                    {
                        "job_category": "care_worker",
                        "employment_type": "regular",
                        "headcount_start": headcount,
                        "hires": hires,
                        "separations": separations,
                        "separations_within_year": 0,
                        "headcount_end": end,
                        "open_positions": 1,
                        "hires_hello_work": hires,
                    }
                ],
                user=tenant.users["officer"],
                expected_version=None,
                submit=True,
                confirm_warnings=True,
                today=date(month.year + (month.month == 12), month.month % 12 + 1, 2),
            )
            headcount = end


@pytest.fixture
def filed(tenant_a: Tenant) -> Tenant:
    association = tenant_a.association
    with scope(association=association.pk):
        first = rolling_months(add_months(MONTH, -13))[0]
        _file(tenant_a, months_between(first, MONTH))
        for metric, value in (("separation_rate", "13.1"), ("hire_rate", "16.9")):
            NationalBenchmark.objects.create(
                association=association, survey_year=2024, metric=metric, value=Decimal(value)
            )
        KpiTarget.objects.create(
            association=association,
            fiscal_year=2025,
            metric=KpiMetric.SEPARATION_RATE,
            at_most=True,
            value=Decimal("12.0"),
        )
    return tenant_a


def _pct(value: Decimal | None) -> str:
    assert value is not None
    return format_number(value, "percent")


def _page_text(pdf: bytes, number: int = 0) -> str:
    from pypdf import PdfReader

    return re.sub(r"\s+", "", PdfReader(io.BytesIO(pdf)).pages[number].extract_text())


@pytest.mark.parametrize("kind", ["recruitment", "retention"])
def test_first_page_sentences_quote_the_selectors(filed: Tenant, kind: str) -> None:
    association = filed.association
    content = suppress(report_content(association=association, month=MONTH, kind=kind), threshold=3)
    pdf, _pages = render_pdf(content, association_name=association.name)
    page_one = _page_text(pdf)
    sentences = {sentence.key: sentence for sentence in summary_sentences(content)}
    assert {"counts", "hire_rate", "separation_rate", "national", "coverage"} <= set(sentences)
    for sentence in sentences.values():
        assert re.sub(r"\s+", "", sentence.text) in page_one, sentence.text

    with scope(association=association.pk):
        this_month = selectors.office_months(first=MONTH, last=MONTH)
        now = selectors.figures(first=rolling_months(MONTH)[0], last=MONTH)
        previous_month = add_months(MONTH, -1)
        before = selectors.figures(first=rolling_months(previous_month)[0], last=previous_month)
        year_ago_month = add_months(MONTH, -12)
        year_ago = selectors.figures(first=rolling_months(year_ago_month)[0], last=year_ago_month)
    hires = sum(item.hires for item in this_month)
    separations = sum(item.separations for item in this_month)
    assert f"採用者数は{hires}人" in page_one
    assert f"離職者数は{separations}人" in page_one
    for metric in ("hire_rate", "separation_rate"):
        quoted = sentences[metric].figures
        assert quoted[f"{metric}_now"] == _pct(getattr(now, metric).value)
        assert quoted[f"{metric}_previous"] == _pct(getattr(before, metric).value)
        assert quoted[f"{metric}_year_ago"] == _pct(getattr(year_ago, metric).value)
        assert f"{quoted[f'{metric}_now']}％" in page_one
    assert now.separation_rate.value != before.separation_rate.value  # the rates do move
    assert sentences["national"].figures["national_separation_rate"] == "13.1"
    assert "全国値（介護労働実態調査" in page_one
    assert sentences["target_separation_rate"].figures["target_separation_rate"] == "12.0"
    assert "目標は12.0％以下" in page_one
    assert sentences["coverage"].figures == {
        "filed": "3",
        "expected": "3",
        "coverage_percent": "100.0",
    }
    if kind == "recruitment":
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "recruitment.pdf").write_bytes(pdf)
        if shutil.which("pdftoppm"):  # to look at (not part of the check)
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", str(SHOTS / "recruitment.pdf"), str(SHOTS / "p")],
                check=True,
            )


def test_a_suppressed_figure_is_never_quoted(filed: Tenant) -> None:
    """Threshold 5 with 3 offices: every count and rate is suppressed, and no sentence gives
    one away (nor a change against last month, which would)."""
    association = filed.association
    raw = report_content(association=association, month=MONTH, kind="retention")
    content = suppress(raw, threshold=5)
    text = " ".join(sentence.text for sentence in summary_sentences(content))
    assert SUPPRESSED_TEXT in text
    headline = raw["headline"]
    hidden = [
        headline["hires_month"]["value"],
        headline["separations_month"]["value"],
        *(point["hire_rate"]["value"] for point in raw["trends"]["24"][-13:]),
        *(point["separation_rate"]["value"] for point in raw["trends"]["24"][-13:]),
    ]
    for value in hidden:
        assert value is not None
        assert f"{format_number(Decimal(str(value)), 'percent')}％" not in text
    assert "人" not in text.replace("表示していません", "")  # no head count at all
    assert "ポイント" not in text  # no change is stated
    # Published figures are still quoted: the national figure and the coverage.
    assert "13.1％" in text and "3か所" in text
    pdf, _pages = render_pdf(content, association_name=association.name)
    assert SUPPRESSED_TEXT in _page_text(pdf)
