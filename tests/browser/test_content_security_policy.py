"""Pages work under the Content-Security-Policy in a real browser: nothing is refused."""

from __future__ import annotations

import time
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django_scopes import scope

from association.models import AssociationDomain
from events.models import Event
from tests.browser.conftest import ARTIFACTS
from tests.tenants import PASSWORD, Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_for_violations(page: Any) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_swagger_ui_public_pages_and_admin_run_under_the_policy(
    live_server: Any, tenant_a: Tenant, browser_page: Any
) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")
    with scope(association=tenant_a.association.pk):
        event = Event.objects.get(title__startswith=tenant_a.marker)
    page = browser_page
    violations = _watch_for_violations(page)

    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Renkei API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock")  # the operations, read from the schema by the script
    page.screenshot(path=str(ARTIFACTS / "csp-swagger-ui.png"), full_page=False)

    for path in ("/", "/events/", f"/events/{event.pk}/", f"/events/{event.pk}/register/"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("load")

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("メールアドレス").fill(tenant_a.users["officer"].email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    secret = tenant_a.totp_secrets["officer"]
    page.get_by_label("コード").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{base}/dashboard/")  # an officer lands on the dashboard (issue 12)
    page.goto(f"{base}/admin/events/event/add/")
    page.wait_for_load_state("load")
    # The admin's own scripts ran: its date-time shortcuts are added by admin/js.
    page.wait_for_selector(".datetimeshortcuts")
    page.screenshot(path=str(ARTIFACTS / "csp-admin-event-add.png"), full_page=False)
    page.goto(f"{base}/admin/events/event/")
    page.wait_for_load_state("load")
    assert violations == []
