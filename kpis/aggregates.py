"""Maintained aggregates of the staffing filings, kept in the filing's own transaction.

Three tables (kpis/models.py), all per association:

- `KpiAggregate`: sums per month × scope (the whole association, or one 部会) × job category ×
  employment type, and how many filings have a row of that slice;
- `KpiOfficeCoverage`: per office, month strings ("1" per month, see MONTHS_EPOCH_YEAR) of its
  submitted filings, of those with rows, of those first submitted by the deadline, and the 部会
  its filings are counted in;
- `KpiOfficeSliceMonths`: per office and job × employment, the months with a row of that slice.

How they follow the filings: `staffing_report_save` calls `filing_aggregates_apply` with the
filing before and after the change (only submitted filings count). The office's coverage row is
locked first (`select_for_update`), so two saves of one office run one after the other; the
aggregate rows are created if missing (`INSERT … ON CONFLICT DO NOTHING`) and updated by delta
(`F()`), always in the order (month, scope, job, employment), so concurrent filings of offices of
one 部会 wait for each other's row for a moment but never deadlock; nothing locks a table.

How they follow 部会 membership: the rates of a 部会 count the filings of the offices that
belong to it now (the one rule, `subcommittees.selectors`), the past included. The 部会 an
office's filings are counted in are stored on its coverage row; when they differ from the rule's
answer (a change of the office's services or of the association's mapping),
`office_aggregates_follow_membership` moves the office's whole history from the old 部会 rows to
the new ones. The members and subcommittee services call it; every filing also checks it.

`kpi_aggregates_rebuild` recomputes everything from the filings, `kpi_aggregates_differences`
compares (the command `manage.py kpi_aggregates --check` exits non-zero on a difference).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.calendar import filing_deadline
from kpis.models import (
    COUNT_FIELDS,
    MONTHS_EPOCH_YEAR,
    WHOLE_ASSOCIATION,
    KpiAggregate,
    KpiOfficeCoverage,
    KpiOfficeSliceMonths,
    KpiSettings,
    ReportStatus,
    StaffingReport,
    StaffingRow,
)
from members.models import Office, OfficeService
from subcommittees.models import Subcommittee
from subcommittees.selectors import office_in_subcommittee, subcommittee_ids_of_offices

SUM_FIELDS = ("offices", *COUNT_FIELDS)
Slice = tuple[str, str]  # (job_category, employment_type)
AggregateKey = tuple[date, int, str, str]  # (month, scope, job_category, employment_type)


def month_position(month: date) -> int:
    """1-based position of `month` in the month strings (SQL SUBSTR counts from 1)."""
    return (month.year - MONTHS_EPOCH_YEAR) * 12 + month.month


def months_with(months: str, month: date, present: bool) -> str:
    """The month string with `month` set to present or absent (trailing absences dropped)."""
    index = month_position(month) - 1
    padded = months.ljust(index + 1, "0")
    return (padded[:index] + ("1" if present else "0") + padded[index + 1 :]).rstrip("0")


def scope_string(subcommittee_ids: Iterable[int]) -> str:
    return "," + "".join(f"{pk}," for pk in sorted(set(subcommittee_ids)))


def scopes_of(value: str) -> list[int]:
    return sorted(int(part) for part in value.split(",") if part)


def on_time_before(deadline: date) -> datetime:
    """A first submission before this instant (midnight after the deadline, Tokyo) is on time."""
    return datetime.combine(
        deadline + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone()
    )


def _contributions(snapshot: Mapping[str, Any] | None) -> dict[Slice, dict[str, int]]:
    """A filing's counts by slice as the service snapshots it; nothing unless submitted."""
    if not snapshot or snapshot.get("status") != ReportStatus.SUBMITTED:
        return {}
    result: dict[Slice, dict[str, int]] = {}
    for key, values in snapshot["rows"].items():
        job, employment = key.split("/", 1)
        result[(job, employment)] = {name: int(values.get(name) or 0) for name in COUNT_FIELDS}
    return result


