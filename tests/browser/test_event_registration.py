"""A citizen registers with the keyboard only, then cancels with the link from the email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_scopes import scope

from association.models import AssociationDomain
from events.models import Event, Registration, RegistrationStatus
from tests.browser.conftest import ARTIFACTS
from tests.tenants import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_only_registration_then_cancel(
    live_server, tenant_a: Tenant, browser_page
) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")
    with scope(association=tenant_a.association.pk):
        event = Event.objects.order_by("pk").first()
    assert event is not None
    mail.outbox.clear()
    page = browser_page
    page.goto(f"{base}/events/{event.pk}/register/")
    assert "アルファ就職フェア" in page.inner_text("main")

    # Keyboard only: Tab to the name field, type, Tab onwards, Enter to submit.
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "name":
            break
    assert page.evaluate("document.activeElement.name") == "name"
    page.keyboard.type("鍵盤花子")
    page.keyboard.press("Tab")
    page.keyboard.type("けんばんはなこ")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "email"
    page.keyboard.type("hanako@example.jp")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "phone"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "party_size"
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.wait_for_timeout(3000)  # a person takes longer than the form's minimum fill time
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/events/registration/\?key=.*"))
    assert "確定" in page.inner_text("main") or "Confirmed" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "event-registration-done.png"), full_page=True)

    with scope(association=tenant_a.association.pk):
        registration = Registration.objects.get(name="鍵盤花子")
    assert registration.party_size == 2 and registration.status == RegistrationStatus.CONFIRMED

    # The cancel link from the confirmation email, with no account.
    message = next(m for m in mail.outbox if m.to == ["hanako@example.jp"])
    link = re.search(r"https?://\S+/events/cancel/\?key=\S+", str(message.body))
    assert link, message.body
    page.goto(link.group(0))
    assert "鍵盤花子" in page.inner_text("main")
    page.get_by_role("button", name=re.compile("キャンセル|Cancel")).press("Enter")
    page.wait_for_load_state()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
