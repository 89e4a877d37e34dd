"""The monthly reports read from the maintained aggregates say exactly what the office-by-office
computation said (the read step the reports used before: every office's filings of 35 months,
rates by `window_figures`, counts and the offices behind them as sets of office ids), content
and disclosure basis alike, with late joiners, gaps, stopped filers, corrections, offices in
two 部会 and offices in none.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import pytest
from django.db.models import Case, Sum, Value, When
from django_scopes import scope

from core.calendar import rolling_months
from kpis.aggregates import kpi_aggregates_differences, service_code_aggregates_follow_membership
from kpis.models import COUNT_FIELDS, DIRECT_CARE_JOBS, ReportStatus, StaffingRow
from kpis.rates import OfficeMonth, window_figures
from kpis.selectors import ANY, DIRECT, SliceCounts, office_months
from members.models import Office, OfficeStatus
from reports.content import ReportFigures, _Counts, content_from, read_figures, suppress
from subcommittees.models import ServiceTypeMapping
from subcommittees.selectors import subcommittee_office_ids
from tests.kpis.test_aggregates import MONTHS, _seed
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _office_by_office(month: date) -> ReportFigures:
    """The read step as it was: everything computed from every office's filings."""
    read = read_figures(month=month)  # scopes, benchmarks, targets, joint: not per office-month
    rolling_first, _last = rolling_months(month)
    members = subcommittee_office_ids()
    approved = set(Office.objects.filter(status=OfficeStatus.APPROVED).values_list("pk", flat=True))
    earliest = min(first for first, _last, _key, _part in read.rates)
    by_office: dict[int, list[OfficeMonth]] = defaultdict(list)
    for item in office_months(first=earliest, last=month):
        by_office[item.office_id].append(item)
    direct_by_office: dict[int, list[OfficeMonth]] = defaultdict(list)
    direct_jobs = [str(job) for job in DIRECT_CARE_JOBS]
    for item in office_months(first=rolling_first, last=month, job_categories=direct_jobs):
        direct_by_office[item.office_id].append(item)

    def scope_offices(key: int | None) -> Iterable[int]:
        return by_office.keys() if key is None else members.get(key, set())

    rates = {}
    for first, last, key, part in read.rates:
        source = direct_by_office if part == "direct" else by_office
        items = (i for pk in scope_offices(key) for i in source.get(pk, ()))
        rates[(first, last, key, part)] = window_figures(items, first=first, last=last)

    scopes_of: dict[int, list[Any]] = defaultdict(lambda: [None])
    for area in read.scopes[1:]:
        for office_id in members.get(area.key, ()):  # type: ignore[arg-type]
            scopes_of[office_id].append(area.key)
    sums: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(COUNT_FIELDS, 0)
    )
    offices: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    rows = (
        StaffingRow.objects.filter(
            report__status=ReportStatus.SUBMITTED,
            report__month__gte=rolling_first,
            report__month__lte=month,
        )
        .order_by()
        .annotate(current=Case(When(report__month=month, then=Value(True)), default=Value(False)))
        .values("report__office_id", "job_category", "employment_type", "current")
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS})
    )
    for row in rows:
        office_id, job, employment = (
            row["report__office_id"],
            row["job_category"],
            row["employment_type"],
        )
        slices = [(job, employment), (job, ANY), (ANY, employment), (ANY, ANY)]
        if job in direct_jobs:
            slices.append((DIRECT, ANY))
        for scope_key in scopes_of.get(office_id, [None]):
            for period in ("rolling", "month") if row["current"] else ("rolling",):
                for j, e in slices:
                    count_key = (scope_key, period, j, e)
                    offices[count_key].add(office_id)
                    if j != DIRECT:
                        for name in COUNT_FIELDS:
                            sums[count_key][name] += row[name] or 0
    none: dict[tuple[str, str, str], int] = {}
    several: dict[tuple[str, str, str], int] = {}
    for (scope_key, period, job, employment), found in offices.items():
        if scope_key is None:
            seen = [len(scopes_of.get(pk, [None])) - 1 for pk in found]
            none[(period, job, employment)] = sum(1 for n in seen if n == 0)
            several[(period, job, employment)] = sum(1 for n in seen if n > 1)
    memberships: dict[int, int] = defaultdict(int)
    for office_ids in members.values():
        for office_id in office_ids:
            memberships[office_id] += 1
    filed_now = {pk for pk, items in by_office.items() if any(i.month == month for i in items)}
    coverage = {}
    for area in read.scopes:
        expected = approved if area.key is None else approved & members.get(area.key, set())
        coverage[area.key] = (len(expected), len(filed_now & expected))
    counts = SliceCounts(
        sums={k: dict(v) for k, v in sums.items() if offices[k]},
        offices={k: len(v) for k, v in offices.items()},
        no_subcommittee=none,
        several_subcommittees=several,
    )
    return dataclasses.replace(
        read,
        coverage=coverage,
        rates=rates,
        counts=_Counts(counts),
        in_several=sum(1 for n in memberships.values() if n > 1),
        windows={},
    )


def _assert_same(tenant: Tenant, month: date) -> dict[str, Any]:
    association = tenant.association
    with scope(association=association.pk):
        kept, expected = read_figures(month=month), _office_by_office(month)
    for kind in ("recruitment", "retention"):
        new = content_from(association=association, figures=kept, kind=kind)
        old = content_from(association=association, figures=expected, kind=kind)
        assert json.dumps(new, sort_keys=True, default=str) == json.dumps(
            old, sort_keys=True, default=str
        ), kind
        assert suppress(new, threshold=3) == suppress(old, threshold=3)
    return new


def test_reports_from_aggregates_equal_the_office_by_office_read(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        _seed(tenant_a)
        # 入所 (51) in no 部会 any more: the ["51"] offices belong to none, ["15", "51"] to one.
        ServiceTypeMapping.objects.filter(service_code="51").delete()
        service_code_aggregates_follow_membership(
            association_id=tenant_a.association.pk, service_code="51"
        )
        assert kpi_aggregates_differences(association_id=tenant_a.association.pk) == []
    content = _assert_same(tenant_a, MONTHS[-1])
    _assert_same(tenant_a, MONTHS[9])  # a month with filings after it
    # The data exercise what the equality is about: several 部会, gaps, small cells.
    basis = content["disclosure"]
    assert any(key.startswith("residual:") for key in basis["quantities"])
    rates = next(s for s in content["sections"] if s["key"] == "rates")["tables"][0]
    assert rates["rows"][0]["cells"][3]["value"] > 5
