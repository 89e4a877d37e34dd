"""Reads of filings and rates that pages, API, reports and tasks share (inside a scope)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import get_scope

from core.calendar import (
    add_months,
    filing_deadline,
    fiscal_year_months,
    fiscal_year_of,
    last_closed_month,
    latest_complete_survey_year,
    month_start,
    months_between,
    rolling_months,
    survey_year_months,
)
from kpis.aggregates import month_position
from kpis.models import (
    COUNT_FIELDS,
    DIRECT_CARE_JOBS,
    WHOLE_ASSOCIATION,
    EmploymentType,
    JobCategory,
    KpiAggregate,
    KpiOfficeCoverage,
    KpiOfficeSliceMonths,
    KpiSettings,
    KpiTarget,
    NationalBenchmark,
    ReportStatus,
    StaffingReport,
    StaffingRow,
)
from kpis.rates import OfficeMonth, Rate, WindowFigures, target_status, window_figures
from members.models import Office, OfficeStatus
from subcommittees.models import Subcommittee

_SUMMED = ("headcount_start", "hires", "separations", "separations_within_year", "headcount_end")


def kpi_settings(*, association_id: int) -> KpiSettings:
    settings, _created = KpiSettings.objects.get_or_create(association_id=association_id)
    return settings


def deadline_for(*, association_id: int, month: date) -> date:
    return filing_deadline(
        month, deadline_day=kpi_settings(association_id=association_id).deadline_day
    )


def office_months(
    *,
    first: date,
    last: date,
    office_ids: Iterable[int] | None = None,
    job_categories: Iterable[str] | None = None,
    employment_types: Iterable[str] | None = None,
) -> list[OfficeMonth]:
    """Submitted totals per office and month, summed over the chosen rows (one query).

    Every submitted filing gives one item, also when it has no row of the chosen slice
    (`has_rows` False, counts 0): the month was filed, the office just had none of those staff.
    """
    reports = StaffingReport.objects.filter(
        status=ReportStatus.SUBMITTED, month__gte=first, month__lte=last
    )
    if office_ids is not None:
        reports = reports.filter(office_id__in=list(office_ids))
    chosen = Q()
    if job_categories is not None:
        chosen &= Q(rows__job_category__in=list(job_categories))
    if employment_types is not None:
        chosen &= Q(rows__employment_type__in=list(employment_types))
    condition = chosen if chosen else None
    totals = (
        reports.order_by()
        .values("office_id", "month")
        .annotate(
            chosen_rows=Count("rows", filter=condition),
            **{name: Coalesce(Sum(f"rows__{name}", filter=condition), 0) for name in _SUMMED},
        )
    )
    return [
        OfficeMonth(
            office_id=row["office_id"],
            month=row["month"],
            has_rows=row["chosen_rows"] > 0,
            **{name: row[name] for name in _SUMMED},
        )
        for row in totals
    ]


def figures(
    *,
    first: date,
    last: date,
    office_ids: Iterable[int] | None = None,
    job_categories: Iterable[str] | None = None,
    employment_types: Iterable[str] | None = None,
) -> WindowFigures:
    """Rates over a window for the association, or the offices, jobs and employment named.
    Without `office_ids`, read from the maintained aggregates (`figures_many`)."""
    if office_ids is None:
        return figures_many(
            [
                FigureRequest(
                    first=first,
                    last=last,
                    job_categories=tuple(job_categories) if job_categories is not None else None,
                    employment_types=(
                        tuple(employment_types) if employment_types is not None else None
                    ),
                )
            ]
        )[0]
    return window_figures(
        office_months(
            first=first,
            last=last,
            office_ids=office_ids,
            job_categories=job_categories,
            employment_types=employment_types,
        ),
        first=first,
        last=last,
    )


def figures_by_office(*, first: date, last: date) -> dict[int, WindowFigures]:
    """Each office's own rates over the window (one query for all offices)."""
    grouped: dict[int, list[OfficeMonth]] = defaultdict(list)
    for item in office_months(first=first, last=last):
        grouped[item.office_id].append(item)
    return {
        office_id: window_figures(items, first=first, last=last)
        for office_id, items in grouped.items()
    }


def figures_by_subcommittee(*, first: date, last: date) -> dict[int, WindowFigures]:
    """Rates per 部会 (an office in several 部会 counts in each), from the aggregates."""
    subcommittee_ids = list(Subcommittee.objects.order_by("pk").values_list("pk", flat=True))
    results = figures_many(
        [FigureRequest(first=first, last=last, scope=pk) for pk in subcommittee_ids]
    )
    return dict(zip(subcommittee_ids, results, strict=True))