def _upsert(*, association_id: int, deltas: Mapping[AggregateKey, Mapping[str, int]]) -> None:
    """Add `deltas` to the aggregate rows in one statement: INSERT … ON CONFLICT DO UPDATE
    SET n = n + excluded.n (PostgreSQL and SQLite alike). Rows in key order, so concurrent
    filings take their row locks in the same order and never deadlock."""
    keys = sorted(key for key, delta in deltas.items() if any(delta.values()))
    if not keys:
        return
    table = KpiAggregate._meta.db_table
    columns = ["association_id", "month", "scope", "job_category", "employment_type", *SUM_FIELDS]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    params: list[Any] = []
    for month, scope, job, employment in keys:
        delta = deltas[(month, scope, job, employment)]
        params += [association_id, month, scope, job, employment]
        params += [delta.get(name, 0) for name in SUM_FIELDS]
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in SUM_FIELDS)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608 (names only)
        f"{', '.join([placeholders] * len(keys))} "
        f"ON CONFLICT (association_id, month, scope, job_category, employment_type) "
        f"DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _coverage_locked(*, association_id: int, office_id: int) -> KpiOfficeCoverage:
    """The office's coverage row, created if missing, locked until the transaction ends."""
    KpiOfficeCoverage.objects.bulk_create(
        [KpiOfficeCoverage(association_id=association_id, office_id=office_id)],
        ignore_conflicts=True,
    )
    return KpiOfficeCoverage.objects.select_for_update().get(office_id=office_id)


def _office_totals(office_id: int) -> dict[tuple[date, str, str], dict[str, int]]:
    """The office's submitted counts per month and slice (one query; one office's history)."""
    rows = (
        StaffingRow.objects.filter(
            report__office_id=office_id, report__status=ReportStatus.SUBMITTED
        )
        .values_list("report__month", "job_category", "employment_type", *COUNT_FIELDS)
        .order_by()
    )
    return {
        (month, job, employment): {"offices": 1, **dict(zip(COUNT_FIELDS, counts, strict=True))}
        for month, job, employment, *counts in rows
    }


def _follow_membership(coverage: KpiOfficeCoverage) -> None:
    """Move the office's history to the 部会 it belongs to now, if they changed."""
    stored = set(scopes_of(coverage.subcommittees))
    derived = subcommittee_ids_of_offices([coverage.office_id])
    if stored == derived:
        return
    deltas: dict[AggregateKey, dict[str, int]] = {}
    for (month, job, employment), counts in _office_totals(coverage.office_id).items():
        for scope in stored - derived:
            deltas[(month, scope, job, employment)] = {k: -v for k, v in counts.items()}
        for scope in derived - stored:
            deltas[(month, scope, job, employment)] = dict(counts)
    _upsert(association_id=coverage.association_id, deltas=deltas)
    coverage.subcommittees = scope_string(derived)
    coverage.save(update_fields=["subcommittees"])


