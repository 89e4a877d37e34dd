"""Issue 12 in Chromium: the city logs in, lands on the reports, and its menu holds only what
it may open; at 390 px nothing scrolls sideways."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from association.models import AssociationDomain
from tests.browser.conftest import ARTIFACTS
from tests.tenants import PASSWORD, Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("RENKEI_SHOTS") or ARTIFACTS)


def test_the_city_lands_on_the_reports_with_a_menu_it_may_open(
    live_server: Any, tenant_a: Tenant, browser_page: Any
) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    page = browser_page
    base = live_server.url.replace("127.0.0.1", "localhost")
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("メールアドレス").fill(tenant_a.users["city"].email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/reports/")
    menu = page.get_by_role("navigation", name="メインメニュー")
    links = menu.get_by_role("link").all_inner_texts()
    assert links == ["イベント", "求人", "お知らせ", "月次報告書", "アカウント"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "city-reports-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "city-reports-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