# --- figures from the maintained aggregates (kpis/aggregates.py) ------------------------


@dataclass(frozen=True)
class FigureRequest:
    """One figure to read: a window, a scope (the association or a 部会) and a slice."""

    first: date
    last: date
    scope: int = WHOLE_ASSOCIATION  # or a Subcommittee pk
    job_categories: tuple[str, ...] | None = None
    employment_types: tuple[str, ...] | None = None


def _slice_q(request: FigureRequest, prefix: str = "") -> Q:
    condition = Q()
    if request.job_categories is not None:
        condition &= Q(**{f"{prefix}job_category__in": request.job_categories})
    if request.employment_types is not None:
        condition &= Q(**{f"{prefix}employment_type__in": request.employment_types})
    return condition


def _window_alias(first: date, last: date) -> tuple[int, int, str]:
    """SUBSTR position and length of the window in the month strings, and "all filed"."""
    length = len(months_between(first, last))
    return month_position(first), length, "1" * length


_RATE_SUMS = ("hires", "separations", "separations_within_year")


def _sql_in(values: tuple[str, ...], allowed: Collection[str]) -> str:
    """An SQL list of choice values (checked against the choices: nothing else is inlined)."""
    if not values or not set(values) <= set(allowed):
        raise ValueError(f"unknown choice in {values!r}")
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _coverage_reads(
    requests: Sequence[FigureRequest],
    window_index: Mapping[tuple[date, date], int],
    earliest: date,
    latest: date,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What to take off the aggregates (the filings of offices that filed some but not all
    months of a window) and the offices covered and not, per request: two queries of one row.

    Plain SQL that SQLite and PostgreSQL both run: each office's month strings are cut to the
    months read once (materialised CTEs: a subquery would be flattened and the cut made again
    in every column, 27 ms instead of 9 at 550 offices), then every window is a short SUBSTR
    of that, so the cost per office does not grow with the length of its history.
    """
    association_id = _scoped_association_id()
    span_position = month_position(earliest)
    span_length = len(months_between(earliest, latest))
    flag_columns = []
    for (first, last), j in window_index.items():
        start = month_position(first) - span_position + 1
        length = len(months_between(first, last))
        window = f"substr(span_filed, {start}, {length})"
        full = "1" * length
        flag_columns += [
            f"CASE WHEN {window} = '{full}' THEN 1 ELSE 0 END AS full{j}",
            f"CASE WHEN {window} LIKE '%%1%%' AND {window} <> '{full}' THEN 1 ELSE 0 END"
            f" AS part{j}",
            f"CASE WHEN substr(span_rows, {start}, {length}) LIKE '%%1%%' THEN 1 ELSE 0 END"
            f" AS rows{j}",
        ]
    slice_columns = []
    for i, request in enumerate(requests):
        if request.job_categories is None and request.employment_types is None:
            continue
        start = month_position(request.first) - span_position + 1
        length = len(months_between(request.first, request.last))
        conditions = [f"substr(span, {start}, {length}) LIKE '%%1%%'"]
        if request.job_categories is not None:
            conditions.append(
                f"job_category IN {_sql_in(request.job_categories, JobCategory.values)}"
            )
        if request.employment_types is not None:
            conditions.append(
                f"employment_type IN {_sql_in(request.employment_types, EmploymentType.values)}"
            )
        slice_columns.append(
            f"MAX(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END) AS slice{i}"
        )
    # Only integers, dates, choice values and table names are put into the SQL text.
    ctes = f"""
        WITH spans AS MATERIALIZED (
            SELECT office_id, subcommittees,
                   substr(filed, {span_position}, {span_length}) AS span_filed,
                   substr(with_rows, {span_position}, {span_length}) AS span_rows
            FROM {KpiOfficeCoverage._meta.db_table}
            WHERE association_id = %s
        ), flags AS MATERIALIZED (
            SELECT office_id, subcommittees, {", ".join(flag_columns)}
            FROM spans WHERE span_filed LIKE '%%1%%'
        ), slice_spans AS MATERIALIZED (
            SELECT office_id, job_category, employment_type,
                   substr(months, {span_position}, {span_length}) AS span
            FROM {KpiOfficeSliceMonths._meta.db_table}
            WHERE association_id = %s
        ), slices AS MATERIALIZED (
            SELECT office_id {"".join(", " + column for column in slice_columns)}
            FROM slice_spans
            GROUP BY office_id
        )"""  # noqa: S608

    def scope_sql(request: FigureRequest) -> str:
        if request.scope == WHOLE_ASSOCIATION:
            return ""
        return f" AND f.subcommittees LIKE '%%,{int(request.scope)},%%'"

    def slice_sql(request: FigureRequest) -> str:
        sql = ""
        if request.job_categories is not None:
            sql += f" AND sr.job_category IN {_sql_in(request.job_categories, JobCategory.values)}"
        if request.employment_types is not None:
            sql += (
                f" AND sr.employment_type IN "
                f"{_sql_in(request.employment_types, EmploymentType.values)}"
            )
        return sql

    counts, sums = [], []
    for i, request in enumerate(requests):
        j = window_index[(request.first, request.last)]
        if request.job_categories is None and request.employment_types is None:
            has_rows = f"f.rows{j} = 1"
        else:
            has_rows = f"s.slice{i} = 1"
        condition = f"{has_rows}{scope_sql(request)}"
        counts += [
            f"COUNT(CASE WHEN f.full{j} = 1 AND {condition} THEN 1 END) AS covered{i}",
            f"COUNT(CASE WHEN f.part{j} = 1 AND {condition} THEN 1 END) AS partial{i}",
        ]
        taken = f"f.part{j} = 1{scope_sql(request)}{slice_sql(request)}"
        in_window = (
            f"r.month >= '{request.first.isoformat()}' AND r.month <= '{request.last.isoformat()}'"
        )
        sums += [
            f"SUM(CASE WHEN {taken} AND {in_window} THEN sr.{name} END) AS {name}{i}"
            for name in _RATE_SUMS
        ]
        sums.append(
            f"SUM(CASE WHEN {taken} AND r.month = '{request.first.isoformat()}'"
            f" THEN sr.headcount_start END) AS start{i}"
        )
    count_sql = f"""{ctes}
        SELECT {", ".join(counts)}
        FROM flags AS f LEFT JOIN slices AS s ON s.office_id = f.office_id"""  # noqa: S608
    # From the few offices that filed part of a window to their filings (the unique index on
    # office and month), never from every filing of the span to the offices: without the
    # planner's statistics (after a bulk load, before autovacuum's ANALYZE) the other way
    # round became a nested loop over every filing (0.7 s at 550 offices).
    sum_sql = f"""{ctes}, partial AS MATERIALIZED (
            SELECT * FROM flags AS f WHERE {{partial}}
        )
        SELECT {", ".join(sums)}
        FROM partial AS f
        JOIN {StaffingReport._meta.db_table} AS r ON r.office_id = f.office_id
        JOIN {StaffingRow._meta.db_table} AS sr ON sr.report_id = r.id
        WHERE r.association_id = %s AND r.status = '{ReportStatus.SUBMITTED.value}'
          AND r.month >= '{earliest.isoformat()}' AND r.month <= '{latest.isoformat()}'"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(count_sql, [association_id, association_id])
        covered = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        # Only windows someone is covered in need anything taken off (the others have no
        # figure): windows before the first filings do not make the database read them all.
        needed = {
            window_index[(request.first, request.last)]
            for i, request in enumerate(requests)
            if covered[f"covered{i}"] and covered[f"partial{i}"]
        }
        partial = " OR ".join(f"f.part{j} = 1" for j in sorted(needed)) or "1 = 0"
        cursor.execute(
            sum_sql.replace("{partial}", partial), [association_id, association_id, association_id]
        )
        taken_off = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    return taken_off, covered


def _scoped_association_id() -> int:
    """The association of the current scope (raw SQL does not pass the scoped managers)."""
    association = get_scope().get("association")
    if isinstance(association, (list, tuple, set)):
        association = next(iter(association)) if len(association) == 1 else None
    if association is None or association is True:
        raise RuntimeError("figures are read inside one association's scope")
    return int(getattr(association, "pk", association))


def figures_many(requests: Sequence[FigureRequest]) -> list[WindowFigures]:
    """The rates of many windows, scopes and slices in three queries, whatever the number of
    offices and months, each returning one row (see kpis/rates.py for the definitions).

    The aggregates sum every filing of a month; an office counts only when it filed every month
    of the window, so the filings of the offices that filed some months of it but not all
    (few: late filers, gaps, joiners) are taken off again, summed by the database. Coverage
    (offices covered and not) is counted on the offices' month strings.
    """
    if not requests:
        return []
    windows = sorted({(r.first, r.last) for r in requests})
    window_index = {window: j for j, window in enumerate(windows)}
    earliest = min(first for first, _last in windows)
    latest = max(last for _first, last in windows)
    scopes = sorted({r.scope for r in requests})

    def scope_q(request: FigureRequest, path: str) -> Q:
        if request.scope == WHOLE_ASSOCIATION:
            return Q()
        return Q(**{f"{path}__contains": f",{request.scope},"})

    # 1. Every filing of each window, from the aggregate rows (SQL text built here: the ORM
    # would spend more time compiling a few hundred filtered sums than the database summing).
    columns = []
    for i, request in enumerate(requests):
        base = f"scope = {int(request.scope)}"
        if request.job_categories is not None:
            base += f" AND job_category IN {_sql_in(request.job_categories, JobCategory.values)}"
        if request.employment_types is not None:
            base += (
                " AND employment_type IN "
                f"{_sql_in(request.employment_types, EmploymentType.values)}"
            )
        window = f"month >= '{request.first.isoformat()}' AND month <= '{request.last.isoformat()}'"
        columns += [
            f"SUM(CASE WHEN {base} AND {window} THEN {name} END) AS r{i}_{name}"
            for name in _RATE_SUMS
        ]
        columns.append(
            f"SUM(CASE WHEN {base} AND month = '{request.first.isoformat()}'"
            f" THEN headcount_start END) AS r{i}_start"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {KpiAggregate._meta.db_table} "  # noqa: S608
            f"WHERE association_id = %s AND month >= %s AND month <= %s "
            f"AND scope IN ({', '.join(str(int(scope)) for scope in scopes)})",
            [_scoped_association_id(), earliest, latest],
        )
        totals = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))

    # 2. and 3.: the offices' month strings, read by the database.
    taken_off, covered = _coverage_reads(requests, window_index, earliest, latest)

    results = []
    for i, request in enumerate(requests):
        offices = covered[f"covered{i}"] or 0
        not_covered = covered[f"partial{i}"] or 0
        if not offices:
            empty = Rate(None, None)
            results.append(
                WindowFigures(request.first, request.last, empty, empty, empty, 0, not_covered)
            )
            continue
        value = {
            name: (totals[f"r{i}_{name}"] or 0) - (taken_off[f"{name}{i}"] or 0)
            for name in (*_RATE_SUMS, "start")
        }
        results.append(
            WindowFigures(
                first=request.first,
                last=request.last,
                hire_rate=Rate(value["hires"], value["start"]),
                separation_rate=Rate(value["separations"], value["start"]),
                early_separation_share=Rate(value["separations_within_year"], value["separations"]),
                offices=offices,
                offices_not_covered=not_covered,
            )
        )
    return results


