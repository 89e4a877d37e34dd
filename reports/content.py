"""What the monthly reports for the city say: a JSON-serialisable snapshot of figures.

`report_content` reads what a month needs once (`read_figures`: a fixed number of queries,
whatever the number of offices), then builds each part of the report with a pure function of
that read (`recruitment_summary`, `coverage_section`, `hires_by_job_section`, … listed per kind
in `REPORTS`). It returns plain data: numbers as ints or strings ("12.3"), dates as ISO strings.
The PDF and XLSX (reports/render.py) are drawn from it, and it is stored with each report
revision so a published report can be checked against its figures.

Every figure is a *cell*: ``{"value": ..., "offices": n, "id": quantity}`` where ``offices``
is the number of offices the figure is built from and ``id`` names what it counts (the same
wherever the same figure appears). `suppress` blanks the cells built from fewer offices than
the association's threshold and the complementary cells from which they could be worked out,
over the ``disclosure`` basis (`disclosure_basis`: the figures of both kinds of the month and
how they add up; reports/suppression.py decides). Cells marked ``"public": True`` are counts
of offices themselves (coverage) or published numbers (national benchmark, targets): nothing
about any office's staff can be read from them, so they are never suppressed. No office-level
rows ever appear.

The labels are Japanese literals on purpose: the reports are written for a Japanese city and
are always in Japanese, whatever the language of the person or worker building them.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

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
    DIRECT_CARE_JOBS,
    HIRE_CHANNELS,
    WHOLE_ASSOCIATION,
    EmploymentType,
    JobCategory,
    KpiTarget,
    NationalBenchmark,
)
from kpis.rates import Rate, WindowFigures, target_status
from kpis.selectors import (
    ANY,
    DIRECT,
    FigureRequest,
    SliceCounts,
    figures_many,
    offices_filed_by_scope,
    offices_in_several_subcommittees,
    slice_counts,
)
from recruitment.selectors import JointRecruitment, joint_recruitment
from reports.models import ReportKind
from reports.suppression import Basis, suppression_pattern
from subcommittees.models import Subcommittee

SCHEMA_VERSION = 2  # 2: cells name their quantity ("id"), "disclosure" states the relations

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
    "ないよう数値を表示していない欄です。その値が他の表の数値や合計から計算で求められない"
    "よう、一部の事業所数の多い欄も「*」としています。"
)


# --- cells --------------------------------------------------------------------------------


def _cell(
    value: int | Decimal | str | None,
    offices: int,
    *,
    public: bool = False,
    quantity: str | None = None,
) -> dict[str, Any]:
    """A figure. `quantity` names what it counts (the same name wherever the same quantity
    appears: a table's 計, another table's total, a summary line), for suppression."""
    cell: dict[str, Any] = {
        "value": str(value) if isinstance(value, Decimal) else value,
        "offices": offices,
    }
    if public:
        cell["public"] = True
    if quantity is not None:
        cell["id"] = quantity
    return cell


def _is_cell(item: Any) -> bool:
    return isinstance(item, dict) and "value" in item and "offices" in item


def _cells(item: Any) -> Iterable[dict[str, Any]]:
    """Every cell in a content (tables, summary, trends), in document order."""
    if _is_cell(item):
        yield item
    elif isinstance(item, dict):
        for value in item.values():
            yield from _cells(value)
    elif isinstance(item, list):
        for value in item:
            yield from _cells(value)


_PATTERNS: OrderedDict[tuple[str, int], frozenset[str]] = OrderedDict()


def _pattern(basis: Basis, disclosure: Any, threshold: int) -> frozenset[str]:
    """`suppression_pattern`, remembered for the last few bases (the city's figures page
    suppresses the stored snapshot on every view)."""
    digest = hashlib.sha256(
        json.dumps(disclosure, sort_keys=True, default=str).encode()
    ).hexdigest()
    key = (digest, threshold)
    if key in _PATTERNS:
        _PATTERNS.move_to_end(key)
        return _PATTERNS[key]
    pattern = frozenset(suppression_pattern(basis, threshold=threshold))
    _PATTERNS[key] = pattern
    while len(_PATTERNS) > 64:
        _PATTERNS.popitem(last=False)
    return pattern


def suppress(content: Mapping[str, Any], *, threshold: int) -> dict[str, Any]:
    """A copy for the city: every cell built from 1 … threshold−1 offices shows nothing
    (primary suppression), and so does every cell from which, with the other published figures
    of the month's reports, a hidden one could be worked out (complementary suppression,
    reports/suppression.py, over the content's ``disclosure`` basis, which is left out).

    A suppressed cell keeps its office count and gets ``value: None, "suppressed": True``.
    A cell built from no office has no value already (no data, not suppressed). A snapshot
    without a basis (built before it existed) shows no staff figure at all when any cell is
    small: its relations are not known, so nothing else can be shown safely.
    """
    result = copy.deepcopy(dict(content))
    disclosure = result.pop("disclosure", None)
    basis = Basis.from_data(disclosure)
    cells = list(_cells(result))

    def small(cell: dict[str, Any]) -> bool:
        offices = cell["offices"]
        return not cell.get("public") and isinstance(offices, int) and 0 < offices < threshold

    primary = sum(1 for cell in cells if small(cell))
    hidden = _pattern(basis, disclosure, threshold) if basis is not None else frozenset()
    count = 0
    for cell in cells:
        if (
            small(cell)
            or cell.get("id") in hidden
            or cell.get("follows") in hidden
            or (basis is None and primary and not cell.get("public") and cell["offices"])
        ):
            cell["value"] = None
            cell["suppressed"] = True
            count += 1
    result["suppression"] = {
        "threshold": threshold,
        "cells": count,
        "complementary": count - primary,
        "note": SUPPRESSION_NOTE.format(threshold=threshold),
    }
    return result


# --- the basis of suppression: what the month's reports publish and how it adds up ----------

WINDOW_FIELDS = ("hires", "separations", "separations_within_year", "headcount_start")
RATE_PARTS = {
    "hire_rate": ("hires", "headcount_start"),
    "separation_rate": ("separations", "headcount_start"),
    "early_separation_share": ("separations_within_year", "separations"),
}
CHANNEL_FIELDS = tuple(name for name, _label in HIRE_CHANNELS)


class _Basis:
    """Collects quantities ([value, offices, flags]) and relations while they are derived."""

    def __init__(self) -> None:
        self.quantities: dict[str, list[Any]] = {}
        self.sums: dict[tuple[str, tuple[str, ...]], None] = {}
        self.rates: list[list[str]] = []

    def add(self, key: str, value: Any, offices: int, flags: str = "") -> None:
        if key in self.quantities:
            known = self.quantities[key]
            known[2] = "".join(sorted(set(known[2]) | set(flags)))
        else:
            self.quantities[key] = [value, offices, flags]

    def relate(self, total: str, parts: Iterable[str]) -> None:
        self.sums[(total, tuple(parts))] = None

    def data(self) -> dict[str, Any]:
        return {
            "quantities": self.quantities,
            "sums": [[total, list(parts)] for total, parts in self.sums],
            "rates": self.rates,
        }


def disclosure_basis(figures: ReportFigures, contents: list[dict[str, Any]]) -> dict[str, Any]:
    """Every figure the month's reports (`contents`: summary, sections and trends of each kind)
    show, the quantities they imply, and how they add up (reports/suppression.py reads it).

    - counts (``count:field:period:scope:job:employment``): a total is the sum of its job
      categories, of its employment types, hires the sum of their channels, and the association
      the sum of its 部会 plus a residual for offices in no or several 部会 (none when every
      office is in exactly one);
    - rates (``rate:metric:window``): numerator and denominator (``win:…``, never published)
      that add up over 部会 like counts, and equal the published counts when every office
      counted filed every month of the window;
    - cells without a named quantity: the sums their table states (`_table`'s `sums`).
    """
    basis = _Basis()
    counts = figures.counts
    subcommittees = [area.key for area in figures.scopes if area.key is not None]
    # Offices that keep the association from being the sum of its 部会: those with figures in
    # the reports' periods (the rolling window holds the month) in no 部会, and every office in
    # several of them.
    membership_left = counts.no_subcommittee("rolling", ANY, ANY) + figures.in_several

    # What is shown: every cell naming a quantity; cells without one are named by position.
    for content in contents:
        for table in (t for section in content["sections"] for t in section["tables"]):
            columns = [c["key"] for c in table["columns"]]
            by_position: dict[tuple[str, str], str] = {}
            for row in table["rows"]:
                for column, cell in zip(columns, row["cells"], strict=False):
                    if cell.get("public") or "follows" in cell or not _is_cell(cell):
                        continue
                    cell.setdefault("id", f"cell:{table['key']}:{row['key']}:{column}")
                    by_position[(row["key"], column)] = cell["id"]
            sums = table.get("sums") or {}
            generic = {k: v for k, v in by_position.items() if v.startswith("cell:")}
            if sums.get("columns"):
                total = sums["columns"]
                ints = [c["key"] for c in table["columns"] if c["format"] == "int"]
                for row in table["rows"]:
                    found = [generic.get((row["key"], c)) for c in ints]
                    if (row["key"], total) in generic and all(found):
                        basis.relate(
                            generic[(row["key"], total)],
                            [t for c, t in zip(ints, found, strict=True) if c != total and t],
                        )
            if sums.get("rows"):
                total_row = sums["rows"]
                shown_values = {
                    (row["key"], column): cell.get("value")
                    for row in table["rows"]
                    for column, cell in zip(columns, row["cells"], strict=False)
                    if _is_cell(cell)
                }
                for column in columns:
                    found = [generic.get((row["key"], column)) for row in table["rows"]]
                    if not ((total_row, column) in generic and all(found)):
                        continue
                    row_parts = [
                        generic[(row["key"], column)]
                        for row in table["rows"]
                        if row["key"] != total_row
                    ]
                    # The rows add up to the association only when every office is in exactly
                    # one 部会: otherwise the rest is an unknown, unpublished residual.
                    whole = shown_values.get((total_row, column))
                    if not isinstance(whole, int):
                        continue  # no office at all: nothing to add up
                    if membership_left:
                        rest = [
                            shown_values.get((row["key"], column))
                            for row in table["rows"]
                            if row["key"] != total_row
                        ]
                        residual = "residual:" + generic[(total_row, column)]
                        value = whole - sum(n for n in rest if isinstance(n, int))
                        basis.add(residual, value, membership_left, "s")
                        row_parts.append(residual)
                    basis.relate(generic[(total_row, column)], row_parts)
        for cell in _cells({"s": content["summary"], "t": content["trends"]}):
            if not cell.get("public") and "id" not in cell and "follows" not in cell:
                cell["id"] = f"cell:summary:{cell.get('key', '')}"
        for cell in _cells(content):
            if "id" in cell and not cell.get("public"):
                basis.add(cell["id"], cell["value"], cell["offices"], "d")

    # Counts: every relation two shown counts take part in.
    def count_key(name: str, period: str, scope_key: Any, job: str, employment: str) -> str:
        key = _count_id(name, period, scope_key, job, employment)
        offices = counts.offices((scope_key, period, job, employment))
        basis.add(key, counts.value((scope_key, period, job, employment), name), offices)
        return key

    shown = {key for key, q in basis.quantities.items() if key.startswith("count:")}
    groups: set[tuple[Any, ...]] = set()
    for key in shown:
        _c, name, period, raw_scope, job, employment = key.split(":")
        scope_key = None if raw_scope == "all" else int(raw_scope)
        if employment == ANY:
            groups.add(("jobs", name, period, scope_key, ANY))
        if job == ANY:
            groups.add(("employments", name, period, scope_key, ANY))
        if name == "hires" or name in CHANNEL_FIELDS:
            groups.add(("channels", "hires", period, scope_key, job, employment))
        groups.add(("scopes", name, period, job, employment))
    for group in sorted(groups, key=str):
        if group[0] == "jobs":
            _g, name, period, scope_key, _any = group
            total = (name, period, scope_key, ANY, ANY)
            parts = [(name, period, scope_key, j, ANY) for j in JobCategory.values]
        elif group[0] == "employments":
            _g, name, period, scope_key, _any = group
            total = (name, period, scope_key, ANY, ANY)
            parts = [(name, period, scope_key, ANY, e) for e in EmploymentType.values]
        elif group[0] == "channels":
            _g, name, period, scope_key, job, employment = group
            total = ("hires", period, scope_key, job, employment)
            parts = [(c, period, scope_key, job, employment) for c in CHANNEL_FIELDS]
        else:
            _g, name, period, job, employment = group
            total = (name, period, None, job, employment)
            parts = [(name, period, s, job, employment) for s in subcommittees]
        ids = [_count_id(*t) for t in (total, *parts)]
        if sum(1 for i in ids if i in shown) < 2:
            continue  # a relation with one shown figure tells nothing about it
        terms = [count_key(*t) for t in parts]
        if group[0] == "scopes":
            keys = [(t[2], t[1], t[3], t[4]) for t in parts]
            whole_key = (None, period, job, employment)
            left = counts.irregular(period, job, employment)
            if left:
                residual = "residual:" + ids[0]
                value = counts.value(whole_key, name) - sum(counts.value(k, name) for k in keys)
                basis.add(residual, value, left, "s")
                terms.append(residual)
        basis.relate(count_key(*total), terms)

    # Rates: numerator and denominator of each published rate's window.
    whole_rolling = (None, "rolling", ANY, ANY)
    exact = not counts.irregular(*whole_rolling[1:])
    by_window: dict[tuple[str, str], dict[int | None, str]] = defaultdict(dict)
    for name, (window, scope_key, part) in sorted(figures.windows.items()):
        values = {
            "hires": window.hire_rate.numerator,
            "separations": window.separation_rate.numerator,
            "separations_within_year": window.early_separation_share.numerator,
            "headcount_start": window.hire_rate.denominator,
        }
        for field_name in WINDOW_FIELDS:
            basis.add(
                f"win:{field_name}:{name}",
                values[field_name] or 0,
                window.offices,
                "x" if field_name == "headcount_start" else "",
            )
        for metric, (numerator, denominator) in RATE_PARTS.items():
            rate = f"rate:{metric}:{name}"
            if rate in basis.quantities:
                basis.rates.append([rate, f"win:{numerator}:{name}", f"win:{denominator}:{name}"])
        span = f"{window.first:%Y-%m}~{window.last:%Y-%m}:{part}"
        by_window[(span, part)][scope_key] = name
        rolling = window.first == figures.rolling_first and window.last == figures.month
        if not rolling:
            continue
        jobs = [ANY] if part == "all" else [str(j) for j in DIRECT_CARE_JOBS]
        covered = counts.offices((scope_key, "rolling", ANY if part == "all" else DIRECT, ANY))
        if window.offices and window.offices == covered:
            # Every office counted filed every month: the rate's numerators are the counts.
            for field_name in WINDOW_FIELDS[:3]:
                basis.relate(
                    f"win:{field_name}:{name}",
                    [count_key(field_name, "rolling", scope_key, job, ANY) for job in jobs],
                )
    for (span, _part), names in sorted(by_window.items()):
        if None not in names or any(s not in names for s in subcommittees) or not subcommittees:
            continue
        within_rolling = span.startswith(f"{figures.rolling_first:%Y-%m}~{figures.month:%Y-%m}")
        for field_name in WINDOW_FIELDS:
            win_terms = [f"win:{field_name}:{names[s]}" for s in subcommittees]
            if not (exact and within_rolling):
                residual = f"residual:win:{field_name}:{names[None]}"
                value = basis.quantities[f"win:{field_name}:{names[None]}"][0] - sum(
                    basis.quantities[term][0] for term in win_terms
                )
                basis.add(residual, value, 0, "sx")
                win_terms.append(residual)
            basis.relate(f"win:{field_name}:{names[None]}", win_terms)
    return basis.data()


# --- reading ------------------------------------------------------------------------------


class _Counts:
    """Sums of the filings' counts and the offices they come from, per (scope, period, job
    category, employment type), as `kpis.selectors.slice_counts` reads them."""

    def __init__(self, read: SliceCounts) -> None:
        self.read = read

    def offices(self, key: tuple[Any, ...]) -> int:
        return self.read.offices.get(key, 0)

    def cell(
        self, scope_key: Any, period: str, name: str, *, job: str = ANY, employment: str = ANY
    ) -> dict[str, Any]:
        key = (scope_key, period, job, employment)
        offices = self.offices(key)
        quantity = _count_id(name, period, scope_key, job, employment)
        if not offices:
            return _cell(None, 0, quantity=quantity)
        return _cell(self.value(key, name), offices, quantity=quantity)

    def value(self, key: tuple[Any, ...], name: str) -> int:
        if not self.offices(key):
            return 0
        return self.read.sums.get(key, {}).get(name, 0)

    def no_subcommittee(self, period: str, job: str, employment: str) -> int:
        return self.read.no_subcommittee.get((period, job, employment), 0)

    def irregular(self, period: str, job: str, employment: str) -> int:
        """Offices with figures in the slice that are in no 部会 or in several."""
        key = (period, job, employment)
        return self.read.no_subcommittee.get(key, 0) + self.read.several_subcommittees.get(key, 0)


def _count_id(name: str, period: str, scope_key: Any, job: str, employment: str) -> str:
    return f"count:{name}:{period}:{'all' if scope_key is None else scope_key}:{job}:{employment}"


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
    sums: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A table. `sums` states its additive structure for suppression: ``{"columns": "total"}``
    (that column is the sum of the row's other int columns), ``{"rows": "association"}``
    (that row is the sum of the others). Cells with a `quantity` get their relations from what
    they count; these are used for the cells without one."""
    table: dict[str, Any] = {
        "key": key,
        "title": title,
        "period": period,
        "row_header": row_header,
        "columns": [{"key": k, "label": label, "format": fmt} for k, label, fmt in columns],
        "rows": rows,
        "note": note,
    }
    if sums:
        table["sums"] = dict(sums)
    return table


