"""The first page of the city's report in words: Japanese sentences a city official can quote.

Pure functions of a report's content *as the city sees it* (after `reports.content.suppress`):
every number in a sentence is the text of a published cell, formatted by
`reports.presenter.format_number` as in the tables. A suppressed or empty cell is never quoted,
and neither is anything that would give it away: a change against last month or last year is
stated only when both figures are published, the 部会 that moved most is chosen among the
部会 whose two figures are published.

The sentences are Japanese literals on purpose, like the rest of the report (reports/content.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reports.presenter import cell_view, format_number

RATE_NAMES = {"hire_rate": "採用率", "separation_rate": "離職率"}
TREND_METRICS = ("hire_rate", "separation_rate")
TARGET_DIRECTION = {True: "以下", False: "以上"}
TARGET_STATUS = {"met": "達成しています", "not_met": "達成していません"}
SUPPRESSED_TEXT = "集計の基になった事業所が少ないため表示していません"


@dataclass(frozen=True)
class Sentence:
    """One sentence and the figures it quotes (key → the number as printed), for tests."""

    key: str
    text: str
    figures: Mapping[str, str]


def _mapping(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _list(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else []


def published(cell: Any, fmt: str = "percent") -> Decimal | None:
    """The number of a published cell, rounded as printed; None when suppressed or empty."""
    view = cell_view(cell, fmt)
    if view.suppressed or view.empty or view.number is None:
        return None
    return Decimal(view.number)


def _hidden(cell: Any) -> bool:
    return isinstance(cell, Mapping) and bool(cell.get("suppressed"))


def _pct(value: Decimal) -> str:
    return format_number(value, "percent")


def _count(value: Decimal) -> str:
    return format_number(value, "int")


def _change(now: Decimal, before: Decimal) -> str:
    """「1.2ポイント上昇」, 「0.4ポイント低下」 or 「横ばい」 between two printed percentages."""
    difference = now - before
    if difference == 0:
        return "横ばい"
    direction = "上昇" if difference > 0 else "低下"
    return f"{_pct(abs(difference))}ポイント{direction}"


def _trend_cell(point: Any, metric: str) -> Any:
    return _mapping(point).get(metric)


def _counts_sentence(headline: Mapping[str, Any]) -> Sentence:
    month = str(headline.get("month_label", ""))
    parts = []
    figures: dict[str, str] = {}
    for key, name in (("hires_month", "採用者数"), ("separations_month", "離職者数")):
        cell = headline.get(key)
        value = published(cell, "int")
        if value is not None:
            parts.append(f"{name}は{_count(value)}人")
            figures[key] = _count(value)
        elif _hidden(cell):
            parts.append(f"{name}は{SUPPRESSED_TEXT}")
        else:
            parts.append(f"{name}は集計できる提出がありません")
    ending = "でした。" if parts[-1].endswith("人") else "。"
    return Sentence("counts", f"{month}の{'、'.join(parts)}{ending}", figures)


def _rate_sentence(
    metric: str, headline: Mapping[str, Any], trend: Sequence[Any], rolling_label: str
) -> Sentence:
    """The association's rolling 12-month rate against a month before and a year before."""
    name = RATE_NAMES[metric]
    now_cell = _trend_cell(trend[-1], metric) if trend else None
    now = published(now_cell)
    if now is None:
        reason = SUPPRESSED_TEXT if _hidden(now_cell) else "計算できる提出がありません"
        return Sentence(metric, f"直近12か月（{rolling_label}）の{name}は、{reason}。", {})
    figures = {f"{metric}_now": _pct(now)}
    comparisons = []
    previous = published(_trend_cell(trend[-2], metric)) if len(trend) >= 2 else None
    if previous is not None:
        figures[f"{metric}_previous"] = _pct(previous)
        comparisons.append(
            f"前月（{headline.get('previous_label', '')}まで）の{_pct(previous)}％から"
            f"{_change(now, previous)}"
        )
    year_ago = published(_trend_cell(trend[-13], metric)) if len(trend) >= 13 else None
    if year_ago is not None:
        figures[f"{metric}_year_ago"] = _pct(year_ago)
        comparisons.append(
            f"前年同月（{headline.get('year_ago_label', '')}まで）の{_pct(year_ago)}％から"
            f"{_change(now, year_ago)}"
        )
    text = f"直近12か月（{rolling_label}）の{name}は{_pct(now)}％です"
    text += f"（{'、'.join(comparisons)}）。" if comparisons else "。"
    return Sentence(metric, text, figures)