def report_for(*, office_id: int, month: date) -> StaffingReport | None:
    return (
        StaffingReport.objects.filter(office_id=office_id, month=month)
        .prefetch_related("rows")
        .first()
    )


# --- the officers' dashboard -------------------------------------------------------------


def _tokyo_midnight(day: date) -> datetime:
    """Midnight (Asia/Tokyo) at the start of `day`: times before it fall on earlier days."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


@dataclass(frozen=True)
class MonthCompleteness:
    """Filing completeness of one month: approved offices expected, submitted, on time."""

    month: date
    deadline: date
    closed: bool  # the deadline is over
    expected: int
    filed: int
    on_time: int

    @property
    def late(self) -> int:
        return self.filed - self.on_time

    @property
    def missing(self) -> int:
        return max(self.expected - self.filed, 0)

    @property
    def percent(self) -> Decimal | None:
        return Rate(self.filed, self.expected).value


def filing_completeness(
    *, months: Sequence[date], deadline_day: int, today: date
) -> list[MonthCompleteness]:
    """Per month: approved offices (expected), their submitted filings, and how many of those
    were first submitted by the deadline. One query on the offices' month strings, whatever
    the number of filings.

    On time counts a filing's first submission, so an officer's reopening and the office's
    correction afterwards do not turn an on-time filing late. It is decided when the filing is
    first submitted, against the deadline then in force (a rebuild uses today's).
    """
    if not months:
        return []
    deadlines = {month: filing_deadline(month, deadline_day=deadline_day) for month in months}
    # Expected: the offices approved now (a roster import approves offices with years of
    # history, so the approval date says nothing about which months they had to file). The
    # months' marks are cut from each office's strings once (a materialised CTE), as in
    # _coverage_reads; an office that never filed has no coverage row and no mark.
    start = month_position(min(months))
    length = month_position(max(months)) - start + 1
    columns = []
    for i, month in enumerate(months):
        at = month_position(month) - start + 1
        columns += [
            f"COUNT(CASE WHEN substr(filed, {at}, 1) = '1' THEN 1 END) AS filed_{i}",
            f"COUNT(CASE WHEN substr(on_time, {at}, 1) = '1' THEN 1 END) AS on_time_{i}",
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH marks AS MATERIALIZED (
                SELECT substr(c.filed, {start}, {length}) AS filed,
                       substr(c.on_time, {start}, {length}) AS on_time
                FROM {Office._meta.db_table} AS o
                LEFT JOIN {KpiOfficeCoverage._meta.db_table} AS c
                    ON c.office_id = o.id AND c.association_id = o.association_id
                WHERE o.association_id = %s AND o.status = %s
            )
            SELECT COUNT(*) AS expected, {", ".join(columns)} FROM marks""",  # noqa: S608
            [_scoped_association_id(), OfficeStatus.APPROVED.value],
        )
        counts = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    return [
        MonthCompleteness(
            month=month,
            deadline=deadlines[month],
            closed=deadlines[month] < today,
            expected=counts["expected"],
            filed=counts[f"filed_{i}"] or 0,
            on_time=counts[f"on_time_{i}"] or 0,
        )
        for i, month in enumerate(months)
    ]


