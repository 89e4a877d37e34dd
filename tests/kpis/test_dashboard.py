"""The officers' KPI dashboard: completeness and timeliness, windows, targets, benchmarks, the
trend, the page itself and its constant number of queries."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from core.calendar import (
    add_months,
    last_closed_month,
    months_between,
    wareki_fiscal_year,
    wareki_month,
)
from kpis.aggregates import filing_on_time_refresh, kpi_aggregates_rebuild
from kpis.models import (
    EmploymentType,
    JobCategory,
    KpiTarget,
    NationalBenchmark,
    ReportStatus,
    StaffingChange,
    StaffingReport,
    StaffingRow,
)
from kpis.selectors import kpi_overview, offices_not_filed
from kpis.services import staffing_report_reopen, staffing_report_save
from members.models import Office, OfficeStatus
from members.services import office_create
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.tenants import Tenant, provider_number

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def bulk_file(
    offices: Iterable[Office],
    months: Iterable[date],
    *,
    start: int = 100,
    moves: int = 1,
    rebuild: bool = True,
) -> None:
    """Submitted filings written directly (fast, for volume): one care-worker row each, with
    `moves` hires and as many separations every month, so the headcount stays at `start`.
    Written around the service, so the aggregates are rebuilt from the filings afterwards."""
    months = list(months)
    reports = StaffingReport.objects.bulk_create(
        StaffingReport(
            association_id=office.association_id,
            office=office,
            month=month,
            status=ReportStatus.SUBMITTED,
            submitted_at=at(month.year, month.month, 28, 12),
        )
        for office in offices
        for month in months
    )
    StaffingRow.objects.bulk_create(
        StaffingRow(
            report=report,
            job_category="care_worker",
            employment_type="regular",
            headcount_start=start,
            hires=moves,
            separations=moves,
            separations_within_year=0,
            headcount_end=start,
            hires_other=moves,
        )
        for report in reports
    )
    if rebuild:
        kpi_aggregates_rebuild(association_id=reports[0].association_id)


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum keeps them in production
    (without them PostgreSQL takes the just-filled tables for empty and plans nested loops)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def row(start: int, hires: int = 0, separations: int = 0) -> dict[str, object]:
    return {
        "job_category": "care_manager",
        "employment_type": "regular",
        "headcount_start": start,
        "hires": hires,
        "separations": separations,
        "separations_within_year": 0,
        "headcount_end": start + hires - separations,
        "hires_other": hires,
    }


# --- the overview, on a fixed day ----------------------------------------------------------

# Thursday 2025-11-20. October 2025 was due on Monday 2025-11-10, so it is the last closed month;
# the fiscal year is 令和7年度 (2025-04 …); the latest complete survey year ended 2025-09.
TODAY = date(2025, 11, 20)
OCT, SEP = date(2025, 10, 1), date(2025, 9, 1)


def test_windows_on_a_fixed_day(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        overview = kpi_overview(association_id=tenant_a.association.pk, today=TODAY)
    assert overview.last_closed_month == OCT
    assert overview.fiscal_year == 2025
    assert overview.survey_year == 2025
    assert overview.windows == {
        "fiscal_year": (date(2025, 4, 1), OCT),  # to date: 7 closed months
        "survey_year": (date(2024, 10, 1), SEP),
        "rolling": (date(2024, 11, 1), OCT),
    }
    # The trend: 12 rolling windows ending 2024-11 … 2025-10.
    assert [f.last for f in overview.trend] == months_between(date(2024, 11, 1), OCT)
    assert overview.trend[0].first == date(2023, 12, 1)
    # Completeness: the six months before November 2025.
    assert [c.month for c in overview.completeness] == months_between(date(2025, 5, 1), OCT)


def test_fiscal_year_to_date_is_empty_before_april_closes(tenant_a: Tenant) -> None:
    # 2026-04-15: March 2026 (due 2026-04-10) is the last closed month; 令和8年度 has none yet.
    with scope(association=tenant_a.association.pk):
        overview = kpi_overview(association_id=tenant_a.association.pk, today=date(2026, 4, 15))
    assert overview.last_closed_month == date(2026, 3, 1)
    assert overview.windows["fiscal_year"] is None
    assert overview.association.figures["fiscal_year"] is None


def _save(tenant: Tenant, office: Office, month: date, *, today: date) -> StaffingReport:
    report = StaffingReport.objects.filter(office=office, month=month).first()
    return staffing_report_save(
        office=office,
        month=month,
        rows=[row(10, hires=1 if report else 0)],
        user=tenant.users["office_staff"],
        expected_version=report.version if report else None,
        submit=True,
        confirm_warnings=True,
        today=today,
    )


def _first_submission_at(report: StaffingReport, when: datetime) -> None:
    """Backdate a submission around the service, then let the aggregates read it again."""
    StaffingChange.objects.filter(report=report, action="submit").update(at=when)
    StaffingReport.objects.filter(pk=report.pk).update(submitted_at=when)
    filing_on_time_refresh(report_ids=[report.pk])


def test_completeness_on_time_and_late(tenant_a: Tenant) -> None:
    first, second, third = tenant_a.offices[:3]  # approved; offices[3] is still applying
    with scope(association=tenant_a.association.pk):
        # October 2025, due Monday 2025-11-10: office 1 on the 5th, office 2 at 23:30 on the
        # deadline day itself (on time), office 3 not at all.
        _first_submission_at(_save(tenant_a, first, OCT, today=OCT), at(2025, 11, 5, 9))
        _first_submission_at(_save(tenant_a, second, OCT, today=OCT), at(2025, 11, 10, 23, 30))
        # September 2025, due Friday 2025-10-10: office 1 on the 3rd; office 2 ten minutes
        # after midnight on the 11th (late, after an officer reopened it); office 3 on time on
        # the 9th, then reopened and corrected on the 20th: still on time (first submission).
        _first_submission_at(_save(tenant_a, first, SEP, today=SEP), at(2025, 10, 3, 9))
        reason = "filed late by agreement"
        staffing_report_reopen(
            office=second, month=SEP, by=tenant_a.users["officer"], reason=reason
        )
        _first_submission_at(
            _save(tenant_a, second, SEP, today=date(2025, 10, 11)), at(2025, 10, 11, 0, 10)
        )
        corrected = _save(tenant_a, third, SEP, today=SEP)
        _first_submission_at(corrected, at(2025, 10, 9, 17))
        staffing_report_reopen(office=third, month=SEP, by=tenant_a.users["officer"], reason=reason)
        corrected = _save(tenant_a, third, SEP, today=date(2025, 10, 20))
        StaffingChange.objects.filter(report=corrected, action="submit").exclude(
            at=at(2025, 10, 9, 17)
        ).update(at=at(2025, 10, 20, 10))
        StaffingReport.objects.filter(pk=corrected.pk).update(submitted_at=at(2025, 10, 20, 10))
        filing_on_time_refresh(report_ids=[corrected.pk])
        assert StaffingChange.objects.filter(report=corrected, action="submit").count() == 2
        # August: a draft only, which is not a filing.
        staffing_report_save(
            office=first,
            month=date(2025, 8, 1),
            rows=[row(10)],
            user=tenant_a.users["office_staff"],
            expected_version=None,
            submit=False,
            today=date(2025, 8, 1),
        )

        overview = kpi_overview(association_id=tenant_a.association.pk, today=TODAY)
        by_month = {c.month: c for c in overview.completeness}
        october, september, august = by_month[OCT], by_month[SEP], by_month[date(2025, 8, 1)]
        assert october.deadline == date(2025, 11, 10)
        assert (october.expected, october.filed, october.on_time, october.late) == (3, 2, 2, 0)
        assert october.missing == 1
        assert october.closed
        assert october.percent == Decimal("66.7")  # 2 ÷ 3
        assert september.deadline == date(2025, 10, 10)
        assert (september.filed, september.on_time, september.late) == (3, 2, 1)
        assert september.percent == Decimal("100.0")
        assert (august.filed, august.on_time) == (0, 0)
        # October's unfiled offices: office 3 only (office 4 is not approved, so not expected).
        assert list(offices_not_filed(month=OCT)) == [third]
        # Asked on the deadline day itself, October is still open.
        on_deadline = kpi_overview(association_id=tenant_a.association.pk, today=date(2025, 11, 10))
        assert not on_deadline.completeness[-1].closed
        assert on_deadline.last_closed_month == SEP


def test_targets_benchmarks_and_subcommittees(tenant_a: Tenant) -> None:
    first, second, third = tenant_a.offices[:3]
    with scope(association=tenant_a.association.pk):
        fiscal_to_date = months_between(date(2025, 4, 1), OCT)
        # Office 1 (居宅) files every month of 令和7年度 so far: 10 care managers, one leaves in
        # June and one is hired in July. Office 2 (訪問) files only from August; office 3 (通所)
        # skips October.
        for month in fiscal_to_date:
            changes = {date(2025, 6, 1): (0, 1), date(2025, 7, 1): (1, 0)}.get(month, (0, 0))
            start = 9 if month == date(2025, 7, 1) else 10
            staffing_report_save(
                office=first,
                month=month,
                rows=[row(start, *changes)],
                user=tenant_a.users["office_staff"],
                expected_version=None,
                submit=True,
                confirm_warnings=True,
                today=month,
            )
        bulk_file([second], months_between(date(2025, 8, 1), OCT))
        bulk_file([third], months_between(date(2025, 4, 1), SEP))
        kinds = {s.kind: s for s in Subcommittee.objects.all()}
        KpiTarget.objects.bulk_create(
            [
                KpiTarget(
                    association=tenant_a.association,
                    fiscal_year=2025,
                    metric="separation_rate",
                    at_most=True,
                    value=Decimal("12.0"),
                ),
                KpiTarget(
                    association=tenant_a.association,
                    fiscal_year=2025,
                    metric="hire_rate",
                    at_most=False,
                    value=Decimal("16.0"),
                ),
                KpiTarget(
                    association=tenant_a.association,
                    subcommittee=kinds[SubcommitteeKind.TSUSHO],
                    fiscal_year=2025,
                    metric="hire_rate",
                    at_most=False,
                    value=Decimal("16.0"),
                ),
                KpiTarget(  # another year: not shown
                    association=tenant_a.association,
                    fiscal_year=2024,
                    metric="hire_rate",
                    at_most=False,
                    value=Decimal("1.0"),
                ),
            ]
        )
        NationalBenchmark.objects.create(
            association=tenant_a.association,
            survey_year=2025,
            metric="separation_rate",
            value=Decimal("12.4"),
        )
        overview = kpi_overview(association_id=tenant_a.association.pk, today=TODAY)

    # Fiscal year to date (2025-04 … 2025-10): only office 1 filed every month.
    # 離職率 1 ÷ 10 = 10.0 % (target ≤ 12.0: met); 採用率 1 ÷ 10 = 10.0 % (target ≥ 16.0: not
    # met); 通所 (office 3) has a missing month: no data.
    to_date = overview.association.figures["fiscal_year"]
    assert to_date is not None
    assert to_date.separation_rate.value == Decimal("10.0")
    assert (to_date.offices, to_date.offices_not_covered) == (1, 2)
    progress = [
        (p.target.subcommittee_id, p.target.metric, p.value, p.status) for p in overview.targets
    ]
    assert progress == [
        (None, "hire_rate", Decimal("10.0"), "not_met"),
        (None, "separation_rate", Decimal("10.0"), "met"),
        (kinds[SubcommitteeKind.TSUSHO].pk, "hire_rate", None, "no_data"),
    ]
    # Subcommittees: every 部会 is listed, in order; 居宅 has office 1's figures.
    assert [s.subcommittee for s in overview.subcommittees] == list(
        Subcommittee.objects.with_scope(association=tenant_a.association.pk).order_by("pk")
    )
    kyotaku = next(
        s for s in overview.subcommittees if s.subcommittee == kinds[SubcommitteeKind.KYOTAKU]
    )
    kyotaku_to_date = kyotaku.figures["fiscal_year"]
    assert kyotaku_to_date is not None
    assert kyotaku_to_date.hire_rate.value == Decimal("10.0")
    nyusho = next(
        s for s in overview.subcommittees if s.subcommittee == kinds[SubcommitteeKind.NYUSHO]
    )
    nyusho_to_date = nyusho.figures["fiscal_year"]
    assert nyusho_to_date is not None
    assert nyusho_to_date.hire_rate.value is None
    # Benchmarks for the survey year 2025: the 2025 separation figure entered above, and for
    # hiring the latest published one before it (2023: 16.9, from the defaults).
    assert overview.benchmarks["separation_rate"].value == Decimal("12.4")
    assert overview.benchmarks["hire_rate"].survey_year == 2023
    assert overview.benchmarks["hire_rate"].value == Decimal("16.9")


# --- the page -------------------------------------------------------------------------------


def _page_months() -> tuple[date, list[date]]:
    today = timezone.localdate()
    last = last_closed_month(today, deadline_day=10)
    return last, months_between(add_months(last, -23), last)


def test_page_shows_figures_in_wareki(tenant_a: Tenant, tenant_b: Tenant) -> None:
    last, months = _page_months()
    with scope(association=tenant_a.association.pk):
        StaffingReport.objects.all().delete()  # the matrix's sample filing; start afresh
        # Offices 1 and 2 file two years of history; office 3 stops before the last month.
        bulk_file(tenant_a.offices[:2], months)
        bulk_file([tenant_a.offices[2]], months[:-1])
    with scope(association=tenant_b.association.pk):
        StaffingReport.objects.all().delete()
        bulk_file(tenant_b.offices[:1], months[:-1])
    client = client_for(tenant_a, tenant_a.users["officer"])
    response = client.get(reverse("kpis:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    today = timezone.localdate()
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    assert wareki_fiscal_year(fiscal_year) in html
    assert wareki_month(last) in html
    # 100 staff, one hire and one separation a month: 12 ÷ 100 = 12.0 % over 12 months.
    assert "12.0%" in html
    assert "—" in html  # 入所部会 has no filing: shown empty
    assert "<svg" in html and "<polyline" in html
    # The unfiled list names office 3 of A, never B's office.
    not_filed = response.context["not_filed"]
    assert [o.pk for o in not_filed] == [tenant_a.offices[2].pk]
    assert len(response.context["trend_rows"]) == 12
    assert tenant_b.marker not in html


def test_not_filed_list_is_bounded(tenant_a: Tenant) -> None:
    """Many offices without a filing: the first 50 by name are listed, with the count."""
    with scope(association=tenant_a.association.pk):
        corporation = tenant_a.offices[0].corporation
        Office.objects.bulk_create(
            Office(
                association=tenant_a.association,
                corporation=corporation,
                name=f"未提出{serial:02d}",
                kana=f"みていしゅつ{serial:02d}",
                provider_number=provider_number("21", serial),
                status=OfficeStatus.APPROVED,
            )
            for serial in range(60)
        )
        expected = offices_not_filed(month=_page_months()[0]).count()
    response = client_for(tenant_a, tenant_a.users["officer"]).get(reverse("kpis:dashboard"))
    assert response.status_code == 200
    shown = response.context["not_filed"]
    assert len(shown) == 50 and response.context["not_filed_count"] == expected >= 60
    assert [o.kana for o in shown] == sorted(o.kana for o in shown)
    assert "名前順に最初の50件を表示しています。" in response.content.decode()


def test_page_is_for_officers(tenant_a: Tenant, tenant_b: Tenant) -> None:
    url = reverse("kpis:dashboard")
    assert client_for(tenant_a, tenant_a.users["officer"]).get(url).status_code == 200
    for role in ("leader", "office_admin", "office_staff", "corp_admin", "city"):
        assert client_for(tenant_a, tenant_a.users[role]).get(url).status_code == 403, role
    assert client_for(tenant_a, tenant_b.users["officer"]).get(url).status_code == 403
    assert client_for(tenant_a).get(url).status_code == 302


def test_officer_dashboard_links_the_page(tenant_a: Tenant) -> None:
    html = (
        client_for(tenant_a, tenant_a.users["officer"])
        .get(reverse("association:dashboard"))
        .content.decode()
    )
    assert reverse("kpis:dashboard") in html
    leader_html = (
        client_for(tenant_a, tenant_a.users["leader"])
        .get(reverse("association:dashboard"))
        .content.decode()
    )
    assert reverse("kpis:dashboard") not in leader_html


def test_page_query_count_is_the_same_for_50_and_500_offices(tenant_a: Tenant) -> None:
    started = time.monotonic()
    _last, months = _page_months()
    client = client_for(tenant_a, tenant_a.users["officer"])
    url = reverse("kpis:dashboard")
    rebuilding: list[float] = []

    def grow_to(total: int) -> None:
        with scope(association=tenant_a.association.pk):
            corporation = tenant_a.offices[0].corporation
            approved = Office.objects.filter(status=OfficeStatus.APPROVED).count()
            codes = [["43"], ["11"], ["15"], ["51"]]
            created = [
                office_create(
                    association=tenant_a.association,
                    corporation=corporation,
                    name=f"追加事業所{serial}",
                    provider_number=provider_number("20", serial),
                    service_codes=codes[serial % len(codes)],
                    status=OfficeStatus.APPROVED,
                )
                for serial in range(100 + approved, 100 + total)
            ]
            # Every new office files two years; one in ten misses the last month.
            bulk_file([o for i, o in enumerate(created) if i % 10], months, rebuild=False)
            bulk_file([o for i, o in enumerate(created) if not i % 10], months[:-1], rebuild=False)
            # The bulk load went around the service: rebuild (not counted against the budget).
            rebuild_started = time.monotonic()
            kpi_aggregates_rebuild(association_id=tenant_a.association.pk)
            rebuilding.append(time.monotonic() - rebuild_started)
            analyze()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.context["not_filed"]
        return len(queries)

    grow_to(50)
    client.get(url)  # warm up session and translations
    fifty = count()
    grow_to(500)
    with scope(association=tenant_a.association.pk):
        assert Office.objects.filter(status=OfficeStatus.APPROVED).count() == 500
    assert count() == fifty
    assert time.monotonic() - started - sum(rebuilding) < 20


def test_survey_year_by_job_category_and_employment(tenant_a: Tenant) -> None:
    """Care workers (100 staff, 1 hire a month) and care managers (20 staff, 1 hire in the
    year) of two offices: each job's rate is its own hires over its own start headcount."""
    _last, months = _page_months()
    with scope(association=tenant_a.association.pk):
        StaffingReport.objects.all().delete()
        bulk_file(tenant_a.offices[:2], months)  # care_worker/regular rows only
        # Add a care-manager row to every filing of office 1: 20 staff, one hire in July.
        reports = StaffingReport.objects.filter(office=tenant_a.offices[0])
        StaffingRow.objects.bulk_create(
            StaffingRow(
                report=report,
                job_category="care_manager",
                employment_type="non_regular",
                headcount_start=20 if report.month.month <= 7 or report.month.month >= 10 else 21,
                hires=1 if report.month.month == 7 else 0,
                separations=0,
                separations_within_year=0,
                headcount_end=21 if 7 <= report.month.month <= 9 else 20,
                hires_other=1 if report.month.month == 7 else 0,
            )
            for report in reports
        )
        kpi_aggregates_rebuild(association_id=tenant_a.association.pk)  # rows added around it
    response = client_for(tenant_a, tenant_a.users["officer"]).get(reverse("kpis:dashboard"))
    table = next(t for t in response.context["rate_tables"] if t["key"] == "by_job")
    by_name = {row["name"]: row for row in table["rows"]}
    care_worker = by_name[str(JobCategory.CARE_WORKER.label)]
    care_manager = by_name[str(JobCategory.CARE_MANAGER.label)]
    nurse = by_name[str(JobCategory.NURSE.label)]
    # Care workers: 2 offices × 12 hires ÷ (2 × 100) = 12.0 %.
    assert care_worker["rates"][0] == Decimal("12.0") and care_worker["offices"] == 2
    # Care managers: 1 hire ÷ 20 at the start of October = 5.0 %, one office.
    assert care_manager["rates"][0] == Decimal("5.0") and care_manager["offices"] == 1
    # Nobody filed nurses: empty, not zero.
    assert nurse["rates"][0] is None
    non_regular = by_name[str(EmploymentType.NON_REGULAR.label)]
    assert non_regular["rates"][0] == Decimal("5.0")
