"""Rates read from the database: filings saved through the service, slices worked by hand.

tenant_a's offices: 0 居宅 (43), 1 訪問 (11, A2), 2 通所 (15), all approved; 3 入所 (51, 21),
still applying, files nothing. The window is 2025-04 … 2025-06 (the first quarter of
令和7年度); each month starts where the last one ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django_scopes import scope

from kpis.models import DIRECT_CARE_JOBS, ReportStatus, StaffingReport
from kpis.rates import Rate
from kpis.selectors import figures, figures_by_subcommittee, office_months
from kpis.services import staffing_report_save
from members.models import Office
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

APR, MAY, JUN = date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)


def row(
    job: str, employment: str, start: int, hires: int = 0, separations: int = 0, early: int = 0
) -> dict[str, Any]:
    return {
        "job_category": job,
        "employment_type": employment,
        "headcount_start": start,
        "hires": hires,
        "separations": separations,
        "separations_within_year": early,
        "headcount_end": start + hires - separations,
        "hires_other": hires,
    }


def file(
    tenant: Tenant, office: Office, month: date, rows: list[dict[str, Any]], *, submit: bool = True
) -> None:
    staffing_report_save(
        office=office,
        month=month,
        rows=rows,
        user=tenant.users["office_staff"],
        expected_version=None,
        submit=submit,
        confirm_warnings=True,
        today=month,  # the month has begun and its deadline is ahead
    )


def file_quarter(tenant: Tenant) -> None:
    """The quarter's filings of offices 0, 1 and 2 (the working below relies on these)."""
    kyotaku, houmon, tsusho = tenant.offices[:3]
    # Office 0 (居宅): care managers, regular: 6 → Apr one leaves (5) → May one hired (6) → 6.
    #                  nurses, non-regular: 2 all quarter.
    file(tenant, kyotaku, APR, [row("care_manager", "regular", 6, separations=1),
                                row("nurse", "non_regular", 2)])  # fmt: skip
    file(tenant, kyotaku, MAY, [row("care_manager", "regular", 5, hires=1),
                                row("nurse", "non_regular", 2)])  # fmt: skip
    file(tenant, kyotaku, JUN, [row("care_manager", "regular", 6),
                                row("nurse", "non_regular", 2)])  # fmt: skip
    # Office 1 (訪問): home helpers, regular: 10 → Apr +2 (12) → May −1 early (11) → 11.
    #                  home helpers, non-regular: 20 → Apr −2 (18) → May +1 (19)
    #                  → Jun −1 early (18).
    #                  nurses, regular: none in April (no row); one hired in May; 1 in June.
    file(tenant, houmon, APR, [row("home_helper", "regular", 10, hires=2),
                               row("home_helper", "non_regular", 20, separations=2)])  # fmt: skip
    file(tenant, houmon, MAY, [row("home_helper", "regular", 12, separations=1, early=1),
                               row("home_helper", "non_regular", 18, hires=1),
                               row("nurse", "regular", 0, hires=1)])  # fmt: skip
    file(tenant, houmon, JUN, [row("home_helper", "regular", 11),
                               row("home_helper", "non_regular", 19, separations=1, early=1),
                               row("nurse", "regular", 1)])  # fmt: skip
    # Office 2 (通所): care workers, regular: 8 → 8 → May −2, one early (6) → Jun +1 (7).
    #                  care workers, non-regular: 12 → Apr +3 (15) → 15 → Jun −1 (14).
    file(tenant, tsusho, APR, [row("care_worker", "regular", 8),
                               row("care_worker", "non_regular", 12, hires=3)])  # fmt: skip
    file(tenant, tsusho, MAY, [row("care_worker", "regular", 8, separations=2, early=1),
                               row("care_worker", "non_regular", 15)])  # fmt: skip
    file(tenant, tsusho, JUN, [row("care_worker", "regular", 6, hires=1),
                               row("care_worker", "non_regular", 15, separations=1)])  # fmt: skip


@pytest.fixture
def quarter(tenant_a: Tenant) -> Iterator[Tenant]:
    with scope(association=tenant_a.association.pk):
        file_quarter(tenant_a)
        yield tenant_a


def test_whole_association(quarter: Tenant) -> None:
    result = figures(first=APR, last=JUN)
    # Start headcount: office 0 6 + 2 = 8; office 1 10 + 20 (+ 0 nurses) = 30; office 2
    # 8 + 12 = 20; together 58.
    # Hires: 1 + (2 + 1 + 1) + (3 + 1) = 9 → 9 ÷ 58 = 0.15517… → 15.5 %.
    # Separations: 1 + (1 + 2 + 1) + (2 + 1) = 8 → 8 ÷ 58 = 0.13793… → 13.8 %.
    # Early: (1 + 1) + 1 = 3 of 8 → 37.5 %.
    assert result.hire_rate == Rate(9, 58)
    assert result.hire_rate.value == Decimal("15.5")
    assert result.separation_rate == Rate(8, 58)
    assert result.separation_rate.value == Decimal("13.8")
    assert result.early_separation_share.value == Decimal("37.5")
    assert (result.offices, result.offices_not_covered) == (3, 0)