def offices_not_filed(*, month: date) -> QuerySet[Office]:
    """Approved offices with no submitted filing for `month` (a draft is not a filing)."""
    submitted = StaffingReport.objects.filter(
        office=OuterRef("pk"), month=month, status=ReportStatus.SUBMITTED
    )
    return (
        Office.objects.filter(status=OfficeStatus.APPROVED)
        .exclude(Exists(submitted))
        .select_related("corporation")
        .order_by("kana", "name", "pk")
    )


WINDOW_KEYS = ("fiscal_year", "survey_year", "rolling")


@dataclass(frozen=True)
class ScopeFigures:
    """One scope's figures (the association when `subcommittee` is None) per window key."""

    subcommittee: Subcommittee | None
    figures: dict[str, WindowFigures | None]


@dataclass(frozen=True)
class TargetProgress:
    target: KpiTarget
    value: Decimal | None
    offices: int
    status: str  # met, not_met, no_data


@dataclass(frozen=True)
class KpiOverview:
    """Everything the officers' KPI dashboard shows, read in a fixed number of queries."""

    today: date
    deadline_day: int
    last_closed_month: date
    fiscal_year: int
    survey_year: int
    # The three windows; the fiscal year to date is None before its first month closes.
    windows: dict[str, tuple[date, date] | None]
    association: ScopeFigures
    subcommittees: list[ScopeFigures]
    # The survey year for care workers and home helpers (2職種計), as the survey reports it.
    survey_year_direct_care: WindowFigures
    # metric -> the latest national figure for the survey year or earlier
    benchmarks: dict[str, NationalBenchmark]
    targets: list[TargetProgress]
    # The rolling 12 months ending at each of the last 12 closed months, oldest first.
    trend: list[WindowFigures]
    completeness: list[MonthCompleteness]
    # The survey year by job category and by employment type (the whole association).
    survey_year_by_job: dict[str, WindowFigures]
    survey_year_by_employment: dict[str, WindowFigures]


