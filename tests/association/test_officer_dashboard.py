"""The officers' dashboard leads with what needs doing: this month's deadline, who has not
filed with a one-click reminder (once a day per month), applications and reports waiting;
the same queries and rows for 20 offices as for 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from association.dashboard import filing_month_due
from kpis.models import ReminderSent
from members.models import Office, OfficeStatus
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Queries run and rows fetched (the cursor's rowcount after each SELECT)."""
    seen = {"queries": 0, "rows": 0}

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any):
        result = execute(sql, params, many, context)
        seen["queries"] += 1
        if sql.lstrip().upper().startswith("SELECT"):
            seen["rows"] += max(context["cursor"].rowcount, 0)
        return result

    with connection.execute_wrapper(wrapper):
        yield seen


def _add_offices(tenant: Tenant, count: int, start: int = 0) -> None:
    """Approved offices without filings (all late), added in bulk: the page must not care."""
    with scope(association=tenant.association.pk):
        template = tenant.offices[0]
        Office.objects.bulk_create(
            Office(
                association=tenant.association,
                corporation_id=template.corporation_id,
                name=f"追加事業所{number}",
                kana=f"ツイカ{number}",
                provider_number=f"29{number:08d}",
                status=OfficeStatus.APPROVED,
                email=f"office{number}@example.jp",
            )
            for number in range(start, start + count)
        )


def _dashboard(tenant: Tenant) -> tuple[Any, dict[str, int]]:
    client = client_for(tenant, tenant.users["officer"])
    client.get(reverse("association:dashboard"))  # warm the session and caches
    with counting() as seen:
        response = client.get(reverse("association:dashboard"))
    assert response.status_code == 200
    return response, seen


def test_same_queries_and_rows_for_20_and_500_offices(tenant_a: Tenant) -> None:
    _add_offices(tenant_a, 17)
    small, small_seen = _dashboard(tenant_a)
    assert small.context["todo"].not_filed == 20
    _add_offices(tenant_a, 480, start=17)
    large, large_seen = _dashboard(tenant_a)
    assert large.context["todo"].not_filed == 500
    assert large_seen == small_seen, (small_seen, large_seen)
    assert "500" in large.content.decode()


def test_leads_with_what_needs_doing(tenant_a: Tenant) -> None:
    response, _seen = _dashboard(tenant_a)
    page = response.content.decode()
    todo = response.context["todo"]
    assert page.index('id="todo-heading"') < page.index('id="offices-heading"')
    assert todo.deadline_label in page and "年（" in todo.deadline_label  # 和暦 (western)
    assert reverse("association:dashboard_remind") in page
    assert todo.office_applications == 1  # one office applies in tenant_a
    # Officers decide on offices applying for membership: each is linked to its decision page
    # (job applicants, by contrast, are counted only).
    pending = tenant_a.offices[-1]
    assert pending.status == OfficeStatus.APPLIED
    assert reverse("members:decide", args=[pending.pk]) in page


def test_leaders_do_not_get_the_officers_panel(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["leader"])
    response = client.get(reverse("association:dashboard"))
    assert response.status_code == 200
    assert "todo" not in response.context
    refused = client.post(reverse("association:dashboard_remind"))
    assert refused.status_code == 403


def test_one_click_reminder_once_a_day(
    tenant_a: Tenant, django_capture_on_commit_callbacks
) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    month = filing_month_due(timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("association:dashboard_remind"), follow=True)
    assert response.status_code == 200
    with scope(association=tenant_a.association.pk):
        reminded = set(ReminderSent.objects.filter(month=month).values_list("office_id", flat=True))
    approved = {o.pk for o in tenant_a.offices if o.status == OfficeStatus.APPROVED}
    page = response.content.decode()
    # Every approved office that has not filed and has someone to write to (the others are
    # tried again later, as by the beat job).
    assert reminded and reminded <= approved
    assert f"{len(reminded)}事業所" in page or f"{len(reminded)} office" in page
    sent_to = {address for message in mail.outbox for address in message.to}
    assert sent_to  # the reminder mail went out after the commit
    assert response.redirect_chain[-1][0].endswith("/dashboard/#todo-heading")
    assert response.context["todo"].reminded_today
    assert "remind" not in page.split('id="todo-heading"')[1].split("</section>")[0].lower()
    # A second click the same day sends nothing and says so.
    before = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("association:dashboard_remind"), follow=True)
    assert len(mail.outbox) == before
    messages = [str(m) for m in again.context["messages"]]
    assert messages and all("tomorrow" in m or "明日" in m for m in messages)
    assert client.get(reverse("association:dashboard_remind")).status_code == 405
