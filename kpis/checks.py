"""The filing check: one pure function that says what is wrong with a month's staffing filing.

`filing_check` takes what the caller loaded — the saved filing (or None), the rows as sent, last
month's submitted rows, the association's KPI settings and today — and returns hard errors
(per cell: row key, field, message), soft warnings (the month does not add up, a jump against
last month beyond the association's threshold: a confirmation or a comment answers them) and
the lock state with its deadline. It reads no database, so the web form, the upload preview,
the upload apply and the API, all going through `kpis.services.staffing_report_save` (the
preview calls it directly on the same inputs, loaded in bulk), refuse and warn identically.

Cells may arrive as numbers (API, service callers) or as text people typed (form, upload):
`read_count` reads both the same way, so "１２", " 12 ", "12人" and "1,200" are numbers everywhere
and a cell that is not one gets the same message whichever way it came in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext as _

from core.calendar import filing_deadline, month_start, wareki_date, wareki_month
from kpis.models import COUNT_FIELDS, FOREIGN_STAFF, HIRE_CHANNELS, EmploymentType, JobCategory

if TYPE_CHECKING:
    from kpis.models import StaffingReport

RowData = Mapping[str, Any]
FOREIGN_FIELDS = tuple(name for name, _label in FOREIGN_STAFF)
CHANNEL_FIELDS = tuple(name for name, _label in HIRE_CHANNELS)
# The one rule for empty cells, whichever way a filing comes (form, upload, API): in a row, an
# empty count is 0, except the month-start headcount, which is last month's month-end headcount
# of the same row (0 when last month was filed without that row); it must be entered only when
# the month before has no submitted filing to carry it from. Foreign staff left empty are not
# reported (None), never 0.
CARRIED_FIELD = "headcount_start"

# Minus signs people type in Japanese text, besides the ASCII hyphen-minus.
_MINUS = str.maketrans(dict.fromkeys("−‐‑‒–—ー－", "-"))
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
# No office counts more people than this in one cell; a bigger number is a typo (and would not
# fit the database's integer column).
MAX_COUNT = 100_000


class FilingSettings(Protocol):
    """What the check needs of the association's KPI settings (kpis.models.KpiSettings)."""

    deadline_day: int
    jump_threshold_percent: int


@dataclass(frozen=True)
class Problem:
    """One finding on a filing: `row` is "job_category/employment_type" or "" for the filing."""

    row: str
    field: str
    message: str


def row_key(row: RowData) -> str:
    return f"{row.get('job_category')}/{row.get('employment_type')}"


# --- reading a cell ------------------------------------------------------------------------


def normalize_count(raw: str) -> str:
    """'１２' → '12', ' 3 ' → '3', '－１' → '-1', '1,200人' → '1200': what was meant, as ASCII."""
    text = unicodedata.normalize("NFKC", raw or "").translate(_MINUS)
    return re.sub(r"\s+", "", text).replace(",", "").removesuffix("人").removesuffix("名")


def read_count(value: Any) -> tuple[int | None, str | None]:
    """A cell's whole number (None when empty), or the message that says why it is not one."""
    if value is None:
        return None, None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = "" if isinstance(value, bool) else normalize_count(str(value))
        if text == "" and not isinstance(value, bool):
            return None, None
        if not _WHOLE_NUMBER.fullmatch(text):
            return None, _("Enter a whole number (0 or more). You entered “%(value)s”.") % {
                "value": value
            }
        # Python refuses to read thousands of digits; more than ten is too big anyway.
        too_long = len(text.lstrip("+-").lstrip("0")) > 10
        number = (MAX_COUNT + 1) * (-1 if text[0] == "-" else 1) if too_long else int(text)
    if number < 0:
        return None, _("A count cannot be negative.")
    if number > MAX_COUNT:
        return None, _("A count cannot be more than %(max)s.") % {"max": f"{MAX_COUNT:,}"}
    return number, None


# --- the month -----------------------------------------------------------------------------


def month_open_for_filing(month: date, today: date) -> bool:
    """A month may be filed from its first day on (the form offers nothing later)."""
    return month <= month_start(today)


def future_month_message(month: date) -> str:
    """The one message for a month that has not begun, whichever way the filing came."""
    return _("%(month)s has not begun yet: a month can be filed from its first day on.") % {
        "month": wareki_month(month)
    }


# --- the lock ------------------------------------------------------------------------------


def lock_message(month: date, deadline: date) -> str:
    """The one message for a locked month, whichever way the filing came."""
    return _(
        "The filing for %(month)s is locked because its deadline, %(deadline)s, has passed. "
        "An officer of the association can reopen it if it needs to change."
    ) % {"month": wareki_month(month), "deadline": wareki_date(deadline)}


@dataclass(frozen=True)
class FilingLock:
    """A month's deadline and whether its filing is locked (the deadline passed, not reopened)."""

    month: date
    deadline: date
    deadline_passed: bool
    reopened: bool

    @property
    def locked(self) -> bool:
        return self.deadline_passed and not self.reopened

    @property
    def message(self) -> str:
        return lock_message(self.month, self.deadline) if self.locked else ""


def filing_lock(
    *, report: StaffingReport | None, month: date, settings: FilingSettings, today: date
) -> FilingLock:
    """The lock rule: a month locks after the association's deadline (moved to the next
    business day when it falls on a holiday) until an officer reopens it; submitting a
    reopened month clears `reopened_at`, which locks it again."""
    deadline = filing_deadline(month, deadline_day=settings.deadline_day)
    return FilingLock(
        month=month,
        deadline=deadline,
        deadline_passed=today > deadline,
        reopened=report is not None and report.reopened_at is not None,
    )


