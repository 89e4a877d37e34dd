"""Issue 12: an officer asks for a report build in Chromium; the page answers at once and
follows the build in place (queued/building → draft with its downloads) without the officer
refreshing, under the site's Content-Security-Policy (a script file, no inline script)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from association.models import AssociationDomain
from reports.services import PAUSE_ENV
from tests.browser.conftest import ARTIFACTS
from tests.tenants import PASSWORD, Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("RENKEI_SHOTS") or ARTIFACTS)


def log_in_officer(page: Any, base: str, tenant: Tenant) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("メールアドレス").fill(tenant.users["officer"].email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    secret = tenant.totp_secrets["officer"]
    page.get_by_label("コード").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/dashboard/")


def test_the_report_page_follows_the_build_in_place(
    live_server: Any,
    tenant_a: Tenant,
    browser_page: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.REDIS_URL = ""  # no broker: built in a thread of the live server, beside requests
    monkeypatch.setenv(PAUSE_ENV, "4")
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    page = browser_page
    base = live_server.url.replace("127.0.0.1", "localhost")
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    log_in_officer(page, base, tenant_a)

    page.goto(f"{base}/reports/")
    page.locator("form[action$='/reports/build/'] button[type=submit]").click()
    page.wait_for_url("**/reports/*/")
    detail_url = page.url
    status = page.locator("#report-status")
    assert status.inner_text() in ("待機中", "作成中")
    assert "作成を受け付けました" in page.locator(".messages").inner_text()
    assert not page.get_by_role("button", name="状態を更新").is_visible()  # the script follows
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_function(
        "document.getElementById('report-status').textContent === '作成中'", timeout=60_000
    )
    page.screenshot(path=str(SHOTS / "report-building-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / "report-building-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Nobody presses anything: the page reloads itself once the draft is there.
    page.get_by_role("link", name="PDFをダウンロード").wait_for(timeout=120_000)
    assert page.url == detail_url
    assert status.inner_text() == "下書き"
    page.screenshot(path=str(SHOTS / "report-draft-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "report-draft-1280.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    # The list of builds and drafts, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/reports/")
    assert "下書き" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "reports-list-officer-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
