"""The accessibility statement shows what `manage.py accessibility_audit` found: axe-core run
in Chromium against a live server, its results stored and rendered, none typed by hand."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope

from association.models import AccessibilityAudit, AssociationDomain
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_statement_before_any_audit(tenant_a: Tenant) -> None:
    """No run yet: the target is stated, no conformance is claimed, and the footer links here."""
    with scope(association=tenant_a.association.pk):
        AccessibilityAudit.objects.all().delete()  # the test tenant comes with one run
    html = client_for(tenant_a).get("/accessibility/").content.decode()
    assert "JIS X 8341-3:2016" in html
    assert "配慮（試験は未実施）" in html
    assert "一部準拠" not in html
    home = client_for(tenant_a).get("/").content.decode()
    assert 'href="/accessibility/"' in home


def test_audit_command_results_on_the_statement(live_server: Any, tenant_a: Tenant) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    try:
        call_command(
            "accessibility_audit",
            association="alpha",
            base_url=base,
            paths=["/", "/events/", "/no-such-page/"],
        )
    finally:
        from django.db import connections

        connections.close_all()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    with scope(association=tenant_a.association.pk):
        audit = AccessibilityAudit.objects.latest("ran_at")  # the tenant came with an older one
    # The events list led to the first event and its registration form.
    tested = {(e["path"], e["width"]) for e in audit.results}
    event = next(p for p, _ in tested if re.fullmatch(r"/events/\d+/", p))
    for path in ("/", "/events/", event, event + "register/", "/no-such-page/"):
        assert {(path, 390), (path, 1280)} <= tested, path
    assert re.fullmatch(r"\d+\.\d+\.\d+", audit.axe_version)
    missing = next(e for e in audit.results if e["path"] == "/no-such-page/")
    assert missing["status"] == 404

    html = client_for(tenant_a).get("/accessibility/").content.decode()
    assert "適合レベルAAに一部準拠" in html
    day = timezone.localtime(audit.ran_at)
    assert f"{day.year}年{day.month}月{day.day}日" in html  # the test date, in Asia/Tokyo
    assert f"axe-core {audit.axe_version}" in html
    for entry in audit.results:
        if "counts" in entry:
            # Each page × width's row shows its four counts, as recorded.
            counts = "".join(
                rf'\s*<td class="num" data-label="[^"]+">{entry["counts"][impact]}</td>'
                for impact in ("critical", "serious", "moderate", "minor")
            )
            row = (
                rf"<code>{re.escape(entry['path'])}</code></th>\s*<td[^>]*>{entry['width']} px</td>"
            )
            assert re.search(row + counts, html), (entry, html)
    assert "試験できませんでした（HTTP 404）" in html