# --- the read step: everything a report month needs, in a fixed number of queries ----------


@dataclass(frozen=True)
class Scope:
    """The association (key None, every office) or one 部会."""

    key: int | None
    name: str


WindowKey = tuple[date, date, int | None, str]  # (first, last, scope key, part: all or direct)


@dataclass
class ReportFigures:
    """What one month's reports are built from, read once; the sections are pure functions of
    it. Every figure is read from the maintained aggregates (kpis/aggregates.py): nothing here
    grows with the number of offices or months."""

    month: date
    rolling_first: date
    fiscal_year: int
    fiscal_first: date
    survey_year: int
    trend_ends: list[date]
    scopes: list[Scope]
    # Per scope key: approved offices, and those with a submitted filing for the month.
    coverage: dict[int | None, tuple[int, int]]
    # Rates per window, scope and part ("all" jobs or "direct": 2職種計).
    rates: dict[WindowKey, WindowFigures]
    benchmarks: dict[str, NationalBenchmark]
    targets: list[KpiTarget]
    counts: _Counts
    # Offices (whatever their status) in more than one 部会.
    in_several: int = 0
    # The rate windows the sections published, by name (for suppression's basis).
    windows: dict[str, tuple[WindowFigures, int | None, str]] = field(default_factory=dict)
    # Joint recruitment over the rolling window by 部会 (recruitment.selectors.joint_recruitment).
    joint: JointRecruitment | None = None

    def rate_cell(
        self, window: WindowFigures, metric: str, scope_key: int | None, part: str = "all"
    ) -> dict[str, Any]:
        """A rate of `window` (part "all" or "direct": 2職種計), named for suppression."""
        name = f"{window.first:%Y-%m}~{window.last:%Y-%m}:{part}:{scope_key or 'all'}"
        self.windows[name] = (window, scope_key, part)
        rate: Rate = getattr(window, metric)
        return _cell(rate.value, window.offices, quantity=f"rate:{metric}:{name}")

    def rate(
        self, first: date, last: date, scope_key: int | None, part: str = "all"
    ) -> WindowFigures:
        return self.rates[(first, last, scope_key, part)]

    @property
    def month_label(self) -> str:
        return wareki_month(self.month)

    @property
    def rolling_label(self) -> str:
        return _period(self.rolling_first, self.month)

    def period_label(self, period: str) -> str:
        return self.month_label if period == "month" else self.rolling_label

    @property
    def rolling_by_scope(self) -> dict[int | None, WindowFigures]:
        """Rates over the rolling 12 months, all jobs."""
        return {s.key: self.rate(self.rolling_first, self.month, s.key) for s in self.scopes}

    @property
    def direct_by_scope(self) -> dict[int | None, WindowFigures]:
        """Rates over the rolling 12 months, 2職種計 (what the national survey publishes)."""
        return {
            s.key: self.rate(self.rolling_first, self.month, s.key, "direct") for s in self.scopes
        }

    @property
    def fiscal_by_scope(self) -> dict[int | None, WindowFigures]:
        """Rates from the start of the fiscal year to the month (the targets' figures)."""
        return {s.key: self.rate(self.fiscal_first, self.month, s.key) for s in self.scopes}

    @property
    def previous_by_scope(self) -> dict[int | None, WindowFigures]:
        """Rates over the rolling 12 months ending a month before."""
        previous = add_months(self.month, -1)
        first, _last = rolling_months(previous)
        return {s.key: self.rate(first, previous, s.key) for s in self.scopes}

    @cached_property
    def trend(self) -> list[dict[str, Any]]:
        """The rolling 12 months ending at each of the last 24 months (association)."""
        points = []
        for end in self.trend_ends:
            first, _last = rolling_months(end)
            figures = self.rate(first, end, None)
            points.append(
                {
                    "month": end.isoformat(),
                    "label": wareki_month(end),
                    "separation_rate": self.rate_cell(figures, "separation_rate", None),
                    "hire_rate": self.rate_cell(figures, "hire_rate", None),
                    "offices": _cell(figures.offices, figures.offices, public=True),
                }
            )
        return points


