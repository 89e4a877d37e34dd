"""Issue 12: an officer's build request returns at once and the report page says where the
build stands (queued → building with its step → draft, or failed with a way to try again),
the same in the flash message, the status and the polled fragment."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from reports.models import MonthlyReport
from reports.services import PAUSE_ENV
from tests.conftest import client_for
from tests.tenants import Tenant

AUGUST = date(2026, 8, 1)


def _only_report(tenant: Tenant) -> MonthlyReport:
    with scope(association=tenant.association.pk):
        return MonthlyReport.objects.get(month=AUGUST, kind="retention")


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_request_returns_before_the_build_and_the_page_follows_it(
    tenant_a: Tenant, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` has no Redis: the build runs beside the request (it blocked it ~10 s)."""
    settings.REDIS_URL = ""
    monkeypatch.setenv(PAUSE_ENV, "2")  # a build that is visibly under way for a while
    officer = client_for(tenant_a, tenant_a.users["officer"])
    started = time.monotonic()
    response = officer.post(reverse("reports:build"), {"month": "2026-08", "kind": "retention"})
    answered = time.monotonic() - started
    report = _only_report(tenant_a)
    assert response.status_code == 302
    assert report.status == "building", "built inside the request"
    page = officer.get(response["Location"]).content.decode()
    assert "作成を受け付けました" in page  # the message …
    assert 'data-state="queued"' in page or 'data-state="building"' in page  # … and the status
    assert "下書き" not in page.split('id="report-progress"')[1].split("</div>")[0]
    assert 'src="/static/js/report-progress.js"' in page

    progress_url = reverse("reports:progress", kwargs={"monthly_report_pk": report.pk})
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        fragment = officer.get(progress_url)
        assert fragment["Cache-Control"] == "private, no-store"
        html = fragment.content.decode()
        state = html.split('data-state="')[1].split('"')[0]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == "draft":
            break
        time.sleep(0.2)
    assert seen[-1] == "draft", seen
    assert seen[0] in ("queued", "building")
    for thread in threading.enumerate():
        if thread.name == f"report-{report.pk}-build":
            thread.join(timeout=30)
    built = _only_report(tenant_a)
    assert (built.status, built.progress, built.attempts) == ("draft", 100, 1)
    page = officer.get(response["Location"]).content.decode()
    assert reverse("reports:pdf", kwargs={"monthly_report_pk": report.pk}) in page
    assert "report-progress.js" not in page  # nothing left to follow
    print(f"build request answered in {answered:.2f} s")  # the measured figure


@pytest.mark.django_db
def test_the_fragment_names_the_state_and_step(tenant_a: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    with scopes_disabled():
        report = MonthlyReport.objects.create(
            association=tenant_a.association,
            month=AUGUST,
            kind="retention",
            revision=1,
            queued_at=timezone.now(),
        )
    url = reverse("reports:progress", kwargs={"monthly_report_pk": report.pk})

    def fragment(**fields: Any) -> str:
        with scopes_disabled():
            MonthlyReport.objects.filter(pk=report.pk).update(**fields)
        return officer.get(url).content.decode()

    queued = fragment()
    assert 'data-state="queued"' in queued and "待機中" in queued
    building = fragment(started_at=timezone.now(), heartbeat_at=timezone.now(), progress=25)
    assert 'data-state="building"' in building and "作成中" in building
    assert "PDF" in building and 'value="25"' in building
    failed = fragment(status="failed", error="RuntimeError: boom")
    assert 'data-state="failed"' in failed and "失敗" in failed
    detail = officer.get(reverse("reports:detail", kwargs={"monthly_report_pk": report.pk}))
    page = detail.content.decode()
    assert "もう一度作成" in page and "report-progress.js" not in page