def _national_sentence(headline: Mapping[str, Any]) -> Sentence | None:
    """The national figures (2職種計) and the association's own 2職種計 rates beside them."""
    national = _mapping(headline.get("national"))
    direct = _mapping(headline.get("direct_care"))
    theirs, ours = [], []
    figures: dict[str, str] = {}
    year = ""
    for metric in ("separation_rate", "hire_rate"):
        item = _mapping(national.get(metric))
        value = published(item.get("value"))
        if value is None:
            continue
        year = year or str(item.get("survey_year_label", ""))
        figures[f"national_{metric}"] = _pct(value)
        theirs.append(f"{RATE_NAMES[metric]}{_pct(value)}％")
        own = published(direct.get(metric))
        if own is None:
            continue
        figures[f"direct_{metric}"] = _pct(own)
        difference = own - value
        relation = (
            "全国値と同じ"
            if difference == 0
            else f"全国値を{_pct(abs(difference))}ポイント"
            f"{'上回る' if difference > 0 else '下回る'}"
        )
        ours.append(f"{RATE_NAMES[metric]}{_pct(own)}％（{relation}）")
    if not theirs:
        return None
    source = f"介護労働実態調査、{year}、介護職員・訪問介護員の2職種計"
    text = f"全国値（{source}）は{'、'.join(theirs)}です。"
    if ours:
        text += f"当会の同じ2職種の直近12か月は{'、'.join(ours)}です。"
    return Sentence("national", text, figures)


def _target_sentences(headline: Mapping[str, Any]) -> list[Sentence]:
    """The association-wide targets of the fiscal year and the fiscal year to date."""
    sentences = []
    year = headline.get("fiscal_year_label", "")
    for item in _list(headline.get("targets")):
        item = _mapping(item)
        if item.get("scope") != "association" or item.get("metric") not in RATE_NAMES:
            continue
        metric = str(item["metric"])
        target = published(item.get("target"))
        if target is None:
            continue
        direction = TARGET_DIRECTION[bool(item.get("at_most"))]
        text = f"{year}の{RATE_NAMES[metric]}の目標は{_pct(target)}％{direction}で、"
        figures = {f"target_{metric}": _pct(target)}
        to_date = published(item.get("to_date"))
        status_cell = _mapping(item.get("status"))
        status = TARGET_STATUS.get(str(status_cell.get("value")))
        if to_date is not None and status and not status_cell.get("suppressed"):
            figures[f"to_date_{metric}"] = _pct(to_date)
            period = headline.get("fiscal_period", "")
            text += f"年度累計（{period}）は{_pct(to_date)}％で、目標を{status}。"
        elif _hidden(item.get("to_date")):
            text += f"年度累計は{SUPPRESSED_TEXT}。"
        else:
            text += "年度累計はまだ計算できません。"
        sentences.append(Sentence(f"target_{metric}", text, figures))
    return sentences


def _coverage_sentence(summary: Sequence[Any]) -> Sentence | None:
    for item in summary:
        item = _mapping(item)
        if item.get("key") != "coverage":
            continue
        filed = published(item, "int")
        total = published({"value": item.get("total")}, "int")
        if filed is None or total is None:
            return None
        share = (filed / total * 100).quantize(Decimal("0.1")) if total else None
        text = f"対象事業所{_count(total)}か所のうち{_count(filed)}か所が提出しました"
        figures = {"filed": _count(filed), "expected": _count(total)}
        if share is not None:
            text += f"（提出率{_pct(share)}％）"
            figures["coverage_percent"] = _pct(share)
        return Sentence("coverage", text + "。", figures)
    return None


def _mover_sentence(headline: Mapping[str, Any]) -> Sentence | None:
    """The 部会 whose rolling rate changed most since last month, among published pairs."""
    best: tuple[Decimal, str, str, Decimal, Decimal] | None = None
    for scope in _list(headline.get("scopes")):
        scope = _mapping(scope)
        if scope.get("whole"):
            continue
        for metric in ("separation_rate", "hire_rate"):
            pair = _mapping(scope.get(metric))
            now, before = published(pair.get("now")), published(pair.get("previous"))
            if now is None or before is None:
                continue
            change = abs(now - before)
            if best is None or change > best[0]:
                best = (change, str(scope.get("label", "")), metric, now, before)
    if best is None:
        return None
    change, label, metric, now, before = best
    if change == 0:
        return Sentence("mover", "前月からの各部会の離職率・採用率に変化はありません。", {})
    text = (
        f"前月から最も大きく動いたのは{label}の{RATE_NAMES[metric]}で、"
        f"{_pct(before)}％から{_pct(now)}％へ{_change(now, before)}しました。"
    )
    return Sentence(
        "mover",
        text,
        {"mover_scope": label, "mover_now": _pct(now), "mover_previous": _pct(before)},
    )


def summary_sentences(content: Any) -> list[Sentence]:
    """The first page's sentences for a report's content as the city sees it."""
    content = _mapping(content)
    headline = _mapping(content.get("headline"))
    if not headline:
        return []  # a revision built before the sentences existed
    trend = _list(_mapping(content.get("trends")).get("24"))
    rolling_label = str(content.get("rolling_label", ""))
    sentences = [_counts_sentence(headline)]
    sentences += [_rate_sentence(m, headline, trend, rolling_label) for m in TREND_METRICS]
    sentences += [s for s in (_national_sentence(headline),) if s]
    sentences += _target_sentences(headline)
    sentences += [
        s
        for s in (
            _coverage_sentence(_list(content.get("summary"))),
            _mover_sentence(headline),
        )
        if s
    ]
    return sentences
