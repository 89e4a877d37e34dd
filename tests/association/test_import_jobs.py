"""Large spreadsheets are applied in the background (inline here: no worker) and followed on a
progress page only their uploader can see; a failure saves nothing and says why."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope

from association.models import ImportJob, ImportJobStatus
from core.calendar import month_start
from kpis.models import StaffingReport
from members.models import Office
from tests.conftest import client_for
from tests.tenants import Tenant, provider_number

pytestmark = pytest.mark.django_db

ROSTER_HEADERS = ["法人名", "事業所名", "介護保険事業所番号", "サービス種類コード"]
FILING_HEADERS = [
    "介護保険事業所番号",
    "対象月",
    "職種",
    "雇用形態",
    "月初職員数",
    "採用者数",
    "離職者数",
    "うち採用後1年以内の離職者数",
    "月末職員数",
]
JOBS = [("介護職員", "正規"), ("介護職員", "非正規"), ("看護職員", "正規"), ("看護職員", "非正規")]


def csv_bytes(headers: list[str], lines: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(lines)
    return buffer.getvalue().encode("utf-8")


def roster_lines(tenant: Tenant, count: int) -> list[list[Any]]:
    """New offices of the tenant's own corporation, in district 30 (the tenants use 20, 22)."""
    return [
        [f"{tenant.marker}福祉会", f"新規事業所{i}", provider_number("30", i), "43"]
        for i in range(1, count + 1)
    ]


def filing_lines(tenant: Tenant) -> list[list[Any]]:
    """This month, four lines for each of the three approved offices: twelve lines."""
    month = f"{month_start(timezone.localdate()):%Y-%m}"
    return [
        [office.provider_number, month, job, employment, "5", "0", "0", "0", "5"]
        for office in tenant.offices[:3]
        for job, employment in JOBS
    ]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def preview_and_apply(
    client: Any, prefix: str, name: str, data: bytes, language: str = "ja"
) -> Any:
    """Upload on the preview page, then apply what it shows; returns the apply's response."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    preview = client.post(reverse(f"{prefix}_preview"), {"file": upload(name, data)})
    assert preview.status_code == 200, preview.content.decode()[:2000]
    assert preview.context["in_background"]
    assert not preview.context["plan"].has_errors
    return client.post(
        reverse(f"{prefix}_apply"),
        {"upload": preview.context["token"], "fingerprint": preview.context["plan"].fingerprint},
    )


@pytest.fixture
def background_above_ten_rows(settings: Any) -> None:
    settings.SPREADSHEET_BACKGROUND_ROWS = 10


def offices_of(tenant: Tenant) -> set[str]:
    with scope(association=tenant.association.pk):
        return set(Office.objects.values_list("provider_number", flat=True))


def test_a_large_roster_is_applied_by_a_job_the_officer_follows(
    tenant_a: Tenant,
    background_above_ten_rows: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    lines = roster_lines(tenant_a, 12)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = preview_and_apply(
            client, "members:roster", "meibo.csv", csv_bytes(ROSTER_HEADERS, lines)
        )
    assert len(queued) == 1  # the job's task, queued once the job was committed
    with scope(association=tenant_a.association.pk):
        job = ImportJob.objects.filter(kind="roster").latest("pk")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('members:roster_progress')}?job={job.pk}"
    assert (job.status, job.rows, bytes(job.data)) == (ImportJobStatus.DONE, 12, b"")
    assert job.counts == {"create": 12, "update": 0, "unchanged": 0, "error": 0}
    assert {line[2] for line in lines} <= offices_of(tenant_a)

    with translation.override("en"):
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in html  # done: nothing left to follow
    assert '<progress max="100" value="100">' in html
    assert "Roster imported from meibo.csv: 12 offices registered" in html
    # Without a job id the page shows the officer's latest job.
    assert client.get(reverse("members:roster_progress")).context["job"] == job


def test_a_failing_background_apply_saves_nothing_and_says_why(
    tenant_a: Tenant,
    background_above_ten_rows: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The eighth new office fails (a registration meanwhile): the seven before roll back."""
    from members import roster

    real_office_create = roster.office_create
    calls: list[str] = []

    def office_create_failing_on_the_eighth(**kwargs: Any) -> Office:
        calls.append(kwargs["provider_number"])
        if len(calls) == 8:
            raise ValidationError({"provider_number": ["already held by 別の事業所"]})
        return real_office_create(**kwargs)

    monkeypatch.setattr(roster, "office_create", office_create_failing_on_the_eighth)
    before = offices_of(tenant_a)
    client = client_for(tenant_a, tenant_a.users["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = preview_and_apply(
            client,
            "members:roster",
            "meibo.csv",
            csv_bytes(ROSTER_HEADERS, roster_lines(tenant_a, 12)),
            language="en",  # the job writes its messages in the uploader's language
        )
    with translation.override("en"):
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert len(calls) == 8
    assert offices_of(tenant_a) == before
    job = page.context["job"]
    assert job.status == ImportJobStatus.FAILED
    assert job.errors == ["Row 9, 介護保険事業所番号: already held by 別の事業所"]
    html = page.content.decode()
    assert "Nothing was saved." in html and "already held by 別の事業所" in html


def test_a_large_filing_upload_runs_as_a_job_only_its_uploader_sees(
    tenant_a: Tenant,
    tenant_b: Tenant,
    background_above_ten_rows: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = preview_and_apply(
            client, "kpis:upload", "kpi.csv", csv_bytes(FILING_HEADERS, filing_lines(tenant_a))
        )
    progress = response["Location"]
    assert progress.startswith(reverse("kpis:upload_progress") + "?job=")
    with scope(association=tenant_a.association.pk):
        month = month_start(timezone.localdate())
        reports = StaffingReport.objects.filter(month=month, status="submitted")
        assert sorted(r.rows.count() for r in reports) == [4, 4, 4]
    with translation.override("en"):
        page = client.get(progress, HTTP_ACCEPT_LANGUAGE="en")
    assert "Filings submitted from kpi.csv: 3 new, 0 updated, 0 unchanged." in (
        page.content.decode()
    )

    # Someone else who files for the same office, or a job of the other import, is not found.
    assert client_for(tenant_a, tenant_a.users["office_admin"]).get(progress).status_code == 404
    roster_job = progress.replace(
        reverse("kpis:upload_progress"), reverse("members:roster_progress")
    )
    assert client_for(tenant_a, tenant_a.users["officer"]).get(roster_job).status_code == 404
    # Another association's officer is refused on A's host; B's head office does not find
    # A's job on B's host.
    assert client_for(tenant_a, tenant_b.users["officer"]).get(progress).status_code == 403
    assert client_for(tenant_b, tenant_b.users["corp_admin"]).get(progress).status_code == 404
    assert client.get(f"{reverse('kpis:upload_progress')}?job=x").status_code == 404


def test_small_files_are_still_applied_in_the_request(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    data = csv_bytes(ROSTER_HEADERS, roster_lines(tenant_a, 3))
    preview = client.post(reverse("members:roster_preview"), {"file": upload("m.csv", data)})
    assert not preview.context["in_background"]
    response = client.post(
        reverse("members:roster_apply"),
        {"upload": preview.context["token"], "fingerprint": preview.context["plan"].fingerprint},
    )
    assert response["Location"] == reverse("members:roster")
    with scope(association=tenant_a.association.pk):
        assert not ImportJob.objects.filter(filename="m.csv").exists()
    assert provider_number("30", 3) in offices_of(tenant_a)