def rate_windows(
    *, month: date, scope_keys: Collection[int | None]
) -> list[tuple[WindowKey, FigureRequest]]:
    """Every rate window a month's reports show: per scope the rolling 12 months (all jobs and
    2職種計), the fiscal year to date and the rolling 12 months a month before; for the
    association the rolling 12 months ending at each of the last 24 months."""
    rolling_first, _last = rolling_months(month)
    fiscal_first, _fiscal_last = fiscal_year_months(fiscal_year_of(month))
    previous = add_months(month, -1)
    previous_first, _previous_last = rolling_months(previous)
    direct = tuple(str(job) for job in DIRECT_CARE_JOBS)
    wanted: dict[WindowKey, FigureRequest] = {}
    for key in scope_keys:
        scope_value = WHOLE_ASSOCIATION if key is None else key
        for first, last in (
            (rolling_first, month),
            (fiscal_first, month),
            (previous_first, previous),
        ):
            wanted[(first, last, key, "all")] = FigureRequest(first, last, scope_value)
        wanted[(rolling_first, month, key, "direct")] = FigureRequest(
            rolling_first, month, scope_value, job_categories=direct
        )
    for back in range(23, -1, -1):
        end = add_months(month, -back)
        first, _last = rolling_months(end)
        wanted[(first, end, None, "all")] = FigureRequest(first, end)
    return list(wanted.items())


