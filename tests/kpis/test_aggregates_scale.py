"""Work independent of data size: the KPI dashboard, the officers' dashboard and the monthly
reports' content (both kinds) run the same queries and fetch the same number of rows at 50 and
5,000 offices and with 12 and 60 months of history (rows counted at the database cursor, not
only queries); and concurrent filings of offices of one 部会 through the service, from several
threads on PostgreSQL, neither deadlock nor lose a count (the aggregates equal a rebuild
afterwards).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from core.calendar import add_months, last_closed_month, month_start
from kpis.aggregates import kpi_aggregates_differences, kpi_aggregates_rebuild
from kpis.models import ReportStatus, StaffingReport, StaffingRow
from kpis.services import staffing_report_save
from members.models import Corporation, Office, OfficeService, OfficeStatus
from reports.content import report_content
from tests.conftest import client_for
from tests.tenants import Tenant


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Queries and rows fetched (cursor.rowcount after each SELECT) on this connection."""
    seen = {"queries": 0, "rows": 0}

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        seen["queries"] += 1
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            seen["rows"] += max(context["cursor"].rowcount, 0)
        return result

    with connection.execute_wrapper(wrapper):
        yield seen


def _grow(tenant: Tenant, *, offices: int, months: int) -> None:
    """Bulk-insert offices (approved, one in four 部会 each, one in ten with a gap two months ago)
    with `months` months of filings up to the last closed month, then rebuild the aggregates."""
    last = last_closed_month(timezone.localdate(), deadline_day=10)
    wanted = [add_months(last, -back) for back in range(months - 1, -1, -1)]
    corporation = Corporation.objects.first()
    assert corporation is not None
    have = Office.objects.filter(name__startswith="規模").count()
    new = Office.objects.bulk_create(
        Office(
            association=tenant.association,
            corporation=corporation,
            name=f"規模{serial}",
            provider_number=f"28{serial:08d}",
            status=OfficeStatus.APPROVED,
        )
        for serial in range(have, offices)
    )
    OfficeService.objects.bulk_create(
        OfficeService(office=office, service_code=["43", "11", "15", "51"][office.pk % 4])
        for office in new
    )
    scaled = list(Office.objects.filter(name__startswith="規模"))
    filed = set(StaffingReport.objects.values_list("office_id", "month"))
    reports = StaffingReport.objects.bulk_create(
        (
            StaffingReport(
                association=tenant.association,
                office=office,
                month=month,
                status=ReportStatus.SUBMITTED,
                submitted_at=timezone.now(),
            )
            for office in scaled
            for month in wanted
            if (office.pk, month) not in filed
            and not (office.pk % 10 == 0 and month == add_months(last, -2))
        ),
        batch_size=5000,
    )
    StaffingRow.objects.bulk_create(
        (
            StaffingRow(
                report=report,
                job_category=job,
                employment_type="regular",
                headcount_start=20,
                hires=1,
                separations=1,
                separations_within_year=0,
                headcount_end=20,
            )
            for report in reports
            for job in ("care_worker", "nurse")
        ),
        batch_size=5000,
    )
    kpi_aggregates_rebuild(association_id=tenant.association.pk)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them
        cursor.execute("ANALYZE")


@pytest.mark.django_db
def test_dashboards_fetch_the_same_rows_whatever_the_offices_and_months(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    pages = [reverse("kpis:dashboard"), "/dashboard/"]

    month = last_closed_month(timezone.localdate(), deadline_day=10)

    def measure() -> list[dict[str, int]]:
        results = []
        for url in pages:
            client.get(url)  # warm: session, translations, settings rows
            with counting() as seen:
                response = client.get(url)
            assert response.status_code == 200
            results.append(dict(seen))
        # Both monthly reports' content (one read builds both kinds).
        with counting() as seen:
            content = report_content(
                association=tenant_a.association, month=month, kind="retention"
            )
        assert content["sections"]
        results.append(dict(seen))
        return results

    with scope(association=tenant_a.association.pk):
        _grow(tenant_a, offices=50, months=12)
    small = measure()
    with scope(association=tenant_a.association.pk):
        _grow(tenant_a, offices=50, months=60)
    long_history = measure()
    with scope(association=tenant_a.association.pk):
        _grow(tenant_a, offices=5000, months=12)
    many_offices = measure()
    assert small[0]["rows"] < 200, small  # a few hundred at most, not tens of thousands
    assert small[2]["rows"] < 400, small
    assert long_history == small, (small, long_history)
    assert many_offices == small, (small, many_offices)


@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_of_one_subcommittee_neither_deadlock_nor_lose_counts(
    tenant_a: Tenant,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent writers need PostgreSQL")
    month = month_start(timezone.localdate())
    with scope(association=tenant_a.association.pk):
        corporation = Corporation.objects.first()
        offices = Office.objects.bulk_create(
            Office(
                association=tenant_a.association,
                corporation=corporation,
                name=f"同時{serial}",
                provider_number=f"29{serial:08d}",
                status=OfficeStatus.APPROVED,
            )
            for serial in range(40)
        )
        # All in 居宅部会; half also in 訪問部会, so the rows they touch overlap.
        OfficeService.objects.bulk_create(
            [OfficeService(office=office, service_code="43") for office in offices]
            + [OfficeService(office=office, service_code="11") for office in offices[::2]]
        )
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def file(chunk: list[Office]) -> None:
        try:
            barrier.wait()
            with scope(association=tenant_a.association.pk):
                for office in chunk:
                    staffing_report_save(
                        office=office,
                        month=month,
                        rows=[
                            {
                                "job_category": job,
                                "employment_type": employment,
                                "headcount_start": 10,
                                "hires": 2,
                                "separations": 1,
                                "separations_within_year": 1,
                                "headcount_end": 11,
                                "hires_referral": 2,
                            }
                            for job, employment in (
                                ("nurse", "non_regular"),
                                ("care_worker", "regular"),
                                ("care_manager", "regular"),
                            )
                        ],
                        user=None,
                        expected_version=None,
                        submit=True,
                        confirm_warnings=True,
                        via="api",
                    )
        except BaseException as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=file, args=(offices[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    with scope(association=tenant_a.association.pk):
        assert StaffingReport.objects.filter(month=month, office__in=offices).count() == 40
        assert kpi_aggregates_differences(association_id=tenant_a.association.pk) == []
