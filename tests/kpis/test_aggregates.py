"""The maintained aggregates against the filings: the figures read from them equal the figures
computed office by office (the computation the dashboard used before, `window_figures` over
`office_months`), with late joiners, gaps, stopped filers, drafts, corrections and offices that
change 部会; the maintained tables equal a rebuild; the command's check fails on a difference.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django_scopes import scope

from core.calendar import add_months, months_between
from kpis.aggregates import kpi_aggregates_differences, kpi_aggregates_rebuild
from kpis.models import (
    DIRECT_CARE_JOBS,
    WHOLE_ASSOCIATION,
    EmploymentType,
    JobCategory,
    KpiAggregate,
    StaffingReport,
)
from kpis.rates import window_figures
from kpis.selectors import FigureRequest, figures_many, office_months
from kpis.services import staffing_report_save
from members.models import Office, OfficeStatus
from members.services import office_create, office_update
from subcommittees.models import ServiceTypeMapping, Subcommittee
from subcommittees.selectors import subcommittee_office_ids
from tests.tenants import Tenant, provider_number

pytestmark = pytest.mark.django_db

FIRST = date(2024, 4, 1)
MONTHS = months_between(FIRST, date(2025, 9, 1))  # 18 months
# 居宅 (43), 訪問 (11), 通所 (15), 入所 (51); two offices in two 部会 at once.
CODES = [["43"], ["11"], ["15"], ["51"], ["43", "11"], ["15", "51"]]


def _rows(rng: random.Random, start: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    rows = []
    for (job, employment), headcount in sorted(start.items()):
        hires, separations = rng.randint(0, 2), rng.randint(0, min(2, headcount))
        early = rng.randint(0, separations)
        end = headcount + hires - separations
        start[(job, employment)] = end
        rows.append(
            {
                "job_category": job,
                "employment_type": employment,
                "headcount_start": headcount,
                "hires": hires,
                "separations": separations,
                "separations_within_year": early,
                "headcount_end": end,
                "open_positions": rng.randint(0, 3),
                "hires_hello_work": hires,
            }
        )
    return rows


def _save(
    tenant: Tenant, office: Office, month: date, rows: list[dict[str, Any]], **kw: Any
) -> None:
    report = StaffingReport.objects.filter(office=office, month=month).first()
    staffing_report_save(
        office=office,
        month=month,
        rows=rows,
        user=tenant.users["office_staff"],
        expected_version=report.version if report else None,
        confirm_warnings=True,
        today=month,
        **{"submit": True, **kw},
    )


def _seed(tenant: Tenant) -> list[Office]:
    """Sixteen offices filing through the service, each with its own habit."""
    rng = random.Random(13)
    corporation = tenant.offices[0].corporation
    offices = [
        office_create(
            association=tenant.association,
            corporation=corporation,
            name=f"集計事業所{serial}",
            provider_number=provider_number("31", serial),
            service_codes=CODES[serial % len(CODES)],
            status=OfficeStatus.APPROVED,
        )
        for serial in range(16)
    ]
    jobs = list(JobCategory.values)
    for serial, office in enumerate(offices):
        slices = {
            (jobs[(serial + k) % len(jobs)], EmploymentType.values[k % 2]): rng.randint(3, 30)
            for k in range(1 + serial % 3)
        }
        joins = MONTHS[serial % 5] if serial % 4 == 1 else FIRST  # late joiners
        stops = MONTHS[-1 - serial % 6] if serial % 7 == 3 else MONTHS[-1]  # stopped filing
        for month in MONTHS:
            if month < joins or month > stops:
                continue
            if serial % 5 == 2 and rng.random() < 0.15:
                continue  # a gap
            draft_only = serial % 6 == 5 and rng.random() < 0.1
            _save(tenant, office, month, _rows(rng, slices), submit=not draft_only)
    # Corrections of submitted months (a resubmission with other counts), and a draft saved
    # over a submitted month (stays submitted).
    for office in offices[::5]:
        for month in (MONTHS[3], MONTHS[10]):
            if StaffingReport.objects.filter(office=office, month=month, status="submitted"):
                rows = _rows(rng, {("care_worker", "regular"): 12, ("nurse", "non_regular"): 4})
                _save(tenant, office, month, rows)
    return offices


def _old(request: FigureRequest, members: dict[int, set[int]]) -> Any:
    items = office_months(
        first=request.first,
        last=request.last,
        job_categories=request.job_categories,
        employment_types=request.employment_types,
    )
    if request.scope != WHOLE_ASSOCIATION:
        offices = members.get(request.scope, set())
        items = [item for item in items if item.office_id in offices]
    return window_figures(items, first=request.first, last=request.last)


def _requests() -> list[FigureRequest]:
    subcommittees = [WHOLE_ASSOCIATION, *Subcommittee.objects.values_list("pk", flat=True)]
    windows = [
        (MONTHS[0], MONTHS[11]),
        (MONTHS[6], MONTHS[17]),
        (MONTHS[2], MONTHS[4]),
        (MONTHS[17], MONTHS[17]),
        (add_months(FIRST, -3), MONTHS[5]),  # starts before any filing
    ]
    slices: list[tuple[tuple[str, ...] | None, tuple[str, ...] | None]] = [
        (None, None),
        (tuple(str(job) for job in DIRECT_CARE_JOBS), None),
        (("nurse",), None),
        (None, ("non_regular",)),
        (("care_worker",), ("regular",)),
    ]
    return [
        FigureRequest(first=first, last=last, scope=scope_id, job_categories=j, employment_types=e)
        for first, last in windows
        for scope_id in subcommittees
        for j, e in slices
    ]


def _assert_same_as_office_by_office() -> None:
    requests = _requests()
    members = subcommittee_office_ids()
    new = figures_many(requests)
    old = [_old(request, members) for request in requests]
    mismatches = [(r, o, n) for r, o, n in zip(requests, old, new, strict=True) if o != n]
    assert not mismatches, mismatches[:3]
    assert any(figures.offices_not_covered for figures in old)  # gaps are really exercised
    assert sum(figures.offices for figures in old) > 100


def test_figures_equal_the_office_by_office_computation(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        offices = _seed(tenant_a)
        _assert_same_as_office_by_office()
        assert kpi_aggregates_differences(association_id=tenant_a.association.pk) == []

        # An office changes its services (居宅 → 通所): its whole history moves 部会.
        office_update(office=offices[0], changes={"service_codes": ["15"]})
        # The association moves a service type to another 部会 (訪問 → 居宅).
        mapping = ServiceTypeMapping.objects.get(service_code="11")
        mapping.subcommittee = Subcommittee.objects.get(kind="kyotaku")
        mapping.save()
        from kpis.aggregates import service_code_aggregates_follow_membership

        service_code_aggregates_follow_membership(
            association_id=tenant_a.association.pk, service_code="11"
        )
        _assert_same_as_office_by_office()
        assert kpi_aggregates_differences(association_id=tenant_a.association.pk) == []


def test_check_finds_a_difference_and_rebuild_repairs_it(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        office = tenant_a.offices[0]
        _save(tenant_a, office, FIRST, _rows(random.Random(1), {("nurse", "regular"): 5}))
        assert kpi_aggregates_differences(association_id=tenant_a.association.pk) == []
        KpiAggregate.objects.filter(scope=WHOLE_ASSOCIATION).update(hires=99)
        differences = kpi_aggregates_differences(association_id=tenant_a.association.pk)
        assert differences and "aggregates" in differences[0]
    with pytest.raises(SystemExit) as exit_info:
        call_command("kpi_aggregates", "--check", "--association", tenant_a.association.slug)
    assert exit_info.value.code == 1
    call_command("kpi_aggregates", "--rebuild", "--association", tenant_a.association.slug)
    call_command("kpi_aggregates", "--check", "--association", tenant_a.association.slug)
    with scope(association=tenant_a.association.pk):
        assert kpi_aggregates_differences(association_id=tenant_a.association.pk) == []
        assert kpi_aggregates_rebuild(association_id=tenant_a.association.pk) > 0
