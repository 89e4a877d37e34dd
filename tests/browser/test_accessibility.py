"""axe-core (WCAG 2.0 A and AA rules, the level JIS X 8341-3:2016 AA asks for) on the pages
people use, in headless Chromium, in Japanese and at a phone's width."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from association.models import AssociationDomain
from tests.tenants import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}

PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
# Event pages: "{event}" is the tenant's published job fair (tests/tenants.py).
PUBLIC_PAGES += [
    "/events/",
    "/events/?month=2027-03",
    "/events/{event}/",
    "/events/{event}/register/",
    "/events/cancel/?key=not-a-key",
]
OFFICER_PAGES = [
    "/dashboard/",
    "/members/directory/",
    "/members/register/",
    "/members/roster/",
    "/subcommittees/",
    "/kpis/",
    "/events/{event}/registrations/",
    "/reports/",
    "/reports/viewers/",
]
STAFF_PAGES = [
    "/members/my-offices/",
    "/kpis/offices/{office}/filing/",
    "/kpis/offices/{office}/history/",
    "/kpis/upload/",
]


def session_for(user: object) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
    session.create()
    return str(session.session_key)


def _first_event_pk(tenant: Tenant) -> int:
    from django_scopes import scope

    from events.models import Event

    with scope(association=tenant.association.pk):
        return Event.objects.order_by("pk").values_list("pk", flat=True)[0]


def violations(page: Any, url: str) -> list[str]:
    page.goto(url)
    assert page.url == url, f"{url} redirected to {page.url}"
    results = Axe().run(page, options=WCAG_AA)
    return [
        f"{url}: {violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
    ]


def test_pages_pass_axe_wcag_aa(live_server, tenant_a: Tenant, browser_page) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    officer_session = session_for(tenant_a.users["officer"])
    base = live_server.url.replace("127.0.0.1", "localhost")
    page = browser_page
    found: list[str] = []
    event = _first_event_pk(tenant_a)
    for path in PUBLIC_PAGES:
        found += violations(page, base + path.format(event=event))
    page.context.add_cookies([{"name": "sessionid", "value": officer_session, "url": base}])
    for path in OFFICER_PAGES:
        found += violations(page, base + path.format(event=event))
    page.context.clear_cookies()
    staff_session = session_for(tenant_a.users["office_admin"])
    page.context.add_cookies([{"name": "sessionid", "value": staff_session, "url": base}])
    office = tenant_a.offices[0].pk
    for path in STAFF_PAGES:
        found += violations(page, base + path.format(office=office))
    page.set_viewport_size({"width": 390, "height": 740})
    found += violations(page, base + "/members/directory/")
    found += violations(page, base + f"/kpis/offices/{office}/filing/")
    page.context.clear_cookies()
    # A phone: every public page again (the calendar, the job fair, its registration form; the
    # event page is also where the flyer's QR code leads).
    for path in PUBLIC_PAGES:
        found += violations(page, base + path.format(event=event))
    assert not found, "\n".join(found)


def test_event_pages_readable_at_200_percent(live_server, tenant_a: Tenant, browser_page) -> None:
    """Pages zoomed to 200 % on a 1280 px window need no sideways scroll (JIS X 8341-3 1.4.4),
    and body text starts at 16 px or more."""
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")
    page = browser_page
    event = _first_event_pk(tenant_a)
    for path in ("/events/", f"/events/{event}/", f"/events/{event}/register/"):
        page.goto(base + path)
        normal = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        page.evaluate("document.documentElement.style.zoom = '2'")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px at 200%"
        assert normal >= 16, f"{path}: body text {normal}px"