def kpi_overview(*, association_id: int, today: date) -> KpiOverview:
    """The dashboard's reads: completeness, rates by scope and window, benchmarks, targets,
    trend. A fixed number of queries, each returning a fixed number of rows, whatever the
    number of offices and months: the rates come from the maintained aggregates."""
    deadline_day = kpi_settings(association_id=association_id).deadline_day
    last_closed = last_closed_month(today, deadline_day=deadline_day)
    fiscal_year = fiscal_year_of(today)
    fiscal_first, _fiscal_last = fiscal_year_months(fiscal_year)
    survey_year = latest_complete_survey_year(last_closed)
    windows: dict[str, tuple[date, date] | None] = {
        "fiscal_year": (fiscal_first, last_closed) if last_closed >= fiscal_first else None,
        "survey_year": survey_year_months(survey_year),
        "rolling": rolling_months(last_closed),
    }
    trend_windows = [rolling_months(add_months(last_closed, -back)) for back in range(11, -1, -1)]
    subcommittees = list(Subcommittee.objects.order_by("pk"))
    survey_first, survey_last = survey_year_months(survey_year)
    # Every figure of the page in one batch: three queries of one row each.
    requests: list[FigureRequest] = []
    slots: dict[Any, int] = {}

    def ask(key: Any, request: FigureRequest) -> None:
        slots[key] = len(requests)
        requests.append(request)

    for key, window in windows.items():
        if window is None:
            continue
        for scope in [WHOLE_ASSOCIATION, *(s.pk for s in subcommittees)]:
            ask(("window", key, scope), FigureRequest(first=window[0], last=window[1], scope=scope))
    for n, (first, last) in enumerate(trend_windows):
        ask(("trend", n), FigureRequest(first=first, last=last))
    ask(
        "direct_care",
        FigureRequest(
            first=survey_first,
            last=survey_last,
            job_categories=tuple(str(job) for job in DIRECT_CARE_JOBS),
        ),
    )
    for job in JobCategory.values:
        ask(
            ("job", job), FigureRequest(first=survey_first, last=survey_last, job_categories=(job,))
        )
    for employment in EmploymentType.values:
        ask(
            ("employment", employment),
            FigureRequest(first=survey_first, last=survey_last, employment_types=(employment,)),
        )
    results = figures_many(requests)

    def window_of(key: str, scope: int) -> WindowFigures | None:
        slot = slots.get(("window", key, scope))
        return results[slot] if slot is not None else None

    association = ScopeFigures(None, {key: window_of(key, WHOLE_ASSOCIATION) for key in windows})
    by_subcommittee = [
        ScopeFigures(subcommittee, {key: window_of(key, subcommittee.pk) for key in windows})
        for subcommittee in subcommittees
    ]
    direct_care = results[slots["direct_care"]]

    benchmarks: dict[str, NationalBenchmark] = {}
    for benchmark in NationalBenchmark.objects.filter(survey_year__lte=survey_year).order_by(
        "metric", "-survey_year"
    ):
        benchmarks.setdefault(benchmark.metric, benchmark)

    scopes: dict[int | None, ScopeFigures] = {None: association}
    scopes.update({s.subcommittee.pk: s for s in by_subcommittee if s.subcommittee})
    progress = []
    targets = KpiTarget.objects.filter(fiscal_year=fiscal_year).select_related("subcommittee")
    for target in targets.order_by("subcommittee_id", "metric", "pk"):
        scope_figures = scopes.get(target.subcommittee_id)
        to_date = scope_figures.figures["fiscal_year"] if scope_figures else None
        value = getattr(to_date, target.metric).value if to_date else None
        progress.append(
            TargetProgress(
                target=target,
                value=value,
                offices=to_date.offices if to_date else 0,
                status=target_status(value, target=target.value, at_most=target.at_most),
            )
        )
    # Association-wide targets first, then the subcommittees in their usual order.
    progress.sort(
        key=lambda p: (p.target.subcommittee_id is not None, p.target.subcommittee_id or 0)
    )

    return KpiOverview(
        today=today,
        deadline_day=deadline_day,
        last_closed_month=last_closed,
        fiscal_year=fiscal_year,
        survey_year=survey_year,
        windows=windows,
        association=association,
        subcommittees=by_subcommittee,
        survey_year_direct_care=direct_care,
        benchmarks=benchmarks,
        targets=progress,
        trend=[results[slots[("trend", n)]] for n in range(len(trend_windows))],
        survey_year_by_job={job: results[slots[("job", job)]] for job in JobCategory.values},
        survey_year_by_employment={
            employment: results[slots[("employment", employment)]]
            for employment in EmploymentType.values
        },
        completeness=filing_completeness(
            months=[add_months(month_start(today), -back) for back in range(6, 0, -1)],
            deadline_day=deadline_day,
            today=today,
        ),
    )


