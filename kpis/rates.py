"""Staffing rates as the national survey (介護労働実態調査) defines them. Pure arithmetic.

採用率 = hires in the window ÷ headcount at the window's start × 100
離職率 = separations in the window ÷ headcount at the window's start × 100
早期離職割合 = separations within one year of hiring ÷ separations × 100

An office counts towards a window only when it filed every month of it: its headcount at the
window's start is the first month's start headcount (last month's end, carried forward). Offices
that joined mid-window or skipped a month are left out and counted as not covered. In a slice
(a job category, an employment type) a filed month without rows of the slice counts as zeros,
and an office with no row of the slice in the whole window is not part of it at all. Aggregates
sum numerators and denominators across offices; office rates are never averaged. A figure with
no denominator is None (shown empty), never zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.calendar import months_between


@dataclass(frozen=True)
class OfficeMonth:
    """One office's submitted totals for one month (already summed over the chosen rows)."""

    office_id: int
    month: date
    headcount_start: int
    hires: int
    separations: int
    separations_within_year: int
    headcount_end: int
    # False when the filing had no row of the chosen slice (all the counts above are then 0).
    has_rows: bool = True


@dataclass(frozen=True)
class Rate:
    numerator: int | None
    denominator: int | None

    @property
    def value(self) -> Decimal | None:
        """Percent with one decimal (half up), or None when there is nothing to divide by."""
        if not self.denominator or self.numerator is None:
            return None
        # Exact in integers: tenths of a percent, half rounded up (counts are never negative).
        tenths = (self.numerator * 2000 + self.denominator) // (self.denominator * 2)
        return Decimal(tenths).scaleb(-1)


@dataclass(frozen=True)
class WindowFigures:
    first: date
    last: date
    hire_rate: Rate
    separation_rate: Rate
    early_separation_share: Rate
    offices: int  # offices covered: a filing for every month of the window
    offices_not_covered: int  # offices with some filings in the window, but not all

    @property
    def months(self) -> int:
        return len(months_between(self.first, self.last))


def window_figures(
    office_months: Iterable[OfficeMonth], *, first: date, last: date
) -> WindowFigures:
    """The three rates for the window `first`..`last` (first days of months, both included)."""
    window = set(months_between(first, last))
    by_office: dict[int, dict[date, OfficeMonth]] = defaultdict(dict)
    for item in office_months:
        if item.month in window:
            by_office[item.office_id][item.month] = item

    hires = separations = early = start_headcount = 0
    covered = not_covered = 0
    for months in by_office.values():
        if not any(item.has_rows for item in months.values()):
            continue  # the office has none of the slice's staff in this window
        if set(months) != window:
            not_covered += 1
            continue
        covered += 1
        start_headcount += months[first].headcount_start
        for item in months.values():
            hires += item.hires
            separations += item.separations
            early += item.separations_within_year

    if not covered:
        empty = Rate(None, None)
        return WindowFigures(first, last, empty, empty, empty, 0, not_covered)
    return WindowFigures(
        first=first,
        last=last,
        hire_rate=Rate(hires, start_headcount),
        separation_rate=Rate(separations, start_headcount),
        early_separation_share=Rate(early, separations),
        offices=covered,
        offices_not_covered=not_covered,
    )


def target_status(value: Decimal | None, *, target: Decimal, at_most: bool) -> str:
    """ "met", "not_met" or "no_data": the published (rounded) figure against a target."""
    if value is None:
        return "no_data"
    met = value <= target if at_most else value >= target
    return "met" if met else "not_met"
