"""The charts of kpis/charts.py: no empty leading months, no two labels overlapping, measured
in headless Chromium (getBBox() of every <text>), for the charts alone, the officers' KPI
dashboard and the SVG that goes into the report's PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from django_scopes import scope

from core.calendar import add_months, months_between, rolling_months
from kpis.charts import Bar, StackedRow, TargetLine, rate_bars, rate_chart, stacked_bars
from kpis.models import StaffingReport
from reports.charts import report_charts
from reports.content import report_content, suppress
from tests.browser.chart_boxes import measure, problems
from tests.browser.conftest import ARTIFACTS
from tests.reports.test_report_content import MONTH, file_months
from tests.tenants import Tenant

SHOTS = ARTIFACTS / "charts"  # screenshots and the PDF's pages, to look at
METRICS = (("separation_rate", "離職率"), ("hire_rate", "採用率"))


def _page(browser_page: Any, svgs: list[str], name: str) -> Any:
    body = "".join(f'<div style="width:720px;margin:8px">{svg}</div>' for svg in svgs)
    browser_page.set_content(f'<!doctype html><html lang="ja"><body>{body}</body></html>')
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser_page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    return browser_page


def _trend(months: int, *, empty_first: int = 0) -> list[tuple[date, dict[str, Decimal | None]]]:
    """`months` months ending in October 2025, the first `empty_first` without values (an
    association that started filing late) and a gap in the middle."""
    last = date(2025, 10, 1)
    points: list[tuple[date, dict[str, Decimal | None]]] = []
    for index in range(months):
        month = add_months(last, index - months + 1)
        if index < empty_first or index == months - 5:
            points.append((month, dict.fromkeys(("separation_rate", "hire_rate"))))
        else:
            points.append(
                (
                    month,
                    {
                        "separation_rate": Decimal("12.4") + Decimal(index % 5) / 3,
                        "hire_rate": Decimal("15.1") - Decimal(index % 4) / 2,
                    },
                )
            )
    return points


def test_leading_empty_months_are_left_out() -> None:
    """The 24-month chart of an association with 13 months of data starts at its first value
    (today's hand-written chart left 11 months empty)."""
    chart = rate_chart(_trend(24, empty_first=11), METRICS)
    assert chart is not None
    first_label = chart.description.split(" ")[0]
    assert first_label.startswith("令和6年（2024年）10月")  # the 12th of 24 months
    assert rate_chart(_trend(24, empty_first=23), METRICS) is None  # one point: no line


@pytest.mark.browser
def test_no_label_overlaps_in_any_chart(browser_page: Any) -> None:
    targets = [
        TargetLine("separation_rate", Decimal("12.0"), "離職率の目標（12.0％以下）"),
        TargetLine("hire_rate", Decimal("16.0"), "採用率の目標（16.0％以上）"),
    ]
    names = ["連絡会全体", "居宅介護支援部会", "通所介護部会", "訪問介護部会", "入所施設部会"]
    charts = [
        rate_chart(_trend(12), METRICS, targets=targets),
        rate_chart(_trend(24), METRICS, targets=targets),
        rate_chart(_trend(24, empty_first=11), METRICS),
        rate_chart(_trend(24), METRICS, width=360),  # a narrow one still thins its labels
        rate_bars(
            [
                Bar(name, Decimal(str(10 + i * 1.7)) if i != 3 else None, "*", Decimal("12.0"))
                for i, name in enumerate(names)
            ],
            title="部会別の離職率",
            national=Decimal("13.1"),
            national_label="全国 2職種計 13.1％（令和6年度（2024年度））",
            target_label="目標",
        ),
        stacked_bars(
            [
                StackedRow(name, [3 * i + 1, i, 2, 5, 0, 1] if i != 2 else [None] * 6, str(i))
                for i, name in enumerate(names)
            ],
            [
                "当会の就職フェア",
                "当会の求人掲載",
                "ハローワーク",
                "人材紹介会社",
                "紹介",
                "その他",
            ],
            title="経路別の採用者数",
        ),
    ]
    svgs = [str(chart) for chart in charts if chart is not None]
    assert len(svgs) == len(charts)
    measured = measure(_page(browser_page, svgs, "charts-alone"))
    assert len(measured) == len(svgs)
    assert all(len(chart["boxes"]) >= 5 for chart in measured)
    assert problems(measured) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_label_overlaps_in_the_report_svg(tenant_a: Tenant, browser_page: Any) -> None:
    """The SVG that goes into the PDF, built from a real report's content (three offices: at
    the usual threshold complementary suppression hides every channel, so 1 here — the layout,
    not the suppression, is under test; tests/reports/test_suppression.py tests that)."""
    with scope(association=tenant_a.association.pk):
        first = rolling_months(add_months(MONTH, -13))[0]
        file_months(tenant_a, tenant_a.offices[:3], months_between(first, MONTH))
    svgs = []
    for kind in ("recruitment", "retention"):
        content = suppress(
            report_content(association=tenant_a.association, month=MONTH, kind=kind), threshold=1
        )
        charts = report_charts(content)
        keys = {item["key"] for item in charts}
        assert {"trend-12", "trend-24", "bars-separation_rate", "bars-hire_rate"} <= keys
        assert ("channels" in keys) == (kind == "recruitment")
        svgs += [str(item["chart"]) for item in charts]
    measured = measure(_page(browser_page, svgs, "report-svg"))
    assert problems(measured) == []
    # The 24-month chart starts at the first month with a value, not 24 months back.
    trend_24 = next(chart for chart in measured if "24か月" in chart["title"])
    years = [box.text for box in trend_24["boxes"] if "年（" in box.text]
    assert years and all("2023年" not in label for label in years)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_label_overlaps_on_the_dashboard(
    live_server: Any, tenant_a: Tenant, browser_page: Any
) -> None:
    from association.models import AssociationDomain
    from tests.browser.test_accessibility import session_for

    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    today = timezone.localdate()
    with scope(association=tenant_a.association.pk):
        last = add_months(date(today.year, today.month, 1), -1)
        for office in tenant_a.offices[:3]:
            filed = set(
                StaffingReport.objects.filter(office=office).values_list("month", flat=True)
            )
            months = months_between(add_months(last, -14), last)
            file_months(tenant_a, [office], [m for m in months if m not in filed])
    base = live_server.url.replace("127.0.0.1", "localhost")
    page = browser_page
    page.context.add_cookies(
        [{"name": "sessionid", "value": session_for(tenant_a.users["officer"]), "url": base}]
    )
    with translation.override("ja"):
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/kpis/")
            measured = measure(page)
            assert len(measured) == 4  # two rate bars, hires by channel, the trend
            assert problems(measured) == []
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"kpi-dashboard-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
