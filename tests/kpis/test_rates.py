"""The national survey's rates on hand-worked examples (the working is in the comments).

採用率 = hires in the window ÷ headcount at the window's start × 100, 離職率 likewise with
separations, 早期離職割合 = separations within a year of hiring ÷ separations × 100; one decimal,
half up. An office counts only when it filed every month of the window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from core.calendar import add_months, months_between, survey_year_months
from kpis.rates import OfficeMonth, Rate, target_status, window_figures

# The 令和6年度 survey year: 2023-10 … 2024-09.
FIRST, LAST = survey_year_months(2024)


def office(
    office_id: int,
    *,
    start: int,
    first: date = FIRST,
    last: date = LAST,
    hires: Mapping[date, int] | None = None,
    separations: Mapping[date, int] | None = None,
    early: Mapping[date, int] | None = None,
    skip: tuple[date, ...] = (),
    has_rows: bool = True,
) -> list[OfficeMonth]:
    """Monthly filings from `first` to `last`: each month starts where the last one ended."""
    hires, separations, early = hires or {}, separations or {}, early or {}
    items, headcount = [], start
    for month in months_between(first, last):
        end = headcount + hires.get(month, 0) - separations.get(month, 0)
        if month not in skip:
            items.append(
                OfficeMonth(
                    office_id=office_id,
                    month=month,
                    headcount_start=headcount,
                    hires=hires.get(month, 0),
                    separations=separations.get(month, 0),
                    separations_within_year=early.get(month, 0),
                    headcount_end=end,
                    has_rows=has_rows,
                )
            )
        headcount = end
    return items


NOV, DEC, FEB, MAR = date(2023, 11, 1), date(2023, 12, 1), date(2024, 2, 1), date(2024, 3, 1)
JUN, AUG = date(2024, 6, 1), date(2024, 8, 1)


def steady_office(office_id: int = 1) -> list[OfficeMonth]:
    """40 staff on 2023-10-01; hires 2 (Nov) + 1 (Feb) + 3 (Jun) = 6; separations 1 (Dec) +
    2 (Mar, one of them hired within the year) + 1 (Aug) = 4."""
    return office(
        office_id,
        start=40,
        hires={NOV: 2, FEB: 1, JUN: 3},
        separations={DEC: 1, MAR: 2, AUG: 1},
        early={MAR: 1},
    )


def test_one_office_over_a_survey_year() -> None:
    figures = window_figures(steady_office(), first=FIRST, last=LAST)
    # 採用率 6 ÷ 40 = 0.15 → 15.0 %; 離職率 4 ÷ 40 = 0.10 → 10.0 %; 早期離職 1 ÷ 4 → 25.0 %.
    assert figures.hire_rate == Rate(6, 40)
    assert figures.hire_rate.value == Decimal("15.0")
    assert figures.separation_rate.value == Decimal("10.0")
    assert figures.early_separation_share.value == Decimal("25.0")
    assert figures.offices == 1
    assert figures.offices_not_covered == 0
    assert figures.months == 12


def test_the_denominator_is_the_headcount_at_the_window_start_not_at_its_end() -> None:
    # Ending 2024-09, the office has 40 + 6 − 4 = 42 staff; the rate still divides by 40.
    items = steady_office()
    assert items[-1].headcount_end == 42
    assert window_figures(items, first=FIRST, last=LAST).separation_rate.denominator == 40


def test_office_joining_mid_window_is_left_out_and_counted_as_not_covered() -> None:
    # Office 2 joins in January 2024 with 10 staff and 5 separations: were it counted, the
    # separation rate would be (4 + 5) ÷ (40 + 10) = 18.0 %. It is not: 4 ÷ 40 = 10.0 %.
    joiner = office(2, start=10, first=date(2024, 1, 1), separations={MAR: 5})
    figures = window_figures([*steady_office(), *joiner], first=FIRST, last=LAST)
    assert figures.separation_rate.value == Decimal("10.0")
    assert figures.hire_rate.value == Decimal("15.0")
    assert figures.offices == 1
    assert figures.offices_not_covered == 1


def test_office_missing_a_month_is_left_out() -> None:
    # Office 3 filed every month but May 2024: 20 staff, 2 hires in Nov, 1 separation in Dec.
    # Counted, the hiring rate would be (6 + 2) ÷ (40 + 20) = 13.3 %; left out it is 15.0 %.
    gappy = office(3, start=20, hires={NOV: 2}, separations={DEC: 1}, skip=(date(2024, 5, 1),))
    assert len(gappy) == 11
    figures = window_figures([*steady_office(), *gappy], first=FIRST, last=LAST)
    assert figures.hire_rate.value == Decimal("15.0")
    assert figures.offices == 1
    assert figures.offices_not_covered == 1


def test_months_outside_the_window_do_not_count() -> None:
    # Filings from 2023-09 to 2024-10: the extra months carry a separation each, and
    # September's start headcount (41) is not the window's start.
    items = office(
        1,
        start=41,
        first=date(2023, 9, 1),
        last=date(2024, 10, 1),
        separations={date(2023, 9, 1): 1, DEC: 1, date(2024, 10, 1): 1},
    )
    figures = window_figures(items, first=FIRST, last=LAST)
    # In the window: October starts at 41 − 1 = 40; one separation (December) → 1 ÷ 40 = 2.5 %.
    assert figures.separation_rate == Rate(1, 40)
    assert figures.separation_rate.value == Decimal("2.5")


def test_aggregate_sums_numerators_and_denominators_never_averages_rates() -> None:
    # A big office: 200 staff, 30 hires, 20 separations (5 early).
    # A small one: 5 staff, 1 hire, 3 separations (2 early).
    big = office(1, start=200, hires={NOV: 30}, separations={MAR: 20}, early={MAR: 5})
    small = office(2, start=5, hires={FEB: 1}, separations={JUN: 3}, early={JUN: 2})
    figures = window_figures([*big, *small], first=FIRST, last=LAST)
    # 離職率: (20 + 3) ÷ (200 + 5) = 23 ÷ 205 = 0.112195… → 11.2 %.
    # Averaging the office rates would give (10.0 + 60.0) ÷ 2 = 35.0 %.
    assert figures.separation_rate == Rate(23, 205)
    assert figures.separation_rate.value == Decimal("11.2")
    assert figures.separation_rate.value != Decimal("35.0")
    # 採用率: (30 + 1) ÷ 205 = 0.151219… → 15.1 %; the average of 15.0 and 20.0 is 17.5.
    assert figures.hire_rate.value == Decimal("15.1")
    # 早期離職割合: (5 + 2) ÷ (20 + 3) = 7 ÷ 23 = 0.304347… → 30.4 %;
    # averaging 25.0 and 66.7 would give 45.8.
    assert figures.early_separation_share.value == Decimal("30.4")
    assert figures.offices == 2


def test_early_separation_share() -> None:
    # 8 separations in the year, 3 of them within a year of hiring: 3 ÷ 8 = 37.5 %.
    items = office(
        1, start=30, separations={NOV: 2, FEB: 4, AUG: 2}, early={NOV: 1, FEB: 1, AUG: 1}
    )
    figures = window_figures(items, first=FIRST, last=LAST)
    assert figures.early_separation_share == Rate(3, 8)
    assert figures.early_separation_share.value == Decimal("37.5")


def test_empty_window_is_none_not_zero() -> None:
    figures = window_figures([], first=FIRST, last=LAST)
    assert figures.hire_rate.value is None
    assert figures.separation_rate.value is None
    assert figures.early_separation_share.value is None
    assert figures.offices == 0
    # Filings only before the window: still nothing.
    before = office(1, start=10, first=date(2022, 10, 1), last=date(2023, 9, 1))
    assert window_figures(before, first=FIRST, last=LAST).separation_rate.value is None
    # Only a partial office: nothing covered, and it says so.
    partial = office(1, start=10, first=date(2024, 4, 1))
    figures = window_figures(partial, first=FIRST, last=LAST)
    assert figures.hire_rate.value is None
    assert (figures.offices, figures.offices_not_covered) == (0, 1)


def test_zero_separations_give_no_early_share_and_zero_rate() -> None:
    # 12 staff, nobody leaves: 離職率 0 ÷ 12 = 0.0 % (a real zero); 早期離職割合 0 ÷ 0 is empty.
    figures = window_figures(office(1, start=12), first=FIRST, last=LAST)
    assert figures.separation_rate.value == Decimal("0.0")
    assert figures.early_separation_share.value is None


def test_no_staff_at_the_start_gives_no_rate() -> None:
    # An office that starts the window with nobody and hires 3: 3 ÷ 0 has no value.
    figures = window_figures(office(1, start=0, hires={NOV: 3}), first=FIRST, last=LAST)
    assert figures.offices == 1
    assert figures.hire_rate.value is None


def test_rounding_is_half_up_to_one_decimal() -> None:
    # 1 ÷ 16 = 6.25 % → 6.3 (rounding half to even would give 6.2).
    assert Rate(1, 16).value == Decimal("6.3")
    # 5 ÷ 16 = 31.25 % → 31.3 (half to even: 31.2).
    assert Rate(5, 16).value == Decimal("31.3")
    # 1 ÷ 2000 = 0.05 % → 0.1; 3 ÷ 2000 = 0.15 % → 0.2.
    assert Rate(1, 2000).value == Decimal("0.1")
    assert Rate(3, 2000).value == Decimal("0.2")
    # 1 ÷ 3 = 33.33… → 33.3; 2 ÷ 3 = 66.66… → 66.7; 1 ÷ 8 = 12.5 exactly.
    assert Rate(1, 3).value == Decimal("33.3")
    assert Rate(2, 3).value == Decimal("66.7")
    assert Rate(1, 8).value == Decimal("12.5")
    assert str(Rate(1, 8).value) == "12.5"
    # Through a window: 16 staff, one separation → 6.3 %.
    figures = window_figures(office(1, start=16, separations={AUG: 1}), first=FIRST, last=LAST)
    assert figures.separation_rate.value == Decimal("6.3")


def test_slice_without_rows_of_its_kind() -> None:
    # Nurses: office 1 has 5 all year (one leaves in March); office 2 had none until it hired
    # one in February, so its filings before February carry no nurse row (has_rows False).
    # Office 3 never has a nurse: not part of the nurse figures at all.
    first_nurse = [
        *office(2, start=0, last=date(2024, 1, 1), has_rows=False),
        *office(2, start=0, first=FEB, hires={FEB: 1}),
    ]
    items = [
        *office(1, start=5, separations={MAR: 1}),
        *first_nurse,
        *office(3, start=0, has_rows=False),
    ]
    figures = window_figures(items, first=FIRST, last=LAST)
    # Offices 1 and 2 are covered (both filed every month); start headcount 5 + 0 = 5.
    # 採用率 1 ÷ 5 = 20.0 %; 離職率 1 ÷ 5 = 20.0 %.
    assert figures.offices == 2
    assert figures.offices_not_covered == 0
    assert figures.hire_rate == Rate(1, 5)
    assert figures.separation_rate.value == Decimal("20.0")


def test_rolling_window_across_the_year() -> None:
    # 12 months ending February 2025: 2024-03 … 2025-02, 50 staff on 2024-03-01; hires in
    # December and January, on both sides of new year.
    last = date(2025, 2, 1)
    first = add_months(last, -11)
    items = office(
        1,
        start=50,
        first=first,
        last=last,
        hires={date(2024, 12, 1): 2, date(2025, 1, 1): 2},
        separations={date(2025, 2, 1): 3},
    )
    figures = window_figures(items, first=first, last=last)
    # 採用率 4 ÷ 50 = 8.0 %; 離職率 3 ÷ 50 = 6.0 %.
    assert figures.hire_rate.value == Decimal("8.0")
    assert figures.separation_rate.value == Decimal("6.0")


def test_target_status() -> None:
    # 離職率 ≤ 12.0: 11.9 and exactly 12.0 meet it, 12.1 does not.
    assert target_status(Decimal("11.9"), target=Decimal("12.0"), at_most=True) == "met"
    assert target_status(Decimal("12.0"), target=Decimal("12.0"), at_most=True) == "met"
    assert target_status(Decimal("12.1"), target=Decimal("12.0"), at_most=True) == "not_met"
    # 採用率 ≥ 16.0.
    assert target_status(Decimal("16.0"), target=Decimal("16.0"), at_most=False) == "met"
    assert target_status(Decimal("15.9"), target=Decimal("16.0"), at_most=False) == "not_met"
    assert target_status(None, target=Decimal("16.0"), at_most=False) == "no_data"