# --- charts ----------------------------------------------------------------------------------


def hires_by_channel_per_scope(
    *, first: date, last: date, subcommittee_ids: Collection[int]
) -> dict[int | None, dict[str, int]]:
    """Hires by channel over the months `first`…`last` for the whole association (key None) and
    each 部会, from the maintained aggregates: one query, a row per scope, whatever the number
    of offices or months."""
    from kpis.models import HIRE_CHANNELS, WHOLE_ASSOCIATION, KpiAggregate

    channels = [channel for channel, _label in HIRE_CHANNELS]
    scopes = [WHOLE_ASSOCIATION, *subcommittee_ids]
    rows = (
        KpiAggregate.objects.filter(month__gte=first, month__lte=last, scope__in=scopes)
        .values("scope")
        .annotate(**{channel: Sum(channel) for channel in channels})
        .order_by()
    )
    found = {row["scope"]: row for row in rows}
    return {
        (None if scope == WHOLE_ASSOCIATION else scope): {
            channel: int(found.get(scope, {}).get(channel) or 0) for channel in channels
        }
        for scope in scopes
    }


# --- counts per scope, period and slice (the monthly reports) -------------------------------

ANY = "*"  # a slice key matching every job category or employment type
DIRECT = "direct"  # the job key of 2職種計 (DIRECT_CARE_JOBS); office counts only
Period = tuple[str, date, date]  # (name, first, last)
CountKey = tuple[int | None, str, str, str]  # (scope: None or a 部会 pk, period, job, employment)


