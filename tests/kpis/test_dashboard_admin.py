"""Officers set targets, benchmarks and filing rules in the admin; filings there are read-only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from kpis.models import KpiSettings, KpiTarget, NationalBenchmark, StaffingChange, StaffingReport
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def test_officer_adds_a_target_and_a_duplicate_is_refused(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    url = reverse("admin:kpis_kpitarget_add")
    with scope(association=tenant_a.association.pk):
        tsusho = Subcommittee.objects.get(kind=SubcommitteeKind.TSUSHO)
    data = {
        "subcommittee": tsusho.pk,
        "fiscal_year": 2026,
        "metric": "hire_rate",
        "at_most": "",
        "value": "16.0",
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    # The association-wide one is another target; B's same target does not block A's.
    with scope(association=tenant_b.association.pk):
        KpiTarget.objects.create(
            association=tenant_b.association, fiscal_year=2026, metric="hire_rate", value=1
        )
    assert client.post(url, {**data, "subcommittee": ""}).status_code == 302
    with scopes_disabled():
        targets = KpiTarget.objects.filter(fiscal_year=2026, metric="hire_rate")
        assert {(t.association_id, t.subcommittee_id) for t in targets} == {
            (tenant_a.association.pk, tsusho.pk),
            (tenant_a.association.pk, None),
            (tenant_b.association.pk, None),
        }


def test_officer_edits_a_national_benchmark(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    with scope(association=tenant_a.association.pk):
        benchmark = NationalBenchmark.objects.get(survey_year=2023, metric="separation_rate")
    url = reverse("admin:kpis_nationalbenchmark_change", args=[benchmark.pk])
    response = client.post(
        url,
        {"survey_year": 2023, "metric": "separation_rate", "value": "13.6", "source": "別の資料"},
    )
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        benchmark.refresh_from_db()
    assert benchmark.value == Decimal("13.6")
    # Another year's figure for the same rate cannot be moved onto an existing one.
    response = client.post(
        url, {"survey_year": 2019, "metric": "separation_rate", "value": "1.0", "source": ""}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()


def test_kpi_settings_are_edited_not_added_or_deleted(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    with scope(association=tenant_a.association.pk):
        settings = KpiSettings.objects.get()
    assert client.get(reverse("admin:kpis_kpisettings_add")).status_code == 403
    delete = reverse("admin:kpis_kpisettings_delete", args=[settings.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    url = reverse("admin:kpis_kpisettings_change", args=[settings.pk])
    fields = {"jump_threshold_percent": 20, "reminder_days_before": 3}
    response = client.post(url, {"deadline_day": 0, **fields})
    assert response.status_code == 200  # refused: no day 0
    assert client.post(url, {"deadline_day": 15, **fields}).status_code == 302
    with scope(association=tenant_a.association.pk):
        assert KpiSettings.objects.get().deadline_day == 15


@pytest.mark.parametrize("model", [StaffingReport, StaffingChange])
def test_filings_are_read_only_in_the_admin(tenant_a: Tenant, model: Any) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    name = model._meta.model_name
    with scope(association=tenant_a.association.pk):
        obj = model.objects.order_by("pk").first()
        report = StaffingReport.objects.get()
    assert obj is not None
    assert client.get(reverse(f"admin:kpis_{name}_add")).status_code == 403
    change = reverse(f"admin:kpis_{name}_change", args=[obj.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {"comment": "changed", "reason": "changed"}).status_code == 403
    delete = reverse(f"admin:kpis_{name}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    with scope(association=tenant_a.association.pk):
        assert model.objects.filter(pk=obj.pk).exists()
        assert StaffingReport.objects.get().version == report.version


def test_filing_page_shows_its_rows_and_history(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    with scope(association=tenant_a.association.pk):
        report = StaffingReport.objects.get()
    html = client.get(reverse("admin:kpis_staffingreport_change", args=[report.pk])).content
    text = html.decode()
    # The row (10 care workers) and the submission by office staff, read-only.
    assert "care_worker" in text or "介護職員" in text or "Care worker" in text
    assert "office_staff@alpha.example" in text
    assert 'name="rows-0-headcount_end"' not in text