def read_figures(*, month: date) -> ReportFigures:
    """The read step (inside the association's area): the month's counts, rates, coverage,
    benchmarks and targets, its rolling window and the 24-month trend, from the maintained
    aggregates. A fixed number of queries, each fetching a number of rows that does not depend
    on the number of offices or months."""
    rolling_first, _rolling_last = rolling_months(month)
    fiscal_year = fiscal_year_of(month)
    fiscal_first, _fiscal_last = fiscal_year_months(fiscal_year)
    survey_year = latest_complete_survey_year(month)
    trend_ends = [add_months(month, -back) for back in range(23, -1, -1)]

    subcommittees = list(Subcommittee.objects.order_by("pk"))
    subcommittee_ids = [s.pk for s in subcommittees]
    scopes = [Scope(None, WHOLE), *(Scope(s.pk, s.name) for s in subcommittees)]
    windows = rate_windows(month=month, scope_keys=[area.key for area in scopes])
    results = figures_many([request for _key, request in windows])
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
    counts = slice_counts(
        periods=[("month", month, month), ("rolling", rolling_first, month)],
        subcommittee_ids=subcommittee_ids,
    )
    joint = joint_recruitment(first=rolling_first, last=month, subcommittee_ids=subcommittee_ids)
    return ReportFigures(
        month=month,
        rolling_first=rolling_first,
        fiscal_year=fiscal_year,
        fiscal_first=fiscal_first,
        survey_year=survey_year,
        trend_ends=trend_ends,
        scopes=scopes,
        coverage=offices_filed_by_scope(month=month, subcommittee_ids=subcommittee_ids),
        rates={key: result for (key, _request), result in zip(windows, results, strict=True)},
        benchmarks=benchmarks,
        targets=targets,
        counts=_Counts(counts),
        in_several=offices_in_several_subcommittees(),
        joint=joint,
    )


