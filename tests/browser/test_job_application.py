"""A job seeker on a phone finds a job, applies without an account, sees the application's
status and withdraws it; axe-core finds nothing serious on the way, at phone and desktop widths,
and no page scrolls sideways at 390 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.base import ContentFile
from django_scopes import scope

from association.models import AssociationDomain
from recruitment.models import JobApplication, JobPostingPhoto
from tests.browser.conftest import ARTIFACTS
from tests.recruitment.jobs import make_posting
from tests.tenants import Tenant, _logo_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _serious(page: Any) -> list[str]:
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{page.url}: {v['id']} ({v['impact']}): "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _sideways(page: Any) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def _check(page: Any, name: str, found: list[str]) -> None:
    found += _serious(page)
    overflow = _sideways(page)
    if page.viewport_size["width"] == PHONE["width"] and overflow > 1:
        found.append(f"{page.url} scrolls sideways by {overflow}px at 390 px")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_apply_on_a_phone_then_withdraw(live_server, tenant_a: Tenant, browser_page) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")
    with scope(association=tenant_a.association.pk):
        posting = make_posting(
            tenant_a.offices[0],
            title="介護職員（正社員・夜勤あり）",
            allowances="夜勤手当 1回6,000円、処遇改善手当 月15,000円",
            fixed_overtime_hours=10,
            fixed_overtime_pay=18_000,
        )
        JobPostingPhoto.objects.create(
            posting=posting,
            image=ContentFile(_logo_png(), name="team.png"),
            alt="職員がテーブルを囲んで談笑している様子",
        )
        make_posting(
            tenant_a.offices[1],
            title="訪問介護員（パート・週2日から）",
            job_category="home_helper",
            employment_type="non_regular",
            working_style="part_time",
            pay_kind="hourly",
            pay_min=1_350,
            pay_max=1_800,
            welcome_tags=["seniors", "returners", "childcare"],
        )
    page = browser_page
    found: list[str] = []
    for size, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
        page.set_viewport_size(size)
        page.goto(f"{base}/jobs/")
        _check(page, f"jobs{suffix}", found)
        page.goto(f"{base}/jobs/{posting.pk}/")
        _check(page, f"jobs-posting{suffix}", found)
        page.goto(f"{base}/jobs/{posting.pk}/apply/")
        _check(page, f"jobs-apply{suffix}", found)

    # On the phone: from the board to the posting to the form, by tapping links.
    page.goto(f"{base}/jobs/")
    page.get_by_role("link", name="介護職員（正社員・夜勤あり）").click()
    assert "月10時間分として18,000円" in page.inner_text("main")
    page.get_by_role("link", name="この求人に応募する").first.click()
    page.wait_for_url(re.compile(r".*/apply/$"))
    page.fill("#id_name", "山田 花子")
    page.fill("#id_kana", "ヤマダ ハナコ")
    page.fill("#id_phone", "０９０－１２３４－５６７８")
    page.select_option("#id_age_band", "30s")
    page.get_by_label("初任者研修").check()
    page.get_by_label("上記のとおり個人情報が利用されることに同意します。").check()
    page.wait_for_timeout(3_200)  # a person takes longer than the minimum fill time
    page.get_by_role("button", name="応募する").click()
    page.wait_for_url(re.compile(r".*/jobs/application/\?key=.*"))
    main = page.inner_text("main")
    assert "応募内容を事業所に送りました" in main and "新着" in main
    _check(page, "jobs-status-phone", found)
    with scope(association=tenant_a.association.pk):
        application = JobApplication.objects.get(phone="090-1234-5678")
    assert application.phone == "090-1234-5678"

    page.get_by_role("button", name="応募を取り下げて個人情報を削除する").click()
    page.wait_for_load_state()
    assert "取り下げ" in page.inner_text("main")
    with scope(association=tenant_a.association.pk):
        assert not JobApplication.objects.filter(phone="090-1234-5678").exists()
    assert not found, "\n".join(found)