def _slice_groups() -> list[tuple[str, str, tuple[str, ...] | None, tuple[str, ...] | None]]:
    """(job key, employment key, jobs, employments): the totals, each job, each employment
    type, each job × employment type, and 2職種計."""
    jobs, employments = list(JobCategory.values), list(EmploymentType.values)
    return [
        (ANY, ANY, None, None),
        *((job, ANY, (job,), None) for job in jobs),
        *((ANY, employment, None, (employment,)) for employment in employments),
        *((job, employment, (job,), (employment,)) for job in jobs for employment in employments),
        (DIRECT, ANY, tuple(str(job) for job in DIRECT_CARE_JOBS), None),
    ]


@dataclass(frozen=True)
class SliceCounts:
    """Sums of the submitted filings' counts and how many offices filed a row, per (scope,
    period, job, employment) (`ANY` for every job or employment type; scope None: the whole
    association). `no_subcommittee` and `several_subcommittees`: per (period, job, employment),
    how many of those offices belong to no 部会 or to several (the association is then not the
    sum of its 部会)."""

    sums: dict[CountKey, dict[str, int]]
    offices: dict[CountKey, int]
    no_subcommittee: dict[tuple[str, str, str], int]
    several_subcommittees: dict[tuple[str, str, str], int]


def slice_counts(*, periods: Sequence[Period], subcommittee_ids: Sequence[int]) -> SliceCounts:
    """Counts for the monthly reports, from the maintained aggregates (sums: one query, a row
    per scope and job × employment type) and the offices' month strings (office counts: one
    query of one row, counted by the database). Rows fetched do not grow with offices or months.
    """
    groups = _slice_groups()
    scope_keys: list[int | None] = [None, *subcommittee_ids]
    sums: dict[CountKey, dict[str, int]] = {}
    if periods:
        earliest = min(first for _name, first, _last in periods)
        latest = max(last for _name, _first, last in periods)
        annotations = {
            f"{name}__{field}": Sum(field, filter=Q(month__gte=first, month__lte=last))
            for name, first, last in periods
            for field in COUNT_FIELDS
        }
        rows = (
            KpiAggregate.objects.filter(
                month__gte=earliest,
                month__lte=latest,
                scope__in=[WHOLE_ASSOCIATION, *subcommittee_ids],
            )
            .order_by()
            .values("scope", "job_category", "employment_type")
            .annotate(**annotations)
        )
        for row in rows:
            scope_key = None if row["scope"] == WHOLE_ASSOCIATION else row["scope"]
            for job_key, employment_key, jobs, employments in groups:
                if jobs is not None and row["job_category"] not in jobs:
                    continue
                if employments is not None and row["employment_type"] not in employments:
                    continue
                for name, _first, _last in periods:
                    key = (scope_key, name, job_key, employment_key)
                    total = sums.setdefault(key, dict.fromkeys(COUNT_FIELDS, 0))
                    for field in COUNT_FIELDS:
                        total[field] += row[f"{name}__{field}"] or 0
    offices, none, several = _slice_office_counts(periods, groups, scope_keys)
    return SliceCounts(sums, offices, none, several)