# --- the sections: pure functions of ReportFigures -----------------------------------------

PERIOD_SUFFIXES = {"month": "（当月）", "rolling": "（直近12か月）"}
JOB_SLICES = [(job, JOB_LABELS.get(job, job), job, ANY) for job in JobCategory.values]
EMPLOYMENT_SLICES = [(e, EMPLOYMENT_LABELS.get(e, e), ANY, e) for e in EmploymentType.values]
SEPARATION_SLICES = [
    ("separations", "離職者数", ANY, ANY),
    ("separations_within_year", "うち1年以内", ANY, ANY),
]


def _scope_row(area: Scope, cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": "association" if area.key is None else f"subcommittee-{area.key}",
        "label": area.name,
        "whole": area.key is None,
        "cells": cells,
    }


def _coverage_cells(figures: ReportFigures, area: Scope) -> list[dict[str, Any]]:
    """Approved offices expected, those with a submitted filing for the month, the share."""
    expected, filed = figures.coverage.get(area.key, (0, 0))
    return [
        _cell(expected, expected, public=True),
        _cell(filed, filed, public=True),
        _cell(Rate(filed, expected).value, expected, public=True),
    ]


def _count_tables(
    figures: ReportFigures,
    key: str,
    title: str,
    columns: list[tuple[str, str, str]],
    cells: Callable[[Scope, str], list[dict[str, Any]]],
    periods: tuple[str, ...] = ("month", "rolling"),
) -> list[dict[str, Any]]:
    """One table of counts per period (当月, 直近12か月), a row per area."""
    return [
        _table(
            f"{key}_{period}",
            f"{title}{PERIOD_SUFFIXES[period]}",
            figures.period_label(period),
            columns,
            [_scope_row(area, cells(area, period)) for area in figures.scopes],
            row_header="部会",
            sums={"rows": "association"}
            | ({"columns": "total"} if any(c[0] == "total" for c in columns) else {}),
        )
        for period in periods
    ]


def _slice_tables(
    figures: ReportFigures,
    key: str,
    title: str,
    field: str,
    slices: list[tuple[str, str, str, str]],  # (key, label, job, employment)
    periods: tuple[str, ...] = ("month", "rolling"),
) -> list[dict[str, Any]]:
    """`field` by job category or employment type, with the total."""
    counts = figures.counts

    def cells(area: Scope, period: str) -> list[dict[str, Any]]:
        return [
            *(
                counts.cell(area.key, period, field, job=job, employment=employment)
                for _k, _label, job, employment in slices
            ),
            counts.cell(area.key, period, field),
        ]

    columns = [(k, label, "int") for k, label, _j, _e in slices] + [("total", "計", "int")]
    return _count_tables(figures, key, title, columns, cells, periods)


def coverage_section(figures: ReportFigures) -> dict[str, Any]:
    table = _table(
        "coverage",
        "提出状況",
        figures.month_label,
        [
            ("expected", "対象事業所数", "int"),
            ("filed", "提出事業所数", "int"),
            ("percent", "提出率（％）", "percent"),
        ],
        [_scope_row(area, _coverage_cells(figures, area)) for area in figures.scopes],
        row_header="部会",
    )
    return {"key": "coverage", "title": "提出状況", "tables": [table]}