def test_job_category_slices(quarter: Tenant) -> None:
    # Care managers: only office 0: 1 ÷ 6 = 16.66… → 16.7 % both ways. The other offices have
    # no care manager and are not part of the figure.
    managers = figures(first=APR, last=JUN, job_categories=["care_manager"])
    assert managers.hire_rate == Rate(1, 6)
    assert managers.separation_rate.value == Decimal("16.7")
    assert managers.offices == 1
    # Nurses: office 0 has 2 all quarter; office 1 had none in April and hired one in May. Both
    # filed every month, so both count: 1 hire ÷ (2 + 0) = 50.0 %; no separation: 0.0 %,
    # and no early-separation share (0 ÷ 0).
    nurses = figures(first=APR, last=JUN, job_categories=["nurse"])
    assert nurses.hire_rate == Rate(1, 2)
    assert nurses.hire_rate.value == Decimal("50.0")
    assert nurses.separation_rate.value == Decimal("0.0")
    assert nurses.early_separation_share.value is None
    assert (nurses.offices, nurses.offices_not_covered) == (2, 0)


def test_employment_type_slices(quarter: Tenant) -> None:
    # Regular: starts 6 (0) + 10 (1) + 0 nurses (1, no April row) + 8 (2) = 24;
    # hires 1 + 2 + 1 + 1 = 5 → 5 ÷ 24 = 0.208333… → 20.8 %;
    # separations 1 + 1 + 2 = 4 → 4 ÷ 24 = 0.16666… → 16.7 %; early 0 + 1 + 1 = 2 of 4 → 50.0 %.
    regular = figures(first=APR, last=JUN, employment_types=["regular"])
    assert regular.hire_rate == Rate(5, 24)
    assert regular.hire_rate.value == Decimal("20.8")
    assert regular.separation_rate.value == Decimal("16.7")
    assert regular.early_separation_share.value == Decimal("50.0")
    assert regular.offices == 3
    # Non-regular: starts 2 + 20 + 12 = 34; hires 0 + 1 + 3 = 4; separations 0 + 3 + 1 = 4;
    # 4 ÷ 34 = 0.117647… → 11.8 %; early 1 of 4 → 25.0 %.
    # (Check: 24 + 34 = 58, 5 + 4 = 9, 4 + 4 = 8, as for the whole association.)
    non_regular = figures(first=APR, last=JUN, employment_types=["non_regular"])
    assert non_regular.hire_rate == Rate(4, 34)
    assert non_regular.hire_rate.value == Decimal("11.8")
    assert non_regular.separation_rate.value == Decimal("11.8")
    assert non_regular.early_separation_share.value == Decimal("25.0")


def test_direct_care_jobs_together(quarter: Tenant) -> None:
    # 2職種計: home helpers of office 1 (start 10 + 20 = 30, hires 2 + 1 = 3, separations
    # 1 + 3 = 4, early 2) and care workers of office 2 (start 20, hires 4, separations 3,
    # early 1). Office 0 has neither and is not part of it.
    # 採用率 (3 + 4) ÷ (30 + 20) = 7 ÷ 50 = 14.0 %; 離職率 7 ÷ 50 = 14.0 %;
    # 早期離職割合 3 ÷ 7 = 42.857… → 42.9 %.
    direct = figures(first=APR, last=JUN, job_categories=DIRECT_CARE_JOBS)
    assert direct.hire_rate == Rate(7, 50)
    assert direct.hire_rate.value == Decimal("14.0")
    assert direct.separation_rate == Rate(7, 50)
    assert direct.early_separation_share.value == Decimal("42.9")
    assert direct.offices == 2
    # With regular staff only: (2 + 1) ÷ (10 + 8) = 3 ÷ 18 = 16.66… → 16.7 %; early 2 of 3 → 66.7 %.
    regular = figures(
        first=APR, last=JUN, job_categories=DIRECT_CARE_JOBS, employment_types=["regular"]
    )
    assert regular.hire_rate == Rate(3, 18)
    assert regular.separation_rate.value == Decimal("16.7")
    assert regular.early_separation_share.value == Decimal("66.7")