def _slice_office_counts(
    periods: Sequence[Period],
    groups: Sequence[tuple[str, str, tuple[str, ...] | None, tuple[str, ...] | None]],
    scope_keys: Sequence[int | None],
) -> tuple[dict[CountKey, int], dict[tuple[str, str, str], int], dict[tuple[str, str, str], int]]:
    """Offices with a row of each slice in each period, per scope, and of those how many
    belong to no 部会 or several: one query returning one row (a flag per office, slice and
    period on the offices' month strings, then counts)."""
    if not periods:
        return {}, {}, {}
    association_id = _scoped_association_id()
    span_first = min(first for _name, first, _last in periods)
    span_last = max(last for _name, _first, last in periods)
    flags, labels = [], []
    for g, (job_key, employment_key, jobs, employments) in enumerate(groups):
        for p, (name, first, last) in enumerate(periods):
            conditions = [
                f"substr(sm.span, {month_position(first) - month_position(span_first) + 1}, "
                f"{len(months_between(first, last))}) LIKE '%%1%%'"
            ]
            if jobs is not None:
                conditions.append(f"sm.job_category IN {_sql_in(jobs, JobCategory.values)}")
            if employments is not None:
                conditions.append(
                    f"sm.employment_type IN {_sql_in(employments, EmploymentType.values)}"
                )
            flags.append(f"MAX(CASE WHEN {' AND '.join(conditions)} THEN 1 ELSE 0 END) AS f{g}_{p}")
            labels.append((g, p, name, job_key, employment_key))
    commas = "(length(o.subcommittees) - length(replace(o.subcommittees, ',', '')))"
    counts = []
    for g, p, _name, _job, _employment in labels:
        for s, scope_key in enumerate(scope_keys):
            scope_sql = (
                "" if scope_key is None else f" AND o.subcommittees LIKE '%%,{scope_key},%%'"
            )
            counts.append(f"COUNT(CASE WHEN o.f{g}_{p} = 1{scope_sql} THEN 1 END) AS c{g}_{p}_{s}")
        counts.append(f"COUNT(CASE WHEN o.f{g}_{p} = 1 AND {commas} < 2 THEN 1 END) AS n{g}_{p}")
        counts.append(f"COUNT(CASE WHEN o.f{g}_{p} = 1 AND {commas} > 2 THEN 1 END) AS m{g}_{p}")
    # Only integers and choice values are put into the SQL text. Each month string is cut to
    # the months read once (a character position costs a scan from the string's start).
    sql = f"""
        WITH sm AS MATERIALIZED (
            SELECT office_id, job_category, employment_type,
                   substr(months, {month_position(span_first)},
                          {len(months_between(span_first, span_last))}) AS span
            FROM {KpiOfficeSliceMonths._meta.db_table}
            WHERE association_id = %s
        ), o AS MATERIALIZED (
            SELECT sm.office_id, c.subcommittees, {", ".join(flags)}
            FROM sm JOIN {KpiOfficeCoverage._meta.db_table} AS c ON c.office_id = sm.office_id
            WHERE sm.span LIKE '%%1%%'
            GROUP BY sm.office_id, c.subcommittees
        )
        SELECT {", ".join(counts)} FROM o"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [association_id])
        row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    offices: dict[CountKey, int] = {}
    none: dict[tuple[str, str, str], int] = {}
    several: dict[tuple[str, str, str], int] = {}
    for g, p, name, job_key, employment_key in labels:
        for s, scope_key in enumerate(scope_keys):
            offices[(scope_key, name, job_key, employment_key)] = row[f"c{g}_{p}_{s}"] or 0
        none[(name, job_key, employment_key)] = row[f"n{g}_{p}"] or 0
        several[(name, job_key, employment_key)] = row[f"m{g}_{p}"] or 0
    return offices, none, several


def _memberships_sql() -> str:
    """(office_id, subcommittee_id) pairs of the association by the one membership rule (an
    office offers a service type the mapping puts in the 部会), as SQL taking the association's
    id twice."""
    from members.models import OfficeService
    from subcommittees.models import ServiceTypeMapping

    return f"""
        SELECT DISTINCT os.office_id, m.subcommittee_id
        FROM {OfficeService._meta.db_table} AS os
        JOIN {Office._meta.db_table} AS mo ON mo.id = os.office_id AND mo.association_id = %s
        JOIN {ServiceTypeMapping._meta.db_table} AS m ON m.service_code = os.service_code
        WHERE m.association_id = %s"""  # noqa: S608 (table names only)


def offices_filed_by_scope(
    *, month: date, subcommittee_ids: Sequence[int]
) -> dict[int | None, tuple[int, int]]:
    """Per scope (None: the association; a 部会 by the membership rule): approved offices,
    and those of them with a submitted filing for `month`. One query, a row per scope."""
    association_id = _scoped_association_id()
    filed = f"CASE WHEN substr(c.filed, {month_position(month)}, 1) = '1' THEN 1 END"
    offices = f"""
        FROM {Office._meta.db_table} AS o
        LEFT JOIN {KpiOfficeCoverage._meta.db_table} AS c
            ON c.office_id = o.id AND c.association_id = o.association_id
        WHERE o.association_id = %s AND o.status = '{OfficeStatus.APPROVED.value}'"""
    sql = f"""
        SELECT NULL AS scope, COUNT(*), COUNT({filed}) {offices}
        UNION ALL
        SELECT s.subcommittee_id, COUNT(*), COUNT({filed}) {
        offices.replace("WHERE", f"JOIN ({_memberships_sql()}) AS s ON s.office_id = o.id WHERE")
    }
        GROUP BY s.subcommittee_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [association_id, association_id, association_id, association_id])
        found = {scope: (expected, done) for scope, expected, done in cursor.fetchall()}
    result: dict[int | None, tuple[int, int]] = {None: found.get(None, (0, 0))}
    for pk in subcommittee_ids:
        result[pk] = found.get(pk, (0, 0))
    return result


def offices_in_several_subcommittees() -> int:
    """Offices (whatever their status) that the membership rule puts in more than one 部会."""
    sql = f"""
        SELECT COUNT(*) FROM (
            SELECT office_id FROM ({_memberships_sql()}) AS pairs
            GROUP BY office_id HAVING COUNT(*) > 1
        ) AS several"""  # noqa: S608 (table names only)
    with connection.cursor() as cursor:
        cursor.execute(sql, [_scoped_association_id()] * 2)
        return int(cursor.fetchone()[0])