def hires_by_job_section(figures: ReportFigures) -> dict[str, Any]:
    title = "職種別の採用者数"
    tables = _slice_tables(figures, "hires_by_job", title, "hires", JOB_SLICES)
    return {"key": "hires_by_job", "title": title, "tables": tables}


def hires_by_employment_section(figures: ReportFigures) -> dict[str, Any]:
    title = "雇用形態別の採用者数"
    tables = _slice_tables(figures, "hires_by_employment", title, "hires", EMPLOYMENT_SLICES)
    return {"key": "hires_by_employment", "title": title, "tables": tables}


def hires_by_channel_section(figures: ReportFigures) -> dict[str, Any]:
    counts = figures.counts

    def cells(area: Scope, period: str) -> list[dict[str, Any]]:
        return [
            *(counts.cell(area.key, period, field) for field, _l in HIRE_CHANNELS),
            counts.cell(area.key, period, "hires"),
        ]

    columns = [(f, CHANNEL_LABELS.get(f, f), "int") for f, _l in HIRE_CHANNELS]
    columns.append(("total", "計", "int"))
    title = "経路別の採用者数"
    tables = _count_tables(figures, "hires_by_channel", title, columns, cells)
    return {"key": "hires_by_channel", "title": title, "tables": tables}


JOINT_COLUMNS = [
    ("postings", "掲載求人数", "int"),
    ("views", "求人閲覧数", "int"),
    ("applications", "応募数", "int"),
    ("hires_posting", "採用者数（求人経由）", "int"),
    ("hires_fair", "採用者数（就職フェア経由）", "int"),
]


def joint_recruitment_section(figures: ReportFigures) -> dict[str, Any]:
    """The association's joint recruitment (job board and job fairs) by 部会, this month and over
    the rolling 12 months. A cell counts the offices with any joint-recruitment figure in its
    area and period, so small 部会 are suppressed like every other table."""
    joint = figures.joint
    title = "共同採用（求人掲載・就職フェア）"

    def cells(area: Scope, period: str) -> list[dict[str, Any]]:
        if joint is None:
            return [_cell(None, 0) for _column in JOINT_COLUMNS]
        months = {figures.month} if period == "month" else None
        offices = joint.offices(scope=area.key, last_month=period == "month")
        if not offices:
            return [_cell(None, 0) for _column in JOINT_COLUMNS]
        # No 計 column: hires via postings + via fairs would let a suppressed one be worked out.
        return [
            _cell(joint.total(name, scope=area.key, months=months), offices)
            for name, _label, _format in JOINT_COLUMNS
        ]

    tables = _count_tables(figures, "joint_recruitment", title, JOINT_COLUMNS, cells)
    return {"key": "joint_recruitment", "title": title, "tables": tables}


def open_positions_section(figures: ReportFigures) -> dict[str, Any]:
    tables = _slice_tables(
        figures, "open_positions", "職種別の欠員数", "open_positions", JOB_SLICES, ("month",)
    )
    return {"key": "open_positions", "title": "欠員数（月末）", "tables": tables}


def separations_section(figures: ReportFigures) -> dict[str, Any]:
    counts = figures.counts

    def cells(area: Scope, period: str) -> list[dict[str, Any]]:
        return [counts.cell(area.key, period, k) for k, *_rest in SEPARATION_SLICES]

    columns = [(k, label, "int") for k, label, _j, _e in SEPARATION_SLICES]
    tables = _count_tables(figures, "separations", "離職者数", columns, cells)
    return {"key": "separations", "title": "離職者数", "tables": tables}


def separations_by_job_section(figures: ReportFigures) -> dict[str, Any]:
    title = "職種別の離職者数"
    tables = _slice_tables(
        figures, "separations_by_job", title, "separations", JOB_SLICES, ("rolling",)
    )
    return {"key": "separations_by_job", "title": title, "tables": tables}


def rates_section(figures: ReportFigures) -> dict[str, Any]:
    """Rates over the rolling 12 months, by scope (all jobs, and 2職種計 for the benchmark)."""
    rows = []
    for area in figures.scopes:
        whole = figures.rolling_by_scope[area.key]
        direct = figures.direct_by_scope[area.key]
        rows.append(
            _scope_row(
                area,
                [
                    figures.rate_cell(whole, "separation_rate", area.key),
                    figures.rate_cell(whole, "hire_rate", area.key),
                    figures.rate_cell(whole, "early_separation_share", area.key),
                    _cell(whole.offices, whole.offices, public=True),
                    figures.rate_cell(direct, "separation_rate", area.key, "direct"),
                    figures.rate_cell(direct, "hire_rate", area.key, "direct"),
                    _cell(direct.offices, direct.offices, public=True),
                ],
            )
        )
    table = _table(
        "rates_rolling",
        "離職率・採用率（直近12か月）",
        figures.rolling_label,
        [
            ("separation_rate", "離職率（％）", "percent"),
            ("hire_rate", "採用率（％）", "percent"),
            ("early_separation_share", "早期離職割合（％）", "percent"),
            ("offices", "対象事業所数", "int"),
            ("direct_separation_rate", "2職種計 離職率（％）", "percent"),
            ("direct_hire_rate", "2職種計 採用率（％）", "percent"),
            ("direct_offices", "2職種計 対象事業所数", "int"),
        ],
        rows,
        row_header="部会",
        note="対象事業所数は、期間中のすべての月を提出した事業所の数です。",
    )
    return {"key": "rates", "title": "離職率・採用率", "tables": [table]}


