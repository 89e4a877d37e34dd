"""Windows, deadlines and 和暦, worked out by hand from a printed calendar.

Weekdays and national holidays below were read off the calendar (内閣府「国民の祝日」), not
from the code under test.
"""

from __future__ import annotations

from datetime import date

import pytest

from core.calendar import (
    add_months,
    filing_deadline,
    fiscal_year_months,
    fiscal_year_of,
    is_business_day,
    last_closed_month,
    latest_complete_survey_year,
    months_between,
    next_business_day,
    rolling_months,
    survey_year_months,
    survey_year_of,
    wareki_date,
    wareki_fiscal_year,
    wareki_month,
    wareki_year,
)

# --- windows -------------------------------------------------------------------------------


def test_survey_year_runs_october_to_september() -> None:
    """The 令和6年度 survey: headcount on 2023-10-01, movements 2023-10 … 2024-09."""
    first, last = survey_year_months(2024)
    assert (first, last) == (date(2023, 10, 1), date(2024, 9, 1))
    months = months_between(first, last)
    assert len(months) == 12
    assert months[0] == date(2023, 10, 1)
    assert months[2] == date(2023, 12, 1)
    assert months[3] == date(2024, 1, 1)  # the window crosses new year
    assert months[-1] == date(2024, 9, 1)


def test_survey_year_of_a_day() -> None:
    # September still belongs to the survey year ending that September; October starts the next.
    assert survey_year_of(date(2024, 9, 30)) == 2024
    assert survey_year_of(date(2024, 10, 1)) == 2025
    assert survey_year_of(date(2025, 1, 15)) == 2025


def test_latest_complete_survey_year() -> None:
    # The last closed month is September 2025: the survey year 2024-10 … 2025-09 is complete.
    assert latest_complete_survey_year(date(2025, 9, 1)) == 2025
    # August 2025 closed, September not yet: the latest complete one ended September 2024.
    assert latest_complete_survey_year(date(2025, 8, 1)) == 2024
    assert latest_complete_survey_year(date(2026, 1, 1)) == 2025


def test_fiscal_year_runs_april_to_march() -> None:
    assert fiscal_year_months(2025) == (date(2025, 4, 1), date(2026, 3, 1))
    months = months_between(*fiscal_year_months(2025))
    assert len(months) == 12
    assert [m.month for m in months] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3]
    # 31 March belongs to the fiscal year that began the April before; 1 April starts a new one.
    assert fiscal_year_of(date(2026, 3, 31)) == 2025
    assert fiscal_year_of(date(2026, 4, 1)) == 2026
    assert fiscal_year_of(date(2026, 1, 1)) == 2025


def test_rolling_twelve_months_across_a_year_boundary() -> None:
    # Ending February 2026: back 11 months is March 2025.
    first, last = rolling_months(date(2026, 2, 17))
    assert (first, last) == (date(2025, 3, 1), date(2026, 2, 1))
    months = months_between(first, last)
    assert len(months) == 12
    assert date(2025, 12, 1) in months
    assert date(2026, 1, 1) in months
    assert date(2025, 2, 1) not in months
    # Ending December: the calendar year.
    assert rolling_months(date(2025, 12, 1)) == (date(2025, 1, 1), date(2025, 12, 1))


def test_add_months_crosses_years_both_ways() -> None:
    assert add_months(date(2025, 11, 1), 3) == date(2026, 2, 1)
    assert add_months(date(2025, 2, 1), -3) == date(2024, 11, 1)
    assert add_months(date(2025, 1, 1), -12) == date(2024, 1, 1)


# --- deadlines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "deadline_day", "deadline", "why"),
    [
        # October 2025: 2025-11-10 is a Monday, an ordinary working day.
        (date(2025, 10, 1), 10, date(2025, 11, 10), "weekday"),
        # April 2025: 2025-05-10 is a Saturday → Monday 2025-05-12.
        (date(2025, 4, 1), 10, date(2025, 5, 12), "Saturday"),
        # December 2025: 2026-01-10 is a Saturday, the 11th a Sunday, the 12th 成人の日
        # (second Monday of January) → Tuesday 2026-01-13. Also crosses into the next year.
        (date(2025, 12, 1), 10, date(2026, 1, 13), "Saturday then 成人の日"),
        # July 2025: 2025-08-10 is a Sunday, the 11th 山の日 (Monday) → Tuesday 2025-08-12.
        (date(2025, 7, 1), 10, date(2025, 8, 12), "Sunday then 山の日"),
        # September 2022: 2022-10-10 is スポーツの日, a Monday → Tuesday 2022-10-11.
        (date(2022, 9, 1), 10, date(2022, 10, 11), "スポーツの日 on the 10th"),
        # December 2021: 2022-01-10 is 成人の日, a Monday → Tuesday 2022-01-11.
        (date(2021, 12, 1), 10, date(2022, 1, 11), "成人の日 on the 10th"),
        # April 2026 due on the 3rd: 5/3 憲法記念日 (Sunday), 5/4 みどりの日, 5/5 こどもの日,
        # 5/6 振替休日 for the Sunday → Thursday 2026-05-07 (Golden Week).
        (date(2026, 4, 1), 3, date(2026, 5, 7), "Golden Week"),
        # January 2024 due on the 11th: 2024-02-11 建国記念の日 is a Sunday, so Monday the
        # 12th is 振替休日 → Tuesday 2024-02-13.
        (date(2024, 1, 1), 11, date(2024, 2, 13), "振替休日"),
        # August 2026 due on the 19th: 9/19 Saturday, 9/20 Sunday, 9/21 敬老の日, 9/22 国民の休日
        # (between two holidays), 9/23 秋分の日 → Thursday 2026-09-24 (Silver Week).
        (date(2026, 8, 1), 19, date(2026, 9, 24), "国民の休日"),
        # January 2026 due on the 31st: February has 28 days; 2026-02-28 is a Saturday →
        # Monday 2026-03-02.
        (date(2026, 1, 1), 31, date(2026, 3, 2), "day past a short month's end"),
    ],
)
def test_filing_deadline_moves_to_the_next_business_day(
    month: date, deadline_day: int, deadline: date, why: str
) -> None:
    assert filing_deadline(month, deadline_day=deadline_day) == deadline, why