def filing_aggregates_apply(
    *,
    office: Office,
    month: date,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    deadline: date,
) -> None:
    """Bring the aggregates up to date with one filing's change (inside its transaction).

    `before`/`after`: the service's snapshots (status and rows by "job/employment"); only
    submitted filings count. `deadline`: the month's filing deadline, for the first submission.
    """
    coverage = _coverage_locked(association_id=office.association_id, office_id=office.pk)
    old, new = _contributions(before), _contributions(after)
    scopes = [WHOLE_ASSOCIATION, *scopes_of(coverage.subcommittees)]
    deltas: dict[AggregateKey, dict[str, int]] = {}
    for key in old.keys() | new.keys():
        delta = {
            name: new.get(key, {}).get(name, 0) - old.get(key, {}).get(name, 0)
            for name in COUNT_FIELDS
        }
        delta["offices"] = (key in new) - (key in old)
        for scope in scopes:
            deltas[(month, scope, *key)] = delta
    _upsert(association_id=office.association_id, deltas=deltas)

    submitted = bool(after and after.get("status") == ReportStatus.SUBMITTED)
    was_submitted = bool(before and before.get("status") == ReportStatus.SUBMITTED)
    coverage.filed = months_with(coverage.filed, month, submitted)
    coverage.with_rows = months_with(coverage.with_rows, month, submitted and bool(new))
    if submitted and not was_submitted:  # the first submission: on time or late, for good
        coverage.on_time = months_with(
            coverage.on_time, month, timezone.now() < on_time_before(deadline)
        )
    coverage.save(update_fields=["filed", "with_rows", "on_time"])
    touched = sorted(old.keys() | new.keys())
    if touched:
        existing = {
            (item.job_category, item.employment_type): item
            for item in KpiOfficeSliceMonths.objects.filter(office_id=office.pk)
        }
        changed, created = [], []
        for job, employment in touched:
            item = existing.get((job, employment))
            if item is None:
                item = KpiOfficeSliceMonths(
                    association_id=office.association_id,
                    office_id=office.pk,
                    job_category=job,
                    employment_type=employment,
                )
                created.append(item)
            else:
                changed.append(item)
            item.months = months_with(item.months, month, (job, employment) in new)
        KpiOfficeSliceMonths.objects.bulk_create(created)
        if changed:
            KpiOfficeSliceMonths.objects.bulk_update(changed, ["months"])
    # Last: a change of the office's 部会 moves its whole history, this filing included.
    _follow_membership(coverage)


@transaction.atomic
def office_aggregates_follow_membership(*, association_id: int, office_ids: Iterable[int]) -> None:
    """After a change of offices' services or of the 部会 mapping: count each office's filings
    in the 部会 it belongs to now. Offices in id order (the same lock order as filings)."""
    for office_id in sorted(set(office_ids)):
        _follow_membership(_coverage_locked(association_id=association_id, office_id=office_id))


@transaction.atomic
def filing_on_time_refresh(*, report_ids: Iterable[int]) -> None:
    """Decide again whether these filings were first submitted on time, from their change
    log: for data written around the service (the demo backdates its filings)."""
    reports = list(
        StaffingReport.objects.filter(pk__in=list(report_ids), status=ReportStatus.SUBMITTED)
        .annotate(
            first_submitted_at=Coalesce(
                Min("changes__at", filter=Q(changes__action="submit")), F("submitted_at")
            )
        )
        .order_by("office_id", "month")
    )
    if not reports:
        return
    deadline_day = _deadline_day(reports[0].association_id)
    for report in reports:
        coverage = _coverage_locked(
            association_id=report.association_id, office_id=report.office_id
        )
        deadline = filing_deadline(report.month, deadline_day=deadline_day)
        coverage.on_time = months_with(
            coverage.on_time,
            report.month,
            report.first_submitted_at < on_time_before(deadline),
        )
        coverage.save(update_fields=["on_time"])


def _deadline_day(association_id: int) -> int:
    day = (
        KpiSettings.objects.filter(association_id=association_id)
        .values_list("deadline_day", flat=True)
        .first()
    )
    return int(day or KpiSettings._meta.get_field("deadline_day").get_default())


@transaction.atomic
def service_code_aggregates_follow_membership(*, association_id: int, service_code: str) -> None:
    """After the 部会 mapping of a service type changed: the offices offering it follow."""
    office_ids = OfficeService.objects.filter(
        service_code=service_code, office__association_id=association_id
    ).values_list("office_id", flat=True)
    office_aggregates_follow_membership(association_id=association_id, office_ids=office_ids)


# --- rebuild and check ---------------------------------------------------------------------