def benchmark_section(figures: ReportFigures) -> dict[str, Any]:
    whole_rolling = figures.rolling_by_scope[None]
    whole_direct = figures.direct_by_scope[None]
    rows = []
    for metric in ("separation_rate", "hire_rate"):
        published = figures.benchmarks.get(metric)
        rows.append(
            {
                "key": metric,
                "label": METRIC_LABELS[metric],
                "whole": False,
                "cells": [
                    figures.rate_cell(whole_rolling, metric, None),
                    figures.rate_cell(whole_direct, metric, None, "direct"),
                    _cell(published.value if published else None, 0, public=True),
                    _cell(
                        wareki_fiscal_year(published.survey_year) if published else None,
                        0,
                        public=True,
                    ),
                ],
            }
        )
    table = _table(
        "benchmark",
        "全国値との比較",
        figures.rolling_label,
        [
            ("association", "当会 全職種（％）", "percent"),
            ("direct_care", "当会 2職種計（％）", "percent"),
            ("national", "全国 2職種計（％）", "percent"),
            ("survey_year", "全国値の調査年", "text"),
        ],
        rows,
        row_header="指標",
        note="全国値は介護労働実態調査の2職種計（訪問介護員・介護職員）。"
        "当会の2職種計と比較してください。",
    )
    return {"key": "benchmark", "title": "全国値との比較", "tables": [table]}


def targets_section(figures: ReportFigures) -> dict[str, Any]:
    names = {area.key: area.name for area in figures.scopes}
    rows = []
    for target in figures.targets:
        if target.subcommittee_id is not None and target.subcommittee_id not in names:
            continue
        to_date = figures.fiscal_by_scope[target.subcommittee_id]
        value = getattr(to_date, target.metric).value
        status = target_status(value, target=target.value, at_most=target.at_most)
        value_cell = figures.rate_cell(to_date, target.metric, target.subcommittee_id)
        # The status tells which side of the target the value is: hidden with it.
        status_cell = _cell(TARGET_STATUS_LABELS[status], to_date.offices)
        status_cell["follows"] = value_cell["id"]
        rows.append(
            {
                "key": f"{target.subcommittee_id or 'association'}-{target.metric}",
                "label": f"{names[target.subcommittee_id]} {METRIC_LABELS[target.metric]}",
                "whole": target.subcommittee_id is None,
                "cells": [
                    _cell(target.value, 0, public=True),
                    _cell("以下" if target.at_most else "以上", 0, public=True),
                    value_cell,
                    status_cell,
                ],
            }
        )
    rows.sort(key=lambda row: not row["whole"])
    table = _table(
        "targets",
        f"{wareki_fiscal_year(figures.fiscal_year)}の目標と達成状況",
        _period(figures.fiscal_first, figures.month),
        [
            ("target", "目標（％）", "percent"),
            ("direction", "方向", "text"),
            ("value", "年度累計（％）", "percent"),
            ("status", "状況", "text"),
        ],
        rows,
        row_header="部会・指標",
        note="年度累計は、年度初めから当月までのすべての月を提出した事業所で計算しています。",
    )
    return {"key": "targets", "title": "目標と達成状況", "tables": [table]}


def trend_section(figures: ReportFigures) -> dict[str, Any]:
    table = _table(
        "trend",
        "離職率・採用率の推移（直近12か月の値、24か月分）",
        _period(figures.trend_ends[0], figures.month),
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
            for point in figures.trend
        ],
        row_header="12か月の最終月",
    )
    return {"key": "trend", "title": "離職率・採用率の推移", "tables": [table]}


def _count_item(
    figures: ReportFigures, key: str, label: str, period: str, field: str
) -> dict[str, Any]:
    item = {"key": key, "label": label, "unit": "人", "format": "int"}
    return item | figures.counts.cell(None, period, field)


def _rate_item(key: str, label: str, cell: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "label": label, "unit": "％", "format": "percent"} | cell


def recruitment_summary(figures: ReportFigures) -> list[dict[str, Any]]:
    rolling = figures.rolling_by_scope[None]
    return [
        _count_item(figures, "hires_month", "当月の採用者数", "month", "hires"),
        _count_item(figures, "hires_rolling", "直近12か月の採用者数", "rolling", "hires"),
        _rate_item(
            "hire_rate", "採用率（直近12か月）", figures.rate_cell(rolling, "hire_rate", None)
        ),
        _count_item(figures, "open_positions", "月末の欠員数", "month", "open_positions"),
    ]


def retention_summary(figures: ReportFigures) -> list[dict[str, Any]]:
    rolling, direct = figures.rolling_by_scope[None], figures.direct_by_scope[None]
    national = figures.benchmarks.get("separation_rate")
    survey = f"（{wareki_fiscal_year(national.survey_year)}）" if national else ""
    return [
        _count_item(figures, "separations_month", "当月の離職者数", "month", "separations"),
        _count_item(
            figures,
            "early_month",
            "うち採用後1年以内の離職者数",
            "month",
            "separations_within_year",
        ),
        _rate_item(
            "separation_rate",
            "離職率（直近12か月）",
            figures.rate_cell(rolling, "separation_rate", None),
        ),
        _rate_item(
            "direct_separation_rate",
            "離職率 2職種計（直近12か月）",
            figures.rate_cell(direct, "separation_rate", None, "direct"),
        ),
        {
            "key": "national_separation_rate",
            "label": f"全国 離職率 2職種計{survey}",
            "unit": "％",
            "format": "percent",
        }
        | _cell(national.value if national else None, 0, public=True),
        _rate_item(
            "hire_rate", "採用率（直近12か月）", figures.rate_cell(rolling, "hire_rate", None)
        ),
    ]