def test_filing_deadline_takes_any_day_of_the_month() -> None:
    # A mid-month day of the filed month means the same month: the deadline is the next one's.
    assert filing_deadline(date(2025, 10, 17), deadline_day=10) == date(2025, 11, 10)


def test_business_days() -> None:
    assert is_business_day(date(2025, 11, 10))  # Monday
    assert not is_business_day(date(2025, 11, 8))  # Saturday
    assert not is_business_day(date(2025, 11, 3))  # 文化の日, a Monday
    assert not is_business_day(date(2025, 11, 24))  # 振替休日 for 勤労感謝の日 (Sunday 23rd)
    # New year: 1 January is a holiday; 2026-01-01 is a Thursday, the 2nd a Friday (a
    # business day for the rule, though many offices are closed).
    assert next_business_day(date(2026, 1, 1)) == date(2026, 1, 2)


def test_last_closed_month() -> None:
    # October 2026's deadline is Tuesday 2026-11-10: on the 10th itself October is still open.
    assert last_closed_month(date(2026, 11, 10), deadline_day=10) == date(2026, 9, 1)
    assert last_closed_month(date(2026, 11, 11), deadline_day=10) == date(2026, 10, 1)
    # December 2025's deadline moved to 2026-01-13: on the 12th November is the last closed.
    assert last_closed_month(date(2026, 1, 12), deadline_day=10) == date(2025, 11, 1)
    assert last_closed_month(date(2026, 1, 14), deadline_day=10) == date(2025, 12, 1)


# --- 和暦 ----------------------------------------------------------------------------------


def test_wareki_months() -> None:
    assert wareki_month(date(2025, 10, 1)) == "令和7年（2025年）10月"
    # 令和 began on 2019-05-01 and its first year is 元年.
    assert wareki_month(date(2019, 5, 1)) == "令和元年（2019年）5月"
    assert wareki_month(date(2019, 12, 1)) == "令和元年（2019年）12月"
    assert wareki_month(date(2019, 4, 1)) == "平成31年（2019年）4月"
    assert wareki_month(date(2020, 1, 1)) == "令和2年（2020年）1月"
    assert wareki_month(date(2018, 3, 1)) == "平成30年（2018年）3月"


def test_wareki_dates_use_the_era_of_the_day() -> None:
    assert wareki_date(date(2019, 4, 30)) == "平成31年（2019年）4月30日"
    assert wareki_date(date(2019, 5, 1)) == "令和元年（2019年）5月1日"
    assert wareki_date(date(2026, 1, 13)) == "令和8年（2026年）1月13日"
    # 平成 began on 1989-01-08: the 7th is 昭和64年, the 8th 平成元年, in the same month.
    assert wareki_date(date(1989, 1, 7)) == "昭和64年（1989年）1月7日"
    assert wareki_date(date(1989, 1, 8)) == "平成元年（1989年）1月8日"


def test_wareki_year() -> None:
    assert wareki_year(date(2025, 1, 1)) == "令和7年（2025年）"
    assert wareki_year(date(2019, 6, 1)) == "令和元年（2019年）"


def test_wareki_fiscal_years() -> None:
    # FY2019 began on 2019-04-01, still 平成31年, but is called 令和元年度.
    assert wareki_fiscal_year(2019) == "令和元年度（2019年度）"
    assert wareki_fiscal_year(2018) == "平成30年度（2018年度）"
    assert wareki_fiscal_year(2020) == "令和2年度（2020年度）"
    assert wareki_fiscal_year(2025) == "令和7年度（2025年度）"
    assert wareki_fiscal_year(1989) == "平成元年度（1989年度）"
