"""What the monthly reports for the city say: a JSON-serialisable snapshot of figures.

`report_content` reads the association's submitted filings once (a fixed number of queries,
whatever the number of offices) and returns plain data: numbers as ints or strings ("12.3"),
dates as ISO strings. The PDF and XLSX (reports/render.py) are drawn from it, and it is
stored with each report revision so a published report can be checked against its figures.

Every figure is a *cell*: ``{"value": ..., "offices": n}`` where ``offices`` is the number of
offices the figure is built from. `suppress` blanks the cells built from fewer offices than the
association's threshold. Cells marked ``"public": True`` are counts of offices themselves
(coverage) or published numbers (national benchmark, targets): nothing about any office's
staff can be read from them, so they are never suppressed. No office-level rows ever appear.

The labels are Japanese literals on purpose: the reports are written for a Japanese city and
are always in Japanese, whatever the language of the person or worker building them.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, Sum, Value, When
from django_scopes import scope

from core.calendar import (
    add_months,
    fiscal_year_months,
    fiscal_year_of,
    latest_complete_survey_year,
    month_start,
    rolling_months,
    wareki_fiscal_year,
    wareki_month,
)
from kpis.models import (
    COUNT_FIELDS,
    DIRECT_CARE_JOBS,
    HIRE_CHANNELS,
    EmploymentType,
    JobCategory,
    KpiTarget,
    NationalBenchmark,
    ReportStatus,
    StaffingRow,
)
from kpis.rates import OfficeMonth, Rate, WindowFigures, target_status, window_figures
from kpis.selectors import office_months, subcommittee_office_ids
from members.models import Office, OfficeStatus
from reports.models import ReportKind
from subcommittees.models import Subcommittee

SCHEMA_VERSION = 1
ANY = "*"  # a slice key matching every job category or employment type

REPORT_TITLES = {
    ReportKind.RECRUITMENT.value: "採用状況報告書",
    ReportKind.RETENTION.value: "定着状況報告書",
}
JOB_LABELS = {
    JobCategory.CARE_WORKER.value: "介護職員",
    JobCategory.HOME_HELPER.value: "訪問介護員",
    JobCategory.CARE_MANAGER.value: "介護支援専門員",
    JobCategory.NURSE.value: "看護職員",
    JobCategory.COUNSELOR.value: "生活相談員・支援相談員",
    JobCategory.OTHER.value: "その他",
}
EMPLOYMENT_LABELS = {
    EmploymentType.REGULAR.value: "正規職員",
    EmploymentType.NON_REGULAR.value: "非正規職員",
}
CHANNEL_LABELS = {
    "hires_job_fair": "当会の就職フェア",
    "hires_association_posting": "当会の求人掲載",
    "hires_hello_work": "ハローワーク",
    "hires_agency": "人材紹介会社",
    "hires_referral": "紹介（縁故）",
    "hires_other": "その他",
}
METRIC_LABELS = {
    "hire_rate": "採用率",
    "separation_rate": "離職率",
    "early_separation_share": "早期離職割合",
}
TARGET_STATUS_LABELS = {"met": "達成", "not_met": "未達成", "no_data": "データなし"}
WHOLE = "連絡会全体"

NOTES = [
    "採用率＝期間中の採用者数÷期間開始時の職員数×100。離職率＝期間中の離職者数÷期間開始時の"
    "職員数×100（公益財団法人介護労働安定センター「介護労働実態調査」と同じ定義）。",
    "早期離職割合＝採用から1年以内の離職者数÷離職者数×100。",
    "率は、期間中のすべての月を提出した事業所のみで計算します（期間開始時の職員数は最初の月の"
    "月初の職員数）。途中から提出を始めた事業所や提出のない月がある事業所は含めません。",
    "率は事業所ごとの率の平均ではなく、分子と分母をそれぞれ合計して計算します。"
    "小数第2位を四捨五入しています。分母のない値は空欄です。",
    "人数（採用者数・離職者数・欠員数）は、期間中に提出されたすべての報告の合計です。",
    "全国値は介護労働実態調査の2職種計（訪問介護員・介護職員）です。調査年は前年10月から"
    "9月までで、年度（4月から3月）とは異なります。当会の値との比較には2職種計の列を用いてください。",
    "部会の値は、各事業所のサービス種類から部会を判定して集計します。複数の部会に属する事業所は"
    "それぞれの部会に数えます。",
    "提出状況の対象事業所数は、現在承認されている会員事業所の数です。",
]
SUPPRESSION_NOTE = (
    "「*」は、集計の基になった事業所が{threshold}事業所未満のため、個人が特定されることの"
    "ないよう数値を表示していない欄です。"
)


# --- cells --------------------------------------------------------------------------------


def _cell(
    value: int | Decimal | str | None, offices: int, *, public: bool = False
) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "value": str(value) if isinstance(value, Decimal) else value,
        "offices": offices,
    }
    if public:
        cell["public"] = True
    return cell


def _rate_cell(rate: Rate, offices: int) -> dict[str, Any]:
    return _cell(rate.value, offices)


def _is_cell(item: Any) -> bool:
    return isinstance(item, dict) and "value" in item and "offices" in item


def suppress(content: Mapping[str, Any], *, threshold: int) -> dict[str, Any]:
    """A copy where every cell built from 1 … threshold−1 offices shows nothing.

    A suppressed cell keeps its office count and gets ``value: None, "suppressed": True``.
    A cell built from no office has no value already (no data, not suppressed).
    """
    result = copy.deepcopy(dict(content))
    count = 0

    def walk(item: Any) -> None:
        nonlocal count
        if _is_cell(item):
            offices = item["offices"]
            if not item.get("public") and isinstance(offices, int) and 0 < offices < threshold:
                item["value"] = None
                item["suppressed"] = True
                count += 1
            return
        if isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(result)
    result["suppression"] = {
        "threshold": threshold,
        "cells": count,
        "note": SUPPRESSION_NOTE.format(threshold=threshold),
    }
    return result


# --- reading ------------------------------------------------------------------------------


class _Counts:
    """Sums of the filings' counts per (scope, period, job category, employment type)."""

    def __init__(self) -> None:
        self.sums: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
            lambda: dict.fromkeys(COUNT_FIELDS, 0)
        )
        self.offices: dict[tuple[Any, ...], set[int]] = defaultdict(set)

    def add(self, key: tuple[Any, ...], office_id: int, values: Mapping[str, int]) -> None:
        sums = self.sums[key]
        for name in COUNT_FIELDS:
            sums[name] += values[name] or 0
        self.offices[key].add(office_id)

    def cell(
        self, scope_key: Any, period: str, name: str, *, job: str = ANY, employment: str = ANY
    ) -> dict[str, Any]:
        key = (scope_key, period, job, employment)
        offices = len(self.offices.get(key, ()))
        if not offices:
            return _cell(None, 0)
        return _cell(self.sums[key][name], offices)


