"""The filing check on its own: hand-worked cases of `kpis.checks.filing_check`.

No database mark: the check is pure, so any query it made would fail these tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.utils import translation

from kpis.checks import Problem, filing_check, filing_lock, lock_message, read_count
from kpis.models import StaffingReport


@dataclass
class Settings:
    deadline_day: int = 10
    jump_threshold_percent: int = 20


MONTH = date(2026, 3, 1)  # deadline 2026-04-10, a Friday
OPEN = date(2026, 4, 10)  # the deadline itself: still open
LATE = date(2026, 4, 11)
CARE = "care_worker/regular"
NURSE = "nurse/non_regular"


def row(key: str = CARE, **changes: Any) -> dict[str, Any]:
    job, employment = key.split("/")
    values: dict[str, Any] = {
        "job_category": job,
        "employment_type": employment,
        "headcount_start": 10,
        "hires": 2,
        "separations": 1,
        "separations_within_year": 0,
        "headcount_end": 11,
        "hires_hello_work": 2,
    }
    return {**values, **changes}


def check(rows: list[dict[str, Any]], previous: Any = None, **kwargs: Any) -> Any:
    with translation.override("en"):
        return filing_check(
            report=kwargs.pop("report", None),
            month=kwargs.pop("month", MONTH),
            rows=rows,
            previous=previous,
            settings=kwargs.pop("settings", Settings()),
            today=kwargs.pop("today", OPEN),
        )


def test_a_sound_month_passes_and_comes_back_as_numbers() -> None:
    result = check([row(headcount_start="１０", hires="2人", hires_hello_work=" 2 ")], {})
    assert (result.errors, result.warnings, result.locked) == ([], [], False)
    (cleaned,) = result.rows
    assert (cleaned["headcount_start"], cleaned["hires"], cleaned["hires_hello_work"]) == (10, 2, 2)
    # Empty channels and open positions are 0; foreign staff left empty are not reported.
    assert (cleaned["hires_agency"], cleaned["open_positions"]) == (0, 0)
    assert cleaned["foreign_epa"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, (12, None)),
        ("１２", (12, None)),
        (" 1,200人 ", (1200, None)),
        ("", (None, None)),
        (None, (None, None)),
        (-1, (None, "A count cannot be negative.")),
        ("－１", (None, "A count cannot be negative.")),
        ("1.5", (None, "Enter a whole number (0 or more). You entered “1.5”.")),
        (True, (None, "Enter a whole number (0 or more). You entered “True”.")),
    ],
)
def test_reading_a_cell(value: Any, expected: tuple[int | None, str | None]) -> None:
    with translation.override("en"):
        assert read_count(value) == expected


def test_hard_errors_name_their_cell() -> None:
    rows = [
        row(hires=2, hires_hello_work=1),  # channels 1 ≠ hires 2
        row(NURSE, separations=1, separations_within_year=2),
        # An empty separations cell is 0, like every empty count: no error of its own.
        row("nurse/regular", headcount_start=-1, headcount_end="十", separations=""),
        row("cook/regular"),
        row(CARE),  # twice
    ]
    result = check(rows, previous={CARE: {"headcount_end": 100}})
    assert result.errors == [
        Problem(CARE, "hires", "Hires by channel add up to 1, but hires are 2."),
        Problem(
            NURSE,
            "separations_within_year",
            "Separations within a year cannot exceed separations (1).",
        ),
        Problem("nurse/regular", "headcount_start", "A count cannot be negative."),
        Problem(
            "nurse/regular",
            "headcount_end",
            "Enter a whole number (0 or more). You entered “十”.",
        ),
        Problem("cook/regular", "job_category", "Unknown job category."),
        Problem(CARE, "", "This job and employment type appear twice."),
    ]
    # No warnings while there are errors, even with last month given (100 → 11 would jump).
    assert result.warnings == []
    # A row with a bad cell is not checked for sums: no knock-on error on "nurse/regular".
    assert {p.field for p in result.errors if p.row == "nurse/regular"} == {
        "headcount_start",
        "headcount_end",
    }


def test_soft_findings_the_month_does_not_add_up_and_a_jump() -> None:
    # 10 + 2 − 1 = 11, but 13 at month end; last month 10 → 13 is 30 %, over 20 %.
    result = check([row(headcount_end=13)], previous={CARE: {"headcount_end": 10}})
    assert result.errors == []
    assert result.warnings == [
        Problem(
            CARE,
            "headcount_end",
            "Start 10 + hires 2 − separations 1 = 11, but the month-end headcount is 13.",
        ),
        Problem(
            CARE, "headcount_end", "The month-end headcount changed from 10 to 13, more than 20 %."
        ),
    ]
    assert result.needs_confirmation(confirmed=False, comment=" ")
    assert not result.needs_confirmation(confirmed=True, comment="")
    assert not result.needs_confirmation(confirmed=False, comment="3 moved in from another site")


def test_the_jump_threshold_is_the_associations_and_exclusive() -> None:
    previous = {CARE: {"headcount_end": 10}}
    exactly = row(headcount_start=12, separations=0, hires=0, hires_hello_work=0, headcount_end=12)
    assert check([exactly], previous).warnings == []  # 10 → 12 is 20 %: not more than 20 %
    assert len(check([exactly], previous, settings=Settings(jump_threshold_percent=19)).warnings)
    # Last month had none of these staff (0): no percentage to compare with.
    assert check([exactly], {CARE: {"headcount_end": 0}}).warnings == []


def test_no_soft_checks_without_last_month() -> None:
    """previous=None: the caller (a draft) did not load last month; nothing is asked."""
    assert check([row(headcount_end=99)], previous=None).warnings == []
    assert len(check([row(headcount_end=99)], previous={}).warnings) == 1  # does not add up


def test_the_lock_rule_and_its_message() -> None:
    assert check([row()], today=OPEN).locked is False
    result = check([row()], today=LATE)
    assert result.locked and result.deadline == date(2026, 4, 10)
    with translation.override("en"):
        assert result.lock.message == (
            "The filing for 令和8年（2026年）3月 is locked because its deadline, "
            "令和8年（2026年）4月10日, has passed. An officer of the association can reopen it "
            "if it needs to change."
        )
        assert result.lock.message == lock_message(MONTH, date(2026, 4, 10))
    reopened = StaffingReport(month=MONTH, reopened_at=datetime(2026, 4, 12, tzinfo=UTC))
    assert check([row()], report=reopened, today=LATE).locked is False
    assert check([row()], report=StaffingReport(month=MONTH), today=LATE).locked is True
    # Errors and the lock are both reported: callers choose which refusal comes first.
    both = check([row(hires=-1)], today=LATE)
    assert both.locked and both.errors


def test_a_deadline_on_a_weekend_moves_to_the_next_business_day() -> None:
    april = date(2025, 4, 1)  # the 10th of May 2025 is a Saturday: due Monday the 12th
    settings = Settings()
    lock = filing_lock(report=None, month=april, settings=settings, today=date(2025, 5, 12))
    assert (lock.deadline, lock.locked) == (date(2025, 5, 12), False)
    assert filing_lock(report=None, month=april, settings=settings, today=date(2025, 5, 13)).locked
    # The association's own deadline day.
    late_day = Settings(deadline_day=20)  # 2026-04-20 is a Monday
    assert not filing_lock(report=None, month=MONTH, settings=late_day, today=LATE).locked


def test_empty_cells_are_zero_and_the_start_is_carried() -> None:
    """One rule for every empty cell of a row: a count is 0, the start is last month's end
    (0 when last month was filed without the row), foreign staff are not reported."""
    empty_row = {"job_category": "care_worker", "employment_type": "regular"}
    nurse_row = {"job_category": "nurse", "employment_type": "regular", "headcount_end": ""}
    with translation.override("en"):
        result = filing_check(
            report=None,
            month=MONTH,
            rows=[{**empty_row, "headcount_end": "10", "open_positions": None}, nurse_row],
            previous=None,
            settings=Settings(),
            today=OPEN,
            last_month={CARE: {"headcount_end": 10}},
        )
    assert result.errors == []
    care, nurse = result.rows
    assert care["headcount_start"] == 10 and care["headcount_end"] == 10
    assert all(care[name] == 0 for name in ("hires", "separations", "open_positions"))
    assert care["foreign_epa"] is None
    assert (nurse["headcount_start"], nurse["headcount_end"]) == (0, 0)
    # Nothing filed the month before: the start is the one cell that must be entered.
    with translation.override("en"):
        result = filing_check(
            report=None,
            month=MONTH,
            rows=[{**empty_row, "headcount_end": "10"}],
            previous=None,
            settings=Settings(),
            today=OPEN,
        )
    assert result.errors == [
        Problem(
            CARE,
            "headcount_start",
            "Enter the headcount at the start of the month: there is no filing of the month "
            "before to carry it forward from.",
        )
    ]
