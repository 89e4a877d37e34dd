"""Months, deadlines, fiscal and survey years, and 和暦 as officials write them."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

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
    day = max(1, min(deadline_day, last_day.day))  # 31 in a short month is its last day
    return next_business_day(following.replace(day=day))


def last_closed_month(today: date, *, deadline_day: int) -> date:
    """The latest month whose filing deadline is over on `today` (its figures are final)."""
    month = add_months(month_start(today), -1)
    while filing_deadline(month, deadline_day=deadline_day) >= today:
        month = add_months(month, -1)
    return month


def fiscal_year_of(day: date) -> int:
    """年度 (April–March), named by the western year it starts in."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_months(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 1)


def survey_year_months(year: int) -> tuple[date, date]:
    """The national survey's year: October of `year - 1` to September of `year`."""
    return date(year - 1, 10, 1), date(year, 9, 1)


def survey_year_of(day: date) -> int:
    """The survey year (named by the September it ends in) that `day` falls in."""
    return day.year + 1 if day.month >= 10 else day.year


def latest_complete_survey_year(last_month: date) -> int:
    """The latest survey year whose September is `last_month` or earlier."""
    return last_month.year if last_month.month >= 9 else last_month.year - 1


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


def wareki_year(month: date) -> str:
    """令和7年（2025年）: the year of `month` (a chart's year label)."""
    era, number = _era(month_start(month))
    return f"{era}{_era_year(number)}年（{month.year}年）"


def wareki_month(month: date) -> str:
    """令和7年（2025年）10月"""
    return f"{wareki_year(month)}{month.month}月"


def wareki_date(day: date) -> str:
    """令和7年（2025年）10月10日; the era of the day itself (1989-01-08 is 平成元年)."""
    era, number = _era(day)
    return f"{era}{_era_year(number)}年（{day.year}年）{day.month}月{day.day}日"


def wareki_datetime(moment: datetime) -> str:
    """令和8年（2026年）11月30日 9:41: a moment as people in Japan read it (Asia/Tokyo)."""
    local = timezone.localtime(moment)
    return f"{wareki_date(local.date())} {local.hour}:{local.minute:02d}"


def wareki_fiscal_year(fiscal_year: int) -> str:
    """令和元年度（2019年度）: the era of the fiscal year's first day (1 April), except that
    official usage names FY2019 (from 1 April 2019, still 平成31年) 令和元年度."""
    era, number = _era(date(fiscal_year, 4, 1) if fiscal_year != 2019 else date(2019, 5, 1))
    return f"{era}{_era_year(number)}年度（{fiscal_year}年度）"


_MONTH_FORMS = (
    re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"),  # 2026-09, 2026/9, 2026年9月
    re.compile(r"^(\d{4})(\d{2})$"),  # 202609
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.]\d{1,2}(?:[T ].*)?$"),  # a date cell: 2026-09-01
    re.compile(r"^(\d{4})年(\d{1,2})月\d{1,2}日$"),
)


def parse_month(text: str) -> date:
    """2026-09, 2026/9, 2026年9月, 202609 or a date in the month → the month's first day."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for form in _MONTH_FORMS:
        match = form.match(folded)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return date(year, month, 1)
    raise ValidationError(
        _("Write the month as 2026-09 or 2026/09 (western year). You entered “%(value)s”.")
        % {"value": text}
    )