def _read_counts(*, first: date, month: date, scopes_of: Mapping[int, list[Any]]) -> _Counts:
    """One query: per office, job category and employment type, this month and the window."""
    sums = {name: Sum(name) for name in COUNT_FIELDS}
    rows = (
        StaffingRow.objects.filter(
            report__status=ReportStatus.SUBMITTED,
            report__month__gte=first,
            report__month__lte=month,
        )
        .order_by()
        .annotate(current=Case(When(report__month=month, then=Value(True)), default=Value(False)))
        .values("report__office_id", "job_category", "employment_type", "current")
        .annotate(**sums)
    )
    counts = _Counts()
    for row in rows:
        office_id = row["report__office_id"]
        periods = ("rolling", "month") if row["current"] else ("rolling",)
        slices = (
            (row["job_category"], row["employment_type"]),
            (row["job_category"], ANY),
            (ANY, row["employment_type"]),
            (ANY, ANY),
        )
        for scope_key in scopes_of.get(office_id, [None]):
            for period in periods:
                for job, employment in slices:
                    counts.add((scope_key, period, job, employment), office_id, row)
    return counts


def _window(
    by_office: Mapping[int, list[OfficeMonth]],
    office_ids: Collection[int] | None,
    first: date,
    last: date,
) -> WindowFigures:
    if office_ids is None:
        items: Iterable[OfficeMonth] = (i for group in by_office.values() for i in group)
    else:
        items = (i for pk in office_ids for i in by_office.get(pk, ()))
    return window_figures(items, first=first, last=last)


def _period(first: date, last: date) -> str:
    return f"{wareki_month(first)}～{wareki_month(last)}"


