"""A small office files an unchanged month on a phone in under a minute: office staff log in at
390 px in headless Chromium, open this month's filing, press 「先月と変わりなし」, confirm, and
see it filed; axe-core finds nothing serious or critical on the pages touched, and nothing
scrolls sideways."""

from __future__ import annotations

import time
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from django_scopes import scope

from association.models import AssociationDomain
from core.calendar import add_months, wareki_month
from kpis.filing_views import filing_month
from kpis.models import ReportStatus, StaffingReport
from tests.browser.conftest import ARTIFACTS
from tests.kpis.test_filing_form import file_month, row
from tests.tenants import PASSWORD, Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = ARTIFACTS / "filing"
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}


def serious(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def fits_the_phone(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_small_office_files_an_unchanged_month_on_a_phone(
    live_server, tenant_a: Tenant, browser_page
) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    office = tenant_a.offices[0]
    # The month an office files now (last month until its deadline, then this one); the month
    # before it was filed: three people.
    month = filing_month(timezone.localdate(), deadline_day=10)
    with scope(association=tenant_a.association.pk):
        StaffingReport.objects.filter(office=office, month__gte=add_months(month, -1)).delete()
    file_month(
        tenant_a,
        add_months(month, -1),
        {
            ("care_worker", "regular"): row(start=2, hires=0, separations=0, end=2),
            ("care_worker", "non_regular"): row(start=1, hires=0, separations=0, end=1),
        },
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    page.set_viewport_size(PHONE)
    base = live_server.url.replace("127.0.0.1", "localhost")
    problems: list[str] = []

    started = time.monotonic()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("メールアドレス").fill(tenant_a.users["office_staff"].email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    page.goto(f"{base}/kpis/offices/{office.pk}/filing/")

    # This month's filing: only the office's two rows, and the one-step offer.
    assert wareki_month(month) in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("input[name=row]").count() == 2
    assert fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "filing-390.png"), full_page=True)
    problems += serious(page)
    page.get_by_role("link", name="先月と変わりなし").click()

    # The confirmation shows what will be filed.
    page.wait_for_url("**/filing/unchanged/**")
    table = page.get_by_role("table").inner_text()
    assert "介護職員" in table and "合計" in table and "3" in table
    assert fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "unchanged-390.png"), full_page=True)
    problems += serious(page)
    page.get_by_role("button", name="この内容で提出する").click()

    # Filed.
    page.wait_for_url("**/filing/?month=*")
    assert "「先月と変わりなし」で提出しました" in page.get_by_role("main").inner_text()
    elapsed = time.monotonic() - started
    assert fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "filed-390.png"), full_page=True)
    problems += serious(page)

    with scope(association=tenant_a.association.pk):
        report = StaffingReport.objects.get(office=office, month=month)
        assert report.status == ReportStatus.SUBMITTED
        assert sorted(report.rows.values_list("headcount_start", "headcount_end", "hires")) == [
            (1, 1, 0),
            (2, 2, 0),
        ]
    assert problems == []
    assert elapsed < 60, f"took {elapsed:.1f} s"
    print(f"unchanged month filed on a phone in {elapsed:.1f} s")

    # The same pages at a desktop's width, for the record.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/kpis/offices/{office.pk}/filing/?month={month:%Y-%m}")
    page.screenshot(path=str(SHOTS / "filing-1280.png"), full_page=True)
    page.goto(f"{base}/kpis/offices/{office.pk}/history/")
    problems += serious(page)
    page.screenshot(path=str(SHOTS / "history-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert fits_the_phone(page)
    page.screenshot(path=str(SHOTS / "history-390.png"), full_page=True)
    assert problems == []
