"""The city's report pages and the officers' controls: /reports/ and its downloads."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from association.models import Role, RoleKind
from association.services import role_grant
from core.calendar import wareki_month
from members.models import Invitation
from reports.models import MonthlyReport
from tests.conftest import client_for
from tests.tenants import Tenant, make_user

pytestmark = pytest.mark.django_db


def _report(
    tenant: Tenant,
    *,
    month: date,
    kind: str = "recruitment",
    status: str = "published",
    revision: int = 1,
    data: Any = None,
    files: bool = True,
) -> MonthlyReport:
    with scopes_disabled():
        report = MonthlyReport(
            association=tenant.association,
            month=month,
            kind=kind,
            revision=revision,
            status=status,
            data=data,
        )
        if files:
            report.pdf.save("r.pdf", ContentFile(f"%PDF {tenant.marker}".encode()), save=False)
            report.xlsx.save("r.xlsx", ContentFile(b"PK\x03\x04 xlsx"), save=False)
        report.save()
    return report


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_city_viewer_sees_only_published_reports(tenant_a: Tenant) -> None:
    published = _report(tenant_a, month=date(2026, 7, 1))
    draft = _report(tenant_a, month=date(2026, 6, 1), kind="retention", status="draft")
    city = client_for(tenant_a, tenant_a.users["city"])
    page = city.get(reverse("reports:list")).content.decode()
    assert wareki_month(date(2026, 7, 1)) == "令和8年（2026年）7月"
    assert "令和8年（2026年）7月" in page
    assert reverse("reports:pdf", kwargs={"monthly_report_pk": published.pk}) in page
    assert reverse("reports:xlsx", kwargs={"monthly_report_pk": published.pk}) in page
    assert reverse("reports:pdf", kwargs={"monthly_report_pk": draft.pk}) not in page
    assert "令和8年（2026年）6月" not in page
    assert reverse("reports:build") not in page
    assert reverse("mfa_index") in page  # two-factor for city viewers
    # Newest month first.
    older = _report(tenant_a, month=date(2025, 12, 1))
    page = city.get(reverse("reports:list")).content.decode()
    assert page.index("令和8年（2026年）7月") < page.index("令和7年（2025年）12月")
    assert reverse("reports:pdf", kwargs={"monthly_report_pk": older.pk}) in page
    # The draft's pages are not there for the city.
    for name in ("detail", "figures", "pdf", "xlsx"):
        url = reverse(f"reports:{name}", kwargs={"monthly_report_pk": draft.pk})
        assert city.get(url).status_code == 404, name


def test_officer_sees_drafts_building_and_failed(tenant_a: Tenant) -> None:
    draft = _report(tenant_a, month=date(2026, 6, 1), status="draft")
    building = _report(tenant_a, month=date(2026, 6, 1), kind="retention", status="building")
    with scopes_disabled():
        # Started by a worker (a build not started yet reads "queued", tests/reports/
        # test_report_progress.py).
        MonthlyReport.objects.filter(pk=building.pk).update(
            progress=40, started_at=timezone.now(), heartbeat_at=timezone.now()
        )
    failed = _report(tenant_a, month=date(2026, 5, 1), status="failed", files=False)
    officer = client_for(tenant_a, tenant_a.users["officer"])
    page = officer.get(reverse("reports:list")).content.decode()
    for report in (draft, building, failed):
        assert reverse("reports:detail", kwargs={"monthly_report_pk": report.pk}) in page
    assert reverse("reports:publish", kwargs={"monthly_report_pk": draft.pk}) in page
    assert "(40%)" in page
    assert reverse("reports:build") in page
    detail = officer.get(reverse("reports:detail", kwargs={"monthly_report_pk": building.pk}))
    text = detail.content.decode()
    assert 'value="40"' in text and "<progress" in text
    assert 'http-equiv="refresh"' not in text.lower()
    # Followed in place by a script file (no inline script), with a button without script.
    assert "<script" not in text.split("<main", 1)[1]
    assert "report-progress.js" in text and "状態を更新" in text


def test_downloads_stream_the_file_with_a_japanese_name(tenant_a: Tenant) -> None:
    report = _report(tenant_a, month=date(2026, 7, 1), kind="retention", revision=2)
    city = client_for(tenant_a, tenant_a.users["city"])
    response = city.get(reverse("reports:pdf", kwargs={"monthly_report_pk": report.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _body(response) == f"%PDF {tenant_a.marker}".encode()
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="renkei-retention-2026-07-r2.pdf"' in disposition
    name = f"{tenant_a.association.name}_定着状況報告書_令和8年（2026年）7月_第2版.pdf"
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert "no-store" in response["Cache-Control"]
    response = city.get(reverse("reports:xlsx", kwargs={"monthly_report_pk": report.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert _body(response) == b"PK\x03\x04 xlsx"
    assert ".xlsx" in response["Content-Disposition"]


def test_drafts_download_for_officers_only(tenant_a: Tenant) -> None:
    draft = _report(tenant_a, month=date(2026, 7, 1), status="draft")
    url = reverse("reports:pdf", kwargs={"monthly_report_pk": draft.pk})
    assert client_for(tenant_a, tenant_a.users["city"]).get(url).status_code == 404
    assert client_for(tenant_a, tenant_a.users["office_admin"]).get(url).status_code == 403
    assert client_for(tenant_a).get(url).status_code == 302
    assert client_for(tenant_a, tenant_a.users["officer"]).get(url).status_code == 200
    # No file stored: 404, not an error.
    empty = _report(tenant_a, month=date(2026, 5, 1), files=False)
    url = reverse("reports:xlsx", kwargs={"monthly_report_pk": empty.pk})
    assert client_for(tenant_a, tenant_a.users["city"]).get(url).status_code == 404


def test_another_associations_report_is_404(tenant_a: Tenant, tenant_b: Tenant) -> None:
    theirs = _report(tenant_b, month=date(2026, 7, 1))
    for who in ("city", "officer"):
        client = client_for(tenant_a, tenant_a.users[who])
        for name in ("detail", "figures", "pdf", "xlsx", "publish"):
            url = reverse(f"reports:{name}", kwargs={"monthly_report_pk": theirs.pk})
            response = client.get(url)
            expected = {403} if (who, name) == ("city", "publish") else {404}
            assert response.status_code in expected, (who, name, response.status_code)
    # B's city viewer on A's host is no member of A.
    url = reverse("reports:pdf", kwargs={"monthly_report_pk": theirs.pk})
    assert client_for(tenant_a, tenant_b.users["city"]).get(url).status_code == 403
    # On B's own host, B's city viewer gets it.
    assert client_for(tenant_b, tenant_b.users["city"]).get(url).status_code == 200


def test_city_viewer_cannot_build_or_publish(tenant_a: Tenant) -> None:
    draft = _report(tenant_a, month=date(2026, 7, 1), status="draft")
    city = client_for(tenant_a, tenant_a.users["city"])
    response = city.post(reverse("reports:build"), {"month": "2026-08", "kind": "recruitment"})
    assert response.status_code == 403
    publish = reverse("reports:publish", kwargs={"monthly_report_pk": draft.pk})
    assert city.post(publish, {"notify": "on"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_officer_builds_a_month(tenant_a: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    assert officer.get(reverse("reports:build")).status_code == 200
    response = officer.post(reverse("reports:build"), {"month": "2026-08", "kind": "recruitment"})
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        report = MonthlyReport.objects.get(month=date(2026, 8, 1), kind="recruitment")
    assert report.status == "building"
    assert report.requested_by == tenant_a.users["officer"]
    assert response["Location"] == reverse(
        "reports:detail", kwargs={"monthly_report_pk": report.pk}
    )
    page = officer.get(response["Location"]).content.decode()
    assert "<progress" in page
    # A bad month is a form error, not a build.
    response = officer.post(reverse("reports:build"), {"month": "2026-13", "kind": "recruitment"})
    assert response.status_code == 200
    assert 'id="form-errors"' in response.content.decode()


def test_officer_publishes_and_emails_each_city_viewer(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    second = make_user("second-city@alpha.example")
    role_grant(association=tenant_a.association, user=second, kind=RoleKind.CITY_VIEWER)
    draft = _report(tenant_a, month=date(2026, 7, 1), status="draft")
    officer = client_for(tenant_a, tenant_a.users["officer"])
    url = reverse("reports:publish", kwargs={"monthly_report_pk": draft.pk})
    assert officer.get(url).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(url, {"notify": "on"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_by == tenant_a.users["officer"]
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([tenant_a.users["city"].email, second.email])
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert "令和8年（2026年）7月" in mail.outbox[0].subject
    assert "/reports/" in mail.outbox[0].body
    # Now the city sees it; publishing again is refused with a message, not an error.
    city_page = client_for(tenant_a, tenant_a.users["city"]).get(reverse("reports:list"))
    assert (
        reverse("reports:pdf", kwargs={"monthly_report_pk": draft.pk}) in city_page.content.decode()
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(url, {"notify": "on"})
    assert response.status_code == 200
    assert not mail.outbox


def test_publish_without_email(tenant_a: Tenant, django_capture_on_commit_callbacks: Any) -> None:
    draft = _report(tenant_a, month=date(2026, 7, 1), status="draft")
    officer = client_for(tenant_a, tenant_a.users["officer"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(reverse("reports:publish", kwargs={"monthly_report_pk": draft.pk}), {})
    draft.refresh_from_db()
    assert draft.status == "published"
    assert not mail.outbox


def _figures_data() -> dict[str, Any]:
    """A snapshot in reports/content.py's shape: one cell from two offices; the association
    is 居宅 plus offices not shown (so 居宅 cannot be worked out from it)."""
    return {
        "title": "採用状況報告書",
        "summary": [
            {"key": "hires_month", "label": "当月の採用者数", "unit": "人", "format": "int"}
            | {"value": 5555, "offices": 2, "id": "summary"},
        ],
        "sections": [
            {
                "key": "hires_by_job",
                "title": "職種別の採用者数",
                "tables": [
                    {
                        "key": "hires_by_job",
                        "title": "職種別の採用者数",
                        "period": "",
                        "row_header": "部会",
                        "columns": [{"key": "hires", "label": "採用者数", "format": "int"}],
                        "rows": [
                            {
                                "label": "連絡会全体",
                                "whole": True,
                                "cells": [{"value": 6789, "offices": 5, "id": "whole"}],
                            },
                            {
                                "label": "居宅部会",
                                "whole": False,
                                "cells": [{"value": 4321, "offices": 2, "id": "kyotaku"}],
                            },
                        ],
                        "note": "",
                    }
                ],
            }
        ],
        "trends": {
            "24": [
                {
                    "month": f"2026-{m:02d}-01",
                    "separation_rate": {"value": "12.5", "offices": 5, "id": f"s{m}"},
                    "hire_rate": {
                        "value": "14.0",
                        "offices": 5 if m > 3 else 2,
                        "id": f"h{m}",
                    },
                    "offices": {"value": 5, "offices": 5, "public": True},
                }
                for m in range(1, 8)
            ]
        },
        "notes": ["採用率＝期間中の採用者数÷期間開始時の職員数×100。"],
        "disclosure": {
            "quantities": {
                "summary": [5555, 2, "d"],
                "whole": [6789, 5, "d"],
                "kyotaku": [4321, 2, "d"],
                "others": [2468, 3, ""],
                **{f"s{m}": ["12.5", 5, "d"] for m in range(1, 8)},
                **{f"h{m}": ["14.0", 5 if m > 3 else 2, "d"] for m in range(1, 8)},
            },
            "sums": [["whole", ["kyotaku", "others"]]],
            "rates": [],
        },
    }


def test_figures_are_suppressed_for_the_city_not_for_officers(tenant_a: Tenant) -> None:
    assert tenant_a.association.suppression_threshold == 3
    report = _report(tenant_a, month=date(2026, 7, 1), data=_figures_data())
    url = reverse("reports:figures", kwargs={"monthly_report_pk": report.pk})
    city = client_for(tenant_a, tenant_a.users["city"]).get(url).content.decode()
    assert "6,789" in city  # five offices: shown
    assert "4,321" not in city and "5,555" not in city  # two offices: suppressed
    assert '<span aria-hidden="true">*</span>' in city
    assert "3事業所未満" in city  # the suppression note
    assert "<svg" in city and "polyline" in city
    assert "2,468" not in city and "disclosure" not in city  # the basis never reaches the city
    officer = client_for(tenant_a, tenant_a.users["officer"]).get(url).content.decode()
    assert "6,789" in officer and "4,321" in officer and "5,555" in officer
    assert '<span aria-hidden="true">*</span>' not in officer


def test_a_snapshot_without_its_basis_shows_the_city_no_staff_figure(tenant_a: Tenant) -> None:
    """Built before complementary suppression: its relations are unknown, so with any small
    cell nothing but public figures is shown."""
    data = _figures_data()
    del data["disclosure"]
    report = _report(tenant_a, month=date(2026, 6, 1), data=data)
    url = reverse("reports:figures", kwargs={"monthly_report_pk": report.pk})
    city = client_for(tenant_a, tenant_a.users["city"]).get(url).content.decode()
    assert "6,789" not in city and "4,321" not in city and "5,555" not in city
    assert "3事業所未満" in city


def test_figures_page_renders_whatever_the_data(tenant_a: Tenant) -> None:
    from reports.content import report_content

    city = client_for(tenant_a, tenant_a.users["city"])
    officer = client_for(tenant_a, tenant_a.users["officer"])
    month = date(2026, 9, 1)
    samples: list[Any] = [None, {}, {"sections": "nonsense", "summary": [1, None]}, [1, 2]]
    for kind in ("recruitment", "retention"):
        import json

        from django.core.serializers.json import DjangoJSONEncoder

        content = report_content(association=tenant_a.association, month=month, kind=kind)
        samples.append(json.loads(json.dumps(content, cls=DjangoJSONEncoder)))
    for index, data in enumerate(samples):
        report = _report(tenant_a, month=date(2020, index + 1, 1), data=data)
        url = reverse("reports:figures", kwargs={"monthly_report_pk": report.pk})
        for client in (city, officer):
            response = client.get(url)
            assert response.status_code == 200, (index, response.status_code)
    # The real snapshot: one filing office, so the city sees the counts suppressed.
    page = city.get(url).content.decode()
    assert "定着状況報告書" in page and '<span aria-hidden="true">*</span>' in page


def test_officer_manages_city_viewers(tenant_a: Tenant, tenant_b: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    url = reverse("reports:viewers")
    page = officer.get(url).content.decode()
    assert tenant_a.users["city"].email in page
    # Someone with a confirmed account (here: B's officer) becomes a city viewer of A.
    newcomer = tenant_b.users["officer"]
    response = officer.post(url, {"action": "invite", "email": newcomer.email.upper()})
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        role = Role.objects.get(user=newcomer, kind=RoleKind.CITY_VIEWER)
    assert client_for(tenant_a, newcomer).get(reverse("reports:list")).status_code == 200
    # An address without an account: an invitation (tests/kpis/test_city_invitation.py), no role.
    response = officer.post(url, {"action": "invite", "email": "nobody@example.jp"})
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        assert Invitation.objects.filter(email="nobody@example.jp", kind="city_viewer").exists()
        assert not Role.objects.filter(user__email="nobody@example.jp").exists()
    # Revoke.
    response = officer.post(url, {"action": "revoke", "role": role.pk})
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        assert not Role.objects.filter(user=newcomer, kind=RoleKind.CITY_VIEWER).exists()
    assert client_for(tenant_a, newcomer).get(reverse("reports:list")).status_code == 403
    # An officer role cannot be revoked here.
    with scope(association=tenant_a.association.pk):
        officer_role = Role.objects.get(user=tenant_a.users["officer"], kind=RoleKind.OFFICER)
    assert officer.post(url, {"action": "revoke", "role": officer_role.pk}).status_code == 404
    # City viewers cannot manage viewers.
    assert client_for(tenant_a, tenant_a.users["city"]).get(url).status_code == 403


def test_nav_links(tenant_a: Tenant) -> None:
    link = f'href="{reverse("reports:list")}"'
    assert link in client_for(tenant_a, tenant_a.users["city"]).get("/reports/").content.decode()
    dashboard = client_for(tenant_a, tenant_a.users["officer"]).get(
        reverse("association:dashboard")
    )
    assert link in dashboard.content.decode()
    directory = client_for(tenant_a, tenant_a.users["office_admin"]).get(
        reverse("members:directory")
    )
    assert link not in directory.content.decode()
