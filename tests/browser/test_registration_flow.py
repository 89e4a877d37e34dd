"""A new office signs up, applies, is approved by an officer and logs in as its administrator."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail

from association.models import AssociationDomain
from tests.browser.conftest import ARTIFACTS
from tests.tenants import PASSWORD, Tenant, provider_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT = "shinki@care.example"
APPLICANT_PASSWORD = "a-long-and-unusual-password-2026"


def test_register_approve_first_login(live_server, tenant_a: Tenant, browser_page) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")
    page = browser_page

    # 1. Sign up and verify the email address.
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=email]", APPLICANT)
    page.fill("input[name=password1]", APPLICANT_PASSWORD)
    page.fill("input[name=password2]", APPLICANT_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/confirm-email/")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", str(mail.outbox[-1].body))
    assert link, mail.outbox[-1].body
    page.goto(link.group(0).replace("testserver", "localhost"))
    page.locator("main form button[type=submit]").click()

    # 2. Apply for membership (full-width digits on purpose).
    page.goto(f"{base}/members/register/")
    number = provider_number("20", 950)
    page.fill("input[name=corporation_name]", "株式会社しんきケア")
    page.select_option("select[name=corporation_kind]", "stock_company")
    page.fill("input[name=name]", "しんきヘルパーステーション")
    page.fill(
        "input[name=provider_number]",
        number.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    )
    page.check("input[name=service_codes][value='11']")
    page.fill("input[name=postal_code]", "560-0022")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/members/applications/")
    assert "しんきヘルパーステーション" in page.inner_text("main")
    assert number in page.inner_text("main")

    # 3. An officer approves it, in another browser session.
    officer_page = page.context.browser.new_context(locale="ja-JP").new_page()
    officer_page.goto(f"{base}/accounts/login/?next=/dashboard/")
    officer_page.fill("input[name=login]", tenant_a.users["officer"].email)
    officer_page.fill("input[name=password]", PASSWORD)
    officer_page.locator("main form button[type=submit]").click()
    secret = tenant_a.totp_secrets["officer"]
    officer_page.fill(
        "input[name=code]", format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    )
    officer_page.locator("main form button[type=submit]").first.click()
    officer_page.wait_for_url("**/dashboard/")
    # The dashboard lists the applications waiting, each linked to its decision.
    officer_page.get_by_role("link", name=re.compile("しんきヘルパーステーション")).click()
    officer_page.check("input[name=decision][value=approve]")
    officer_page.locator("main form button[type=submit]").click()
    officer_page.wait_for_url("**/dashboard/")
    officer_page.context.close()
    assert any(APPLICANT in message.to for message in mail.outbox[-2:])

    # 4. The applicant logs in again and manages the office.
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", APPLICANT)
    page.fill("input[name=password]", APPLICANT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name="所属事業所").click()
    page.get_by_role("link", name="しんきヘルパーステーション").first.click()
    page.wait_for_url(re.compile(r".*/members/offices/\d+/$"))
    assert "承認済み" in page.inner_text("main")
    page.locator("a[href$='/edit/']").click()
    assert page.locator("input[name=name]").input_value() == "しんきヘルパーステーション"
    page.screenshot(path=str(ARTIFACTS / "office-profile-edit.png"), full_page=True)
