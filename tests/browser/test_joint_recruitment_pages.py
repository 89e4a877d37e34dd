"""Officers' joint-recruitment figures and the booth-outcome form on a phone and a desktop:
axe-core finds nothing serious, nothing scrolls sideways (screenshots in test-artifacts/)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_scopes import scope

from association.models import AssociationDomain
from recruitment.models import JobPostingViewDay
from recruitment.services import application_status_set, booth_outcome_record
from tests.browser.test_job_application import DESKTOP, PHONE, _check
from tests.recruitment.jobs import apply, make_posting
from tests.recruitment.test_job_fairs import make_fair
from tests.tenants import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Any, base: str, user: Any) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )


def test_figures_and_booth_outcome_pages(live_server, tenant_a: Tenant, browser_page) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")
    today = timezone.localdate()
    _event, booths = make_fair(tenant_a, starts_at=timezone.now() - timedelta(days=2))
    with scope(association=tenant_a.association.pk):
        for index, office in enumerate(tenant_a.offices[:3]):
            posting = make_posting(office, title=f"介護職員{index}")
            JobPostingViewDay.objects.create(posting=posting, day=today, count=120 + index)
            application, _key = apply(posting, email=f"p{index}@example.com")
            application_status_set(
                application=application, status="hired", happened_on=today, by=None
            )
        booth_outcome_record(booth=booths[0], interviews=4, hires=2, by=None)
    page = browser_page
    found: list[str] = []
    _log_in(page, base, tenant_a.users["officer"])
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        page.goto(f"{base}/recruitment/figures/")
        assert "共同採用の実績" in page.content()
        _check(page, f"recruit-figures-{name}", found)
    page.context.clear_cookies()
    _log_in(page, base, tenant_a.users["office_admin"])
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        page.goto(f"{base}/recruitment/booths/{booths[0].pk}/outcome/")
        assert "採用した職種" in page.content()
        _check(page, f"recruit-booth-outcome-{name}", found)
    assert not found, found
