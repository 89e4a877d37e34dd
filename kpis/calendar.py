"""Months, deadlines, fiscal and survey years, and 和暦 as officials write them."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

# Era start dates; 令和 began 2019-05-01 and its first year is written 元年.
_ERAS = ((date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成"), (date(1926, 12, 25), "昭和"))


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included (first days of months)."""
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


@lru_cache(maxsize=64)
def _japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _japanese_holidays(day.year)


def next_business_day(day: date) -> date:
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def filing_deadline(month: date, *, deadline_day: int) -> date:
    """The last day to file `month`: `deadline_day` of the next month, or the next business day."""
    following = add_months(month_start(month), 1)
    last_day = add_months(following, 1) - timedelta(days=1)
    return next_business_day(following.replace(day=min(deadline_day, last_day.day)))


def fiscal_year_of(day: date) -> int:
    """年度 (April–March), named by the western year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_months(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 1)


def survey_year_months(year: int) -> tuple[date, date]:
    """The national survey's year: October of `year - 1` to September of `year`."""
    return date(year - 1, 10, 1), date(year, 9, 1)


def rolling_months(last_month: date) -> tuple[date, date]:
    """The 12 months ending with `last_month`."""
    return add_months(month_start(last_month), -11), month_start(last_month)


def _era(day: date) -> tuple[str, int]:
    for start, name in _ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before 昭和")


def _era_year(number: int) -> str:
    return "元" if number == 1 else str(number)


def wareki_month(month: date) -> str:
    """令和7年（2025年）10月"""
    era, number = _era(month_start(month))
    return f"{era}{_era_year(number)}年（{month.year}年）{month.month}月"


def wareki_date(day: date) -> str:
    """令和7年（2025年）10月10日"""
    return f"{wareki_month(day)}{day.day}日"


def wareki_fiscal_year(fiscal_year: int) -> str:
    """令和元年度（2019年度）: the era of the fiscal year's first day (1 April)."""
    era, number = _era(date(fiscal_year, 4, 1) if fiscal_year != 2019 else date(2019, 5, 1))
    return f"{era}{_era_year(number)}年度（{fiscal_year}年度）"
