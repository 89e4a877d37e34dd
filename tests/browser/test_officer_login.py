"""An officer logs in with email, password and TOTP in headless Chromium and opens the dashboard."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from association.models import AssociationDomain
from tests.browser.conftest import ARTIFACTS
from tests.tenants import PASSWORD, Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_with_totp_and_sees_dashboard(
    live_server, tenant_a: Tenant, tenant_b: Tenant, browser_page
) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    page = browser_page
    base = live_server.url.replace("127.0.0.1", "localhost")

    page.goto(f"{base}/dashboard/")
    # Not logged in: sent to the log-in page, in Japanese.
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_label("メールアドレス").fill(tenant_a.users["officer"].email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    # Two-factor step: a code from the officer's authenticator app.
    secret = tenant_a.totp_secrets["officer"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.get_by_label("コード").fill(code)
    page.get_by_role("button", name="ログイン").click()

    page.wait_for_url(f"{base}/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "役員ダッシュボード"
    # The dashboard leads with what needs doing: the offices applying for membership, each
    # linked to its decision; job applicants as a count only.
    todo = page.get_by_role("region", name="対応が必要なこと")
    assert tenant_a.offices[-1].name in todo.inner_text()
    assert "件の求人応募が事業所の対応待ち" in todo.inner_text()
    body = page.content()
    assert tenant_b.marker not in body
    # Keyboard users can skip the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.screenshot(path=str(ARTIFACTS / "officer-dashboard.png"), full_page=True)