@dataclass
class AggregateState:
    """Everything the maintained tables hold for one association, normalised for comparing."""

    aggregates: dict[tuple[date, int, str, str], tuple[int, ...]] = field(default_factory=dict)
    coverage: dict[int, tuple[str, str, str, str]] = field(default_factory=dict)
    slices: dict[tuple[int, str, str], str] = field(default_factory=dict)


def _sums_by_month(rows: Any) -> Any:
    return (
        rows.order_by()
        .values_list("report__month", "job_category", "employment_type")
        .annotate(
            offices=Count("pk"),
            **{f"sum_{name}": Coalesce(Sum(name), 0) for name in COUNT_FIELDS},
        )
    )


def aggregates_from_filings(*, association_id: int) -> AggregateState:
    """What the tables should hold, computed from the filings (a few grouped queries)."""
    state = AggregateState()
    rows = StaffingRow.objects.filter(report__status=ReportStatus.SUBMITTED)
    scopes: list[tuple[int, Any]] = [(WHOLE_ASSOCIATION, rows)] + [
        (pk, rows.filter(office_in_subcommittee(pk, office_ref="report__office_id")))
        for pk in Subcommittee.objects.order_by("pk").values_list("pk", flat=True)
    ]
    for scope, scoped in scopes:
        for month, job, employment, *sums in _sums_by_month(scoped):
            if any(sums):
                state.aggregates[(month, scope, job, employment)] = tuple(sums)

    deadline_day = _deadline_day(association_id)
    filed: dict[int, str] = defaultdict(str)
    with_rows: dict[int, str] = defaultdict(str)
    on_time: dict[int, str] = defaultdict(str)
    first_submit = Coalesce(
        Min("changes__at", filter=Q(changes__action="submit")), F("submitted_at")
    )
    reports = (
        StaffingReport.objects.filter(status=ReportStatus.SUBMITTED)
        .order_by()
        .values_list("office_id", "month")
        .annotate(first_submitted_at=first_submit)
    )
    row_months = set(
        StaffingRow.objects.filter(report__status=ReportStatus.SUBMITTED)
        .order_by()
        .values_list("report__office_id", "report__month")
        .distinct()
    )
    on_time_until: dict[date, datetime] = {}  # per month (the holiday calendar is not free)
    for office_id, month, first_submitted_at in reports.iterator(chunk_size=5000):
        filed[office_id] = months_with(filed[office_id], month, True)
        if (office_id, month) in row_months:
            with_rows[office_id] = months_with(with_rows[office_id], month, True)
        if month not in on_time_until:
            on_time_until[month] = on_time_before(filing_deadline(month, deadline_day=deadline_day))
        if first_submitted_at is not None and first_submitted_at < on_time_until[month]:
            on_time[office_id] = months_with(on_time[office_id], month, True)
    members: dict[int, set[int]] = defaultdict(set)
    for office_id, subcommittee_id in _memberships():
        members[office_id].add(subcommittee_id)
    for office_id in filed.keys() | members.keys():
        state.coverage[office_id] = (
            scope_string(members.get(office_id, ())),
            filed.get(office_id, ""),
            with_rows.get(office_id, ""),
            on_time.get(office_id, ""),
        )
    slices: dict[tuple[int, str, str], str] = defaultdict(str)
    for office_id, job, employment, month in (
        StaffingRow.objects.filter(report__status=ReportStatus.SUBMITTED)
        .order_by()
        .values_list("report__office_id", "job_category", "employment_type", "report__month")
        .iterator(chunk_size=5000)
    ):
        key = (office_id, job, employment)
        slices[key] = months_with(slices[key], month, True)
    state.slices = dict(slices)
    return state


def _memberships() -> list[tuple[int, int]]:
    """(office, 部会) pairs by the one membership rule, every office of the association."""
    from subcommittees.selectors import subcommittee_office_ids

    return [
        (office_id, subcommittee_id)
        for subcommittee_id, office_ids in subcommittee_office_ids().items()
        for office_id in office_ids
    ]


