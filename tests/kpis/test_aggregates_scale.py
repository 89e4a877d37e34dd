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
    """Insert offices (approved, one in four 部会 each, one in ten with a gap two months ago)
    with `months` months of filings up to the last closed month (INSERT … SELECT, no model
    instances), then rebuild the aggregates."""
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
    months_sql = "WITH wanted(month) AS (VALUES " + ", ".join(["(%s)"] * len(wanted)) + ")"
    _insert(
        StaffingReport,
        months_sql  # noqa: S608 (integers and choice values only)
        + """ SELECT {columns} FROM members_office AS o CROSS JOIN wanted AS w
        WHERE o.association_id = %s AND o.name LIKE '規模%%'
          AND NOT (o.id %% 10 = 0 AND w.month = %s)
          AND NOT EXISTS (SELECT 1 FROM kpis_staffingreport AS r
                          WHERE r.office_id = o.id AND r.month = w.month)""",
        [*wanted, tenant.association.pk, add_months(last, -2)],
        association_id="o.association_id",
        office_id="o.id",
        month="w.month",
        status=f"'{ReportStatus.SUBMITTED.value}'",
        submitted_at="CURRENT_TIMESTAMP",
    )
    _insert(
        StaffingRow,
        """WITH jobs(job) AS (VALUES ('care_worker'), ('nurse'))
        SELECT {columns} FROM kpis_staffingreport AS r
        JOIN members_office AS o ON o.id = r.office_id CROSS JOIN jobs AS j
        WHERE o.association_id = %s AND o.name LIKE '規模%%'
          AND NOT EXISTS (SELECT 1 FROM kpis_staffingrow AS x WHERE x.report_id = r.id)""",
        [tenant.association.pk],
        report_id="r.id",
        job_category="j.job",
        employment_type="'regular'",
        headcount_start="20",
        hires="1",
        separations="1",
        separations_within_year="0",
        headcount_end="20",
    )
    kpi_aggregates_rebuild(association_id=tenant.association.pk)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum keeps them
        cursor.execute("ANALYZE")


def _insert(model: Any, select: str, params: list[Any], **given: str) -> None:
    """INSERT INTO the model's table the rows of `select` (its "{columns}" filled in): the
    columns in `given` are SQL expressions, every other column its field's default, given
    as literals (numbers, booleans, empty strings, NULL, the current time)."""
    columns, values = [], []
    for item in model._meta.concrete_fields:
        if item.primary_key:
            continue
        columns.append(item.column)
        if item.column in given:
            values.append(given[item.column])
            continue
        default = item.get_default()
        if getattr(item, "auto_now", False) or getattr(item, "auto_now_add", False):
            values.append("CURRENT_TIMESTAMP")
        elif default is None or default == "":
            values.append("NULL" if item.null else "''")
        elif isinstance(default, bool):
            values.append("TRUE" if default else "FALSE")
        elif isinstance(default, int):
            values.append(str(default))
        else:
            raise ValueError(f"{item.column}: no literal for {default!r}")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) " + select.replace(
        "{columns}", ", ".join(values)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


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