def no_start_message() -> str:
    """An empty month-start headcount with no filing of the month before to carry it from."""
    return _(
        "Enter the headcount at the start of the month: there is no filing "
        "of the month before to carry it forward from."
    )


# --- the check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingCheck:
    """What `filing_check` found. `rows` are the rows cleaned to numbers (those without errors)."""

    lock: FilingLock
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def locked(self) -> bool:
        return self.lock.locked

    @property
    def deadline(self) -> date:
        return self.lock.deadline

    def needs_confirmation(self, *, confirmed: bool, comment: str) -> bool:
        """Soft findings stop a submission unless confirmed or explained by a comment."""
        return bool(self.warnings) and not (confirmed or comment.strip())


def filing_check(
    *,
    report: StaffingReport | None,
    month: date,
    rows: Sequence[RowData],
    previous: Mapping[str, Mapping[str, Any]] | None,
    settings: FilingSettings,
    today: date,
    last_month: Mapping[str, Mapping[str, Any]] | None = None,
) -> FilingCheck:
    """Check one office-month's filing without touching the database.

    `last_month` is last month's submitted rows by row key (`previous_rows`), empty or None
    when the month before has no submitted filing: an empty month-start headcount is carried
    from it. `previous` is the same rows when the soft checks apply (a submission); None when
    they do not (a draft), and then no warnings are given. Warnings are only looked for when
    there is no hard error: they compare numbers.
    """
    cleaned, errors = _hard_checks(rows, last_month=last_month or {})
    if not month_open_for_filing(month, today):
        errors.insert(0, Problem("", "month", future_month_message(month)))
    warnings: list[Problem] = []
    if previous is not None and not errors:
        warnings = _soft_checks(
            cleaned, previous=previous, threshold=settings.jump_threshold_percent
        )
    return FilingCheck(
        lock=filing_lock(report=report, month=month, settings=settings, today=today),
        rows=cleaned,
        errors=errors,
        warnings=warnings,
    )


def carried_start(last_month: Mapping[str, Mapping[str, Any]], key: str) -> int | None:
    """An empty month-start headcount: last month's month-end of the row, 0 when last month was
    filed without the row, None when the month before has no submitted filing at all."""
    if not last_month:
        return None
    return int((last_month.get(key) or {}).get("headcount_end") or 0)


def _hard_checks(
    rows: Sequence[RowData], *, last_month: Mapping[str, Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Known categories, once each; whole non-negative numbers (empty: 0, or carried);
    consistent sub-counts."""
    errors: list[Problem] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in rows:
        key = row_key(row)
        if row.get("job_category") not in JobCategory.values:
            errors.append(Problem(key, "job_category", _("Unknown job category.")))
            continue
        if row.get("employment_type") not in EmploymentType.values:
            errors.append(Problem(key, "employment_type", _("Unknown employment type.")))
            continue
        if key in seen:
            errors.append(Problem(key, "", _("This job and employment type appear twice.")))
            continue
        seen.add(key)
        values: dict[str, Any] = {
            "job_category": row["job_category"],
            "employment_type": row["employment_type"],
        }
        complete = True
        for name in (*COUNT_FIELDS, *FOREIGN_FIELDS):
            number, message = read_count(row.get(name))
            if number is None and message is None and name == CARRIED_FIELD:
                number = carried_start(last_month, key)
                if number is None:
                    message = no_start_message()
            elif number is None and message is None and name not in FOREIGN_FIELDS:
                number = 0
            if message is not None:
                errors.append(Problem(key, name, message))
                complete = False
            values[name] = number
        if not complete:
            continue
        if values["separations_within_year"] > values["separations"]:
            errors.append(
                Problem(
                    key,
                    "separations_within_year",
                    _("Separations within a year cannot exceed separations (%(n)s).")
                    % {"n": values["separations"]},
                )
            )
        channels = sum(values[name] for name in CHANNEL_FIELDS)
        if channels != values["hires"]:
            errors.append(
                Problem(
                    key,
                    "hires",
                    _("Hires by channel add up to %(channels)s, but hires are %(hires)s.")
                    % {"channels": channels, "hires": values["hires"]},
                )
            )
        cleaned.append(values)
    return cleaned, errors


def _soft_checks(
    rows: Sequence[Mapping[str, Any]], *, previous: Mapping[str, Mapping[str, Any]], threshold: int
) -> list[Problem]:
    """The month adds up, and no month-end headcount jumps beyond `threshold` % of last month's."""
    warnings: list[Problem] = []
    for row in rows:
        key = row_key(row)
        expected = row["headcount_start"] + row["hires"] - row["separations"]
        if expected != row["headcount_end"]:
            warnings.append(
                Problem(
                    key,
                    "headcount_end",
                    _(
                        "Start %(start)s + hires %(hires)s − separations %(separations)s = "
                        "%(expected)s, but the month-end headcount is %(end)s."
                    )
                    % {
                        "start": row["headcount_start"],
                        "hires": row["hires"],
                        "separations": row["separations"],
                        "expected": expected,
                        "end": row["headcount_end"],
                    },
                )
            )
        before = previous.get(key)
        if before and before["headcount_end"]:
            change = abs(row["headcount_end"] - before["headcount_end"]) * 100
            if change > threshold * before["headcount_end"]:
                warnings.append(
                    Problem(
                        key,
                        "headcount_end",
                        _(
                            "The month-end headcount changed from %(before)s to %(after)s, "
                            "more than %(threshold)s %%."
                        )
                        % {
                            "before": before["headcount_end"],
                            "after": row["headcount_end"],
                            "threshold": threshold,
                        },
                    )
                )
    return warnings