def _table(
    key: str,
    title: str,
    period: str,
    columns: list[tuple[str, str, str]],
    rows: list[dict[str, Any]],
    *,
    row_header: str = "",
    note: str = "",
) -> dict[str, Any]:
    return {
        "key": key,
        "title": title,
        "period": period,
        "row_header": row_header,
        "columns": [{"key": k, "label": label, "format": fmt} for k, label, fmt in columns],
        "rows": rows,
        "note": note,
    }


def report_content(*, association: Any, month: date, kind: str) -> dict[str, Any]:
    """The snapshot of one monthly report (`kind`: recruitment or retention) for `month`."""
    kind = ReportKind(kind).value
    month = month_start(month)
    with scope(association=association.pk):
        return _build(association=association, month=month, kind=kind)


def _build(*, association: Any, month: date, kind: str) -> dict[str, Any]:
    rolling_first, _rolling_last = rolling_months(month)
    fiscal_year = fiscal_year_of(month)
    fiscal_first, _fiscal_last = fiscal_year_months(fiscal_year)
    survey_year = latest_complete_survey_year(month)
    trend_ends = [add_months(month, -back) for back in range(23, -1, -1)]
    earliest = rolling_months(trend_ends[0])[0]

    # --- the reads: a fixed number of queries --------------------------------------------
    subcommittees = list(Subcommittee.objects.order_by("pk"))
    members = subcommittee_office_ids()
    approved = set(Office.objects.filter(status=OfficeStatus.APPROVED).values_list("pk", flat=True))
    by_office: dict[int, list[OfficeMonth]] = defaultdict(list)
    for item in office_months(first=earliest, last=month):
        by_office[item.office_id].append(item)
    direct_by_office: dict[int, list[OfficeMonth]] = defaultdict(list)
    for item in office_months(
        first=rolling_first, last=month, job_categories=[str(j) for j in DIRECT_CARE_JOBS]
    ):
        direct_by_office[item.office_id].append(item)
    benchmarks: dict[str, NationalBenchmark] = {}
    for benchmark in NationalBenchmark.objects.filter(survey_year__lte=survey_year).order_by(
        "metric", "-survey_year"
    ):
        benchmarks.setdefault(benchmark.metric, benchmark)
    targets = list(
        KpiTarget.objects.filter(fiscal_year=fiscal_year)
        .select_related("subcommittee")
        .order_by("subcommittee_id", "metric", "pk")
    )
    scopes_of: dict[int, list[Any]] = defaultdict(lambda: [None])
    for subcommittee in subcommittees:
        for office_id in members.get(subcommittee.pk, ()):
            scopes_of[office_id].append(subcommittee.pk)
    counts = _read_counts(first=rolling_first, month=month, scopes_of=scopes_of)

    # --- scopes: the association, then each 部会 ------------------------------------------
    scopes: list[tuple[Any, str, set[int] | None]] = [(None, WHOLE, None)]
    scopes += [(s.pk, s.name, members.get(s.pk, set())) for s in subcommittees]

    def scope_row(scope_key: Any, name: str, cells: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "key": "association" if scope_key is None else f"subcommittee-{scope_key}",
            "label": name,
            "whole": scope_key is None,
            "cells": cells,
        }

    month_label = wareki_month(month)
    rolling_label = _period(rolling_first, month)

    # Coverage: approved offices expected, their submitted filings for the month.
    filed_now = {pk for pk, items in by_office.items() if any(i.month == month for i in items)}
    coverage_rows = []
    for scope_key, name, office_ids in scopes:
        expected = approved if office_ids is None else approved & office_ids
        filed = filed_now & expected
        coverage_rows.append(
            scope_row(
                scope_key,
                name,
                [
                    _cell(len(expected), len(expected), public=True),
                    _cell(len(filed), len(filed), public=True),
                    _cell(Rate(len(filed), len(expected)).value, len(expected), public=True),
                ],
            )
        )
    coverage = _table(
        "coverage",
        "提出状況",
        month_label,
        [
            ("expected", "対象事業所数", "int"),
            ("filed", "提出事業所数", "int"),
            ("percent", "提出率（％）", "percent"),
        ],
        coverage_rows,
        row_header="部会",
    )

    def slice_tables(
        key: str,
        title: str,
        field: str,
        slices: list[tuple[str, str, str, str]],  # (key, label, job, employment)
        periods: tuple[str, ...] = ("month", "rolling"),
    ) -> list[dict[str, Any]]:
        columns = [(k, label, "int") for k, label, _j, _e in slices] + [("total", "計", "int")]
        tables = []
        for period in periods:
            rows = [
                scope_row(
                    scope_key,
                    name,
                    [
                        *(
                            counts.cell(scope_key, period, field, job=job, employment=employment)
                            for _k, _label, job, employment in slices
                        ),
                        counts.cell(scope_key, period, field),
                    ],
                )
                for scope_key, name, _ids in scopes
            ]
            suffix = "（当月）" if period == "month" else "（直近12か月）"
            tables.append(
                _table(
                    f"{key}_{period}",
                    f"{title}{suffix}",
                    month_label if period == "month" else rolling_label,
                    columns,
                    rows,
                    row_header="部会",
                )
            )
        return tables

    jobs = [(job, JOB_LABELS.get(job, job), job, ANY) for job in JobCategory.values]
    employments = [(e, EMPLOYMENT_LABELS.get(e, e), ANY, e) for e in EmploymentType.values]

    def channel_tables() -> list[dict[str, Any]]:
        tables = []
        for period in ("month", "rolling"):
            rows = [
                scope_row(
                    scope_key,
                    name,
                    [
                        *(counts.cell(scope_key, period, field) for field, _l in HIRE_CHANNELS),
                        counts.cell(scope_key, period, "hires"),
                    ],
                )
                for scope_key, name, _ids in scopes
            ]
            suffix = "（当月）" if period == "month" else "（直近12か月）"
            tables.append(
                _table(
                    f"hires_by_channel_{period}",
                    f"経路別の採用者数{suffix}",
                    month_label if period == "month" else rolling_label,
                    [(f, CHANNEL_LABELS.get(f, f), "int") for f, _l in HIRE_CHANNELS]
                    + [("total", "計", "int")],
                    rows,
                    row_header="部会",
                )
            )
        return tables

    # Rates over the rolling 12 months, by scope (all jobs, and 2職種計 for the benchmark).
    rolling_by_scope = {
        scope_key: _window(by_office, ids, rolling_first, month) for scope_key, _n, ids in scopes
    }
    direct_by_scope = {
        scope_key: _window(direct_by_office, ids, rolling_first, month)
        for scope_key, _n, ids in scopes
    }
    fiscal_by_scope = {
        scope_key: _window(by_office, ids, fiscal_first, month) for scope_key, _n, ids in scopes
    }
    rate_rows = []
    for scope_key, name, _ids in scopes:
        whole, direct = rolling_by_scope[scope_key], direct_by_scope[scope_key]
        rate_rows.append(
            scope_row(
                scope_key,
                name,
                [
                    _rate_cell(whole.separation_rate, whole.offices),
                    _rate_cell(whole.hire_rate, whole.offices),
                    _rate_cell(whole.early_separation_share, whole.offices),
                    _cell(whole.offices, whole.offices, public=True),
                    _rate_cell(direct.separation_rate, direct.offices),
                    _rate_cell(direct.hire_rate, direct.offices),
                    _cell(direct.offices, direct.offices, public=True),
                ],
            )
        )
    rates = _table(
        "rates_rolling",
        "離職率・採用率（直近12か月）",
        rolling_label,
        [
            ("separation_rate", "離職率（％）", "percent"),
            ("hire_rate", "採用率（％）", "percent"),
            ("early_separation_share", "早期離職割合（％）", "percent"),
            ("offices", "対象事業所数", "int"),
            ("direct_separation_rate", "2職種計 離職率（％）", "percent"),
            ("direct_hire_rate", "2職種計 採用率（％）", "percent"),
            ("direct_offices", "2職種計 対象事業所数", "int"),
        ],
        rate_rows,
        row_header="部会",
        note="対象事業所数は、期間中のすべての月を提出した事業所の数です。",
    )

    whole_rolling, whole_direct = rolling_by_scope[None], direct_by_scope[None]
    benchmark_rows = []
    for metric in ("separation_rate", "hire_rate"):
        published = benchmarks.get(metric)
        benchmark_rows.append(
            {
                "key": metric,
                "label": METRIC_LABELS[metric],
                "whole": False,
                "cells": [
                    _rate_cell(getattr(whole_rolling, metric), whole_rolling.offices),
                    _rate_cell(getattr(whole_direct, metric), whole_direct.offices),
                    _cell(published.value if published else None, 0, public=True),
                    _cell(
                        wareki_fiscal_year(published.survey_year) if published else None,
                        0,
                        public=True,
                    ),
                ],
            }
        )
    benchmark_table = _table(
        "benchmark",
        "全国値との比較",
        rolling_label,
        [
            ("association", "当会 全職種（％）", "percent"),
            ("direct_care", "当会 2職種計（％）", "percent"),
            ("national", "全国 2職種計（％）", "percent"),
            ("survey_year", "全国値の調査年", "text"),
        ],
        benchmark_rows,
        row_header="指標",
        note="全国値は介護労働実態調査の2職種計（訪問介護員・介護職員）。"
        "当会の2職種計と比較してください。",
    )

    target_rows = []
    names = {scope_key: name for scope_key, name, _ids in scopes}
    for target in targets:
        if target.subcommittee_id is not None and target.subcommittee_id not in names:
            continue
        to_date = fiscal_by_scope[target.subcommittee_id]
        value = getattr(to_date, target.metric).value
        status = target_status(value, target=target.value, at_most=target.at_most)
        target_rows.append(
            {
                "key": f"{target.subcommittee_id or 'association'}-{target.metric}",
                "label": f"{names[target.subcommittee_id]} {METRIC_LABELS[target.metric]}",
                "whole": target.subcommittee_id is None,
                "cells": [
                    _cell(target.value, 0, public=True),
                    _cell("以下" if target.at_most else "以上", 0, public=True),
                    _cell(value, to_date.offices),
                    _cell(TARGET_STATUS_LABELS[status], to_date.offices),
                ],
            }
        )
    target_rows.sort(key=lambda row: not row["whole"])
    target_table = _table(
        "targets",
        f"{wareki_fiscal_year(fiscal_year)}の目標と達成状況",
        _period(fiscal_first, month),
        [
            ("target", "目標（％）", "percent"),
            ("direction", "方向", "text"),
            ("value", "年度累計（％）", "percent"),
            ("status", "状況", "text"),
        ],
        target_rows,
        row_header="部会・指標",
        note="年度累計は、年度初めから当月までのすべての月を提出した事業所で計算しています。",
    )

    # Trend: the rolling 12 months ending at each of the last 24 months (association).
    trend = []
    for end in trend_ends:
        first, _last = rolling_months(end)
        figures = _window(by_office, None, first, end)
        trend.append(
            {
                "month": end.isoformat(),
                "label": wareki_month(end),
                "separation_rate": _rate_cell(figures.separation_rate, figures.offices),
                "hire_rate": _rate_cell(figures.hire_rate, figures.offices),
                "offices": _cell(figures.offices, figures.offices, public=True),
            }
        )
    trend_table = _table(
        "trend",
        "離職率・採用率の推移（直近12か月の値、24か月分）",
        _period(trend_ends[0], month),
        [
            ("separation_rate", "離職率（％）", "percent"),
            ("hire_rate", "採用率（％）", "percent"),
            ("offices", "対象事業所数", "int"),
        ],
        [
            {
                "key": point["month"],
                "label": point["label"],
                "whole": False,
                "cells": [point["separation_rate"], point["hire_rate"], point["offices"]],
            }
            for point in trend
        ],
        row_header="12か月の最終月",
    )

    # --- the sections of each report ------------------------------------------------------
    whole_counts = {
        (period, name): counts.cell(None, period, name)
        for period in ("month", "rolling")
        for name in ("hires", "separations", "separations_within_year", "open_positions")
    }
    coverage_whole = coverage_rows[0]["cells"]
    if kind == ReportKind.RECRUITMENT:
        summary = [
            {"key": "hires_month", "label": "当月の採用者数", "unit": "人", "format": "int"}
            | whole_counts[("month", "hires")],
            {"key": "hires_rolling", "label": "直近12か月の採用者数", "unit": "人", "format": "int"}
            | whole_counts[("rolling", "hires")],
            {"key": "hire_rate", "label": "採用率（直近12か月）", "unit": "％", "format": "percent"}
            | _rate_cell(whole_rolling.hire_rate, whole_rolling.offices),
            {"key": "open_positions", "label": "月末の欠員数", "unit": "人", "format": "int"}
            | whole_counts[("month", "open_positions")],
        ]
        sections = [
            {"key": "coverage", "title": "提出状況", "tables": [coverage]},
            {
                "key": "hires_by_job",
                "title": "職種別の採用者数",
                "tables": slice_tables("hires_by_job", "職種別の採用者数", "hires", jobs),
            },
            {
                "key": "hires_by_employment",
                "title": "雇用形態別の採用者数",
                "tables": slice_tables(
                    "hires_by_employment", "雇用形態別の採用者数", "hires", employments
                ),
            },
            {"key": "hires_by_channel", "title": "経路別の採用者数", "tables": channel_tables()},
            {
                "key": "open_positions",
                "title": "欠員数（月末）",
                "tables": slice_tables(
                    "open_positions", "職種別の欠員数", "open_positions", jobs, ("month",)
                ),
            },
            {"key": "trend", "title": "離職率・採用率の推移", "tables": [trend_table]},
        ]
    else:
        national = benchmarks.get("separation_rate")
        summary = [
            {"key": "separations_month", "label": "当月の離職者数", "unit": "人", "format": "int"}
            | whole_counts[("month", "separations")],
            {
                "key": "early_month",
                "label": "うち採用後1年以内の離職者数",
                "unit": "人",
                "format": "int",
            }
            | whole_counts[("month", "separations_within_year")],
            {
                "key": "separation_rate",
                "label": "離職率（直近12か月）",
                "unit": "％",
                "format": "percent",
            }
            | _rate_cell(whole_rolling.separation_rate, whole_rolling.offices),
            {
                "key": "direct_separation_rate",
                "label": "離職率 2職種計（直近12か月）",
                "unit": "％",
                "format": "percent",
            }
            | _rate_cell(whole_direct.separation_rate, whole_direct.offices),
            {
                "key": "national_separation_rate",
                "label": "全国 離職率 2職種計"
                + (f"（{wareki_fiscal_year(national.survey_year)}）" if national else ""),
                "unit": "％",
                "format": "percent",
            }
            | _cell(national.value if national else None, 0, public=True),
            {"key": "hire_rate", "label": "採用率（直近12か月）", "unit": "％", "format": "percent"}
            | _rate_cell(whole_rolling.hire_rate, whole_rolling.offices),
        ]
        separation_slices = [
            ("separations", "離職者数", ANY, ANY),
            ("separations_within_year", "うち1年以内", ANY, ANY),
        ]
        separation_tables = []
        for period in ("month", "rolling"):
            suffix = "（当月）" if period == "month" else "（直近12か月）"
            separation_tables.append(
                _table(
                    f"separations_{period}",
                    f"離職者数{suffix}",
                    month_label if period == "month" else rolling_label,
                    [(k, label, "int") for k, label, _j, _e in separation_slices],
                    [
                        scope_row(
                            scope_key,
                            name,
                            [counts.cell(scope_key, period, k) for k, *_rest in separation_slices],
                        )
                        for scope_key, name, _ids in scopes
                    ],
                    row_header="部会",
                )
            )
        sections = [
            {"key": "coverage", "title": "提出状況", "tables": [coverage]},
            {"key": "separations", "title": "離職者数", "tables": separation_tables},
            {
                "key": "separations_by_job",
                "title": "職種別の離職者数",
                "tables": slice_tables(
                    "separations_by_job", "職種別の離職者数", "separations", jobs, ("rolling",)
                ),
            },
            {"key": "rates", "title": "離職率・採用率", "tables": [rates]},
            {"key": "benchmark", "title": "全国値との比較", "tables": [benchmark_table]},
            {"key": "targets", "title": "目標と達成状況", "tables": [target_table]},
            {"key": "trend", "title": "離職率・採用率の推移", "tables": [trend_table]},
        ]
    summary.append(
        {"key": "coverage", "label": "提出事業所数／対象事業所数", "unit": "", "format": "ratio"}
        | coverage_whole[1]
        | {"total": coverage_whole[0]["value"]}
    )

    return {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "title": REPORT_TITLES[kind],
        "association": {"slug": association.slug, "name": association.name},
        "month": month.isoformat(),
        "month_label": month_label,
        "rolling": {"first": rolling_first.isoformat(), "last": month.isoformat()},
        "rolling_label": rolling_label,
        "fiscal_year": fiscal_year,
        "fiscal_year_label": wareki_fiscal_year(fiscal_year),
        "survey_year": survey_year,
        "summary": summary,
        "sections": sections,
        "trends": {"12": trend[-12:], "24": trend},
        "notes": NOTES,
    }


def tables(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every table of the content, in report order."""
    return [table for section in content["sections"] for table in section["tables"]]