def coverage_summary(figures: ReportFigures) -> dict[str, Any]:
    """Filed offices of the expected ones, for the whole association (every report ends so)."""
    expected, filed, _percent = _coverage_cells(figures, figures.scopes[0])
    return (
        {"key": "coverage", "label": "提出事業所数／対象事業所数", "unit": "", "format": "ratio"}
        | filed
        | {"total": expected["value"]}
    )


def headline_figures(figures: ReportFigures) -> dict[str, Any]:
    """What the first page's sentences (reports/summary.py) and the charts quote beyond the
    tables: this month's hires and separations, each scope's rolling rates now and a month
    before, the 2職種計 rates, the national figures and the association's targets. Cells like
    any other, so `suppress` hides them the same way."""
    previous = add_months(figures.month, -1)
    scopes = []
    for area in figures.scopes:
        now = figures.rolling_by_scope[area.key]
        before = figures.previous_by_scope[area.key]
        scopes.append(
            {
                "key": "association" if area.key is None else f"subcommittee-{area.key}",
                "label": area.name,
                "whole": area.key is None,
                **{
                    metric: {
                        "now": figures.rate_cell(now, metric, area.key),
                        "previous": figures.rate_cell(before, metric, area.key),
                    }
                    for metric in ("separation_rate", "hire_rate")
                },
            }
        )
    direct = figures.direct_by_scope[None]
    national = {}
    for metric in ("separation_rate", "hire_rate"):
        published = figures.benchmarks.get(metric)
        national[metric] = {
            "value": _cell(published.value if published else None, 0, public=True),
            "survey_year_label": wareki_fiscal_year(published.survey_year) if published else "",
        }
    targets = []
    for target in figures.targets:
        if target.metric not in ("separation_rate", "hire_rate"):
            continue
        known = {area.key for area in figures.scopes}
        if target.subcommittee_id not in known:
            continue
        to_date = figures.fiscal_by_scope[target.subcommittee_id]
        value = getattr(to_date, target.metric).value
        value_cell = figures.rate_cell(to_date, target.metric, target.subcommittee_id)
        # The status tells which side of the target the value is: hidden with it.
        status_cell = _cell(
            target_status(value, target=target.value, at_most=target.at_most), to_date.offices
        )
        status_cell["follows"] = value_cell["id"]
        targets.append(
            {
                "scope": "association"
                if target.subcommittee_id is None
                else f"subcommittee-{target.subcommittee_id}",
                "metric": target.metric,
                "at_most": target.at_most,
                "target": _cell(target.value, 0, public=True),
                "to_date": value_cell,
                "status": status_cell,
            }
        )
    return {
        "month_label": figures.month_label,
        "previous_label": wareki_month(previous),
        "year_ago_label": wareki_month(add_months(figures.month, -12)),
        "fiscal_year_label": wareki_fiscal_year(figures.fiscal_year),
        "fiscal_period": _period(figures.fiscal_first, figures.month),
        "hires_month": figures.counts.cell(None, "month", "hires"),
        "separations_month": figures.counts.cell(None, "month", "separations"),
        "scopes": scopes,
        "direct_care": {
            metric: figures.rate_cell(direct, metric, None, "direct")
            for metric in ("separation_rate", "hire_rate")
        },
        "national": national,
        "targets": targets,
    }


Section = Callable[[ReportFigures], dict[str, Any]]

REPORTS: dict[str, tuple[Callable[[ReportFigures], list[dict[str, Any]]], tuple[Section, ...]]] = {
    ReportKind.RECRUITMENT.value: (
        recruitment_summary,
        (
            coverage_section,
            hires_by_job_section,
            hires_by_employment_section,
            hires_by_channel_section,
            joint_recruitment_section,
            open_positions_section,
            trend_section,
        ),
    ),
    ReportKind.RETENTION.value: (
        retention_summary,
        (
            coverage_section,
            separations_section,
            separations_by_job_section,
            rates_section,
            benchmark_section,
            targets_section,
            trend_section,
        ),
    ),
}


def report_content(*, association: Any, month: date, kind: str) -> dict[str, Any]:
    """The snapshot of one monthly report (`kind`: recruitment or retention) for `month`."""
    month = month_start(month)
    with scope(association=association.pk):
        figures = read_figures(month=month)
    return content_from(association=association, figures=figures, kind=kind)


def content_from(*, association: Any, figures: ReportFigures, kind: str) -> dict[str, Any]:
    """The snapshot of one monthly report built from a read (`read_figures`)."""
    kind = ReportKind(kind).value
    month = figures.month
    # Every kind is built so that suppression sees every figure the city gets this month.
    built = {
        name: ([*summary(figures), coverage_summary(figures)], [s(figures) for s in sections])
        for name, (summary, sections) in REPORTS.items()
    }
    summary_items, report_sections = built[kind]
    return {
        "schema": SCHEMA_VERSION,
        "kind": kind,
        "title": REPORT_TITLES[kind],
        "association": {"slug": association.slug, "name": association.name},
        "month": month.isoformat(),
        "month_label": figures.month_label,
        "rolling": {"first": figures.rolling_first.isoformat(), "last": month.isoformat()},
        "rolling_label": figures.rolling_label,
        "fiscal_year": figures.fiscal_year,
        "fiscal_year_label": wareki_fiscal_year(figures.fiscal_year),
        "survey_year": figures.survey_year,
        "summary": summary_items,
        "sections": report_sections,
        "trends": {"12": figures.trend[-12:], "24": figures.trend},
        "headline": headline_figures(figures),
        "notes": NOTES,
        "disclosure": disclosure_basis(
            figures,
            [
                {"summary": items, "sections": parts, "trends": figures.trend}
                for items, parts in built.values()
            ],
        ),
    }


def tables(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every table of the content, in report order."""
    return [table for section in content["sections"] for table in section["tables"]]