def test_subcommittee_slices(quarter: Tenant) -> None:
    by_subcommittee = figures_by_subcommittee(first=APR, last=JUN)
    ids = {s.kind: s.pk for s in Subcommittee.objects.all()}
    kyotaku = by_subcommittee[ids[SubcommitteeKind.KYOTAKU]]
    # 居宅: office 0 alone: 1 ÷ 8 = 12.5 % both ways.
    assert kyotaku.hire_rate == Rate(1, 8)
    assert kyotaku.separation_rate.value == Decimal("12.5")
    assert kyotaku.offices == 1
    # 訪問: office 1: 4 ÷ 30 = 13.33… → 13.3 % both ways; early 2 of 4 → 50.0 %.
    houmon = by_subcommittee[ids[SubcommitteeKind.HOUMON]]
    assert houmon.hire_rate == Rate(4, 30)
    assert houmon.separation_rate.value == Decimal("13.3")
    assert houmon.early_separation_share.value == Decimal("50.0")
    # 通所: office 2: hires 4 ÷ 20 = 20.0 %; separations 3 ÷ 20 = 15.0 %; early 1 of 3 → 33.3 %.
    tsusho = by_subcommittee[ids[SubcommitteeKind.TSUSHO]]
    assert tsusho.hire_rate.value == Decimal("20.0")
    assert tsusho.separation_rate.value == Decimal("15.0")
    assert tsusho.early_separation_share.value == Decimal("33.3")
    # 入所: office 3 has not filed: empty, not zero.
    nyusho = by_subcommittee.get(ids[SubcommitteeKind.NYUSHO])
    assert nyusho is None or (nyusho.hire_rate.value is None and nyusho.offices == 0)
    # The same slice by naming the offices.
    assert figures(first=APR, last=JUN, office_ids=[quarter.offices[1].pk]) == houmon


def test_missing_month_and_drafts(quarter: Tenant) -> None:
    kyotaku, houmon, tsusho = quarter.offices[:3]
    jul, aug = date(2025, 7, 1), date(2025, 8, 1)
    # July and August: office 0 files both (6 care managers at the start of July, one hire
    # each month); office 1 files July and leaves August as a draft; office 2 skips July.
    file(quarter, kyotaku, jul, [row("care_manager", "regular", 6, hires=1)])
    file(quarter, kyotaku, aug, [row("care_manager", "regular", 7, hires=1)])
    file(quarter, houmon, jul, [row("home_helper", "regular", 11, separations=1)])
    file(quarter, houmon, aug, [row("home_helper", "regular", 10, hires=5)], submit=False)
    file(quarter, tsusho, aug, [row("care_worker", "regular", 7, separations=7)])
    assert StaffingReport.objects.get(office=houmon, month=aug).status == ReportStatus.DRAFT
    result = figures(first=jul, last=aug)
    # Only office 0 is covered: hires 1 + 1 = 2 ÷ 6 = 33.33… → 33.3 %; separations 0 → 0.0 %.
    assert result.hire_rate == Rate(2, 6)
    assert result.separation_rate.value == Decimal("0.0")
    assert (result.offices, result.offices_not_covered) == (1, 2)
    # The draft is not a filing: August alone covers offices 0 and 2, not 1.
    august = figures(first=aug, last=aug)
    assert august.offices == 2
    assert {item.office_id for item in office_months(first=aug, last=aug)} == {
        kyotaku.pk,
        tsusho.pk,
    }


def test_other_associations_filings_never_count(tenant_a: Tenant, tenant_b: Tenant) -> None:
    # B's offices file huge numbers for the same months; A's figures do not move.
    with scope(association=tenant_b.association.pk):
        for office in tenant_b.offices[:3]:
            for month in (APR, MAY, JUN):
                file(
                    tenant_b,
                    office,
                    month,
                    [row("care_worker", "regular", 1000, hires=100, separations=300)],
                )
    with scope(association=tenant_a.association.pk):
        file_quarter(tenant_a)
        assert figures(first=APR, last=JUN).hire_rate == Rate(9, 58)
        assert figures(first=APR, last=JUN).offices == 3
        direct = figures(first=APR, last=JUN, job_categories=DIRECT_CARE_JOBS)
        assert direct.hire_rate == Rate(7, 50)
        # Even naming B's offices explicitly finds nothing inside A's scope.
        b_ids = [office.pk for office in tenant_b.offices]
        assert figures(first=APR, last=JUN, office_ids=b_ids).offices == 0
        a_subcommittees = set(Subcommittee.objects.values_list("pk", flat=True))
        by_subcommittee = figures_by_subcommittee(first=APR, last=JUN)
        assert set(by_subcommittee) <= a_subcommittees
        assert sum(f.offices for f in by_subcommittee.values()) == 3
    with scope(association=tenant_b.association.pk):
        # B: 3 offices × 1000 staff; hires 3 × 3 × 100 = 900 → 900 ÷ 3000 = 30.0 %.
        assert figures(first=APR, last=JUN).hire_rate == Rate(900, 3000)