def aggregates_maintained(*, association_id: int) -> AggregateState:
    state = AggregateState()
    for month, scope, job, employment, *sums in KpiAggregate.objects.values_list(
        "month", "scope", "job_category", "employment_type", *SUM_FIELDS
    ).iterator(chunk_size=5000):
        if any(sums):
            state.aggregates[(month, scope, job, employment)] = tuple(sums)
    for office_id, *strings in KpiOfficeCoverage.objects.values_list(
        "office_id", "subcommittees", "filed", "with_rows", "on_time"
    ).iterator(chunk_size=5000):
        value = (strings[0], *(s.rstrip("0") for s in strings[1:]))
        state.coverage[office_id] = value  # type: ignore[assignment]
    for office_id, job, employment, months in KpiOfficeSliceMonths.objects.values_list(
        "office_id", "job_category", "employment_type", "months"
    ).iterator(chunk_size=5000):
        if months.rstrip("0"):
            state.slices[(office_id, job, employment)] = months.rstrip("0")
    return state


def kpi_aggregates_differences(*, association_id: int, limit: int = 20) -> list[str]:
    """How the maintained tables differ from a rebuild (empty: they agree). Read only."""
    expected = aggregates_from_filings(association_id=association_id)
    actual = aggregates_maintained(association_id=association_id)
    # An office that never filed has nothing counted anywhere: its 部会 do not matter yet.
    for state in (expected, actual):
        state.coverage = {k: v for k, v in state.coverage.items() if v[1:] != ("", "", "")}
    differences: list[str] = []
    for name in ("aggregates", "coverage", "slices"):
        want: dict[Any, Any] = getattr(expected, name)
        have: dict[Any, Any] = getattr(actual, name)
        for key in sorted(want.keys() | have.keys(), key=str):
            if want.get(key) != have.get(key):
                differences.append(f"{name} {key}: rebuilt {want.get(key)}, kept {have.get(key)}")
    return differences[:limit] if limit else differences


@transaction.atomic
def kpi_aggregates_rebuild(*, association_id: int) -> int:
    """Recompute the association's aggregates from its filings; returns the aggregate rows.

    Filings of the association wait meanwhile: every office's coverage row is locked first
    (in office order, as filings take them), so no delta lands between the read and the write.
    """
    office_ids = list(Office.objects.order_by("pk").values_list("pk", flat=True))
    KpiOfficeCoverage.objects.bulk_create(
        [KpiOfficeCoverage(association_id=association_id, office_id=pk) for pk in office_ids],
        ignore_conflicts=True,
    )
    list(KpiOfficeCoverage.objects.select_for_update().order_by("office_id").values_list("pk"))
    state = aggregates_from_filings(association_id=association_id)

    KpiAggregate.objects.all().delete()
    KpiAggregate.objects.bulk_create(
        (
            KpiAggregate(
                association_id=association_id,
                month=month,
                scope=scope,
                job_category=job,
                employment_type=employment,
                **dict(zip(SUM_FIELDS, sums, strict=True)),
            )
            for (month, scope, job, employment), sums in state.aggregates.items()
        ),
        batch_size=2000,
    )
    coverages = list(KpiOfficeCoverage.objects.all())
    for coverage in coverages:
        values = state.coverage.get(coverage.office_id, (",", "", "", ""))
        coverage.subcommittees, coverage.filed, coverage.with_rows, coverage.on_time = values
    KpiOfficeCoverage.objects.bulk_update(
        coverages, ["subcommittees", "filed", "with_rows", "on_time"], batch_size=2000
    )
    KpiOfficeSliceMonths.objects.all().delete()
    KpiOfficeSliceMonths.objects.bulk_create(
        (
            KpiOfficeSliceMonths(
                association_id=association_id,
                office_id=office_id,
                job_category=job,
                employment_type=employment,
                months=months,
            )
            for (office_id, job, employment), months in state.slices.items()
        ),
        batch_size=2000,
    )
    return len(state.aggregates)
