"""The web filing form: one input per cell of job category × employment type × count.

This layer only lays out cells and carries what people type to the service: full-width digits,
spaces and the many Japanese minus signs are read by the filing check (`kpis.checks`), which
also says, per cell, what is wrong. Its findings are mapped back onto cells here, never
re-implemented.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpis.checks import (
    CHANNEL_FIELDS,
    FOREIGN_FIELDS,
    Problem,
    normalize_count,
    row_key,
)
from kpis.models import FOREIGN_STAFF, HIRE_CHANNELS, EmploymentType, JobCategory

# Column order of the form: the flow of the month, left to right.
MAIN_FIELDS = (
    "headcount_start",
    "hires",
    *CHANNEL_FIELDS,
    "separations",
    "separations_within_year",
    "headcount_end",
    "open_positions",
)
ALL_FIELDS = (*MAIN_FIELDS, *FOREIGN_FIELDS)

# Column headings; a channel or a residence status is headed by its own name under a group.
FIELD_HEADERS: dict[str, str | Promise] = {
    "headcount_start": gettext_lazy("Headcount at start of month"),
    "hires": gettext_lazy("Hires"),
    **dict(HIRE_CHANNELS),
    "separations": gettext_lazy("Separations"),
    "separations_within_year": gettext_lazy("Of which within a year of hiring"),
    "headcount_end": gettext_lazy("Month-end headcount"),
    "open_positions": gettext_lazy("Open positions"),
    **dict(FOREIGN_STAFF),
}
JOB_LABELS = dict(JobCategory.choices)
EMPLOYMENT_LABELS = dict(EmploymentType.choices)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def parse_count(raw: str) -> int | str:
    """The cell as the service takes it: its number, "" when left empty, or the text as typed
    when it is not a whole number; the filing check says what is wrong with it."""
    text = normalize_count(raw)
    if text == "":
        return ""
    return int(text) if _WHOLE_NUMBER.fullmatch(text) else raw.strip()


def field_header(name: str) -> str:
    return str(FIELD_HEADERS.get(name, name))


def field_label(name: str) -> str:
    """A cell's name standing alone (a phone's card, a change log): says what it counts."""
    if name in CHANNEL_FIELDS:
        return _("Hires via %(channel)s") % {"channel": field_header(name)}
    if name in FOREIGN_FIELDS:
        return _("Foreign staff: %(status)s") % {"status": field_header(name)}
    return field_header(name)


def row_label(key: str) -> str:
    job, _sep, employment = key.partition("/")
    return f"{JOB_LABELS.get(job, job)} · {EMPLOYMENT_LABELS.get(employment, employment)}"


@dataclass
class Cell:
    field: str
    header: str
    label: str
    name: str
    id: str
    value: str = ""
    previous: Any = None
    # Hires the office recorded on the association's job board this month (recruitment).
    offered: int | None = None
    errors: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def previous_id(self) -> str:
        return f"{self.id}-previous"

    @property
    def offered_id(self) -> str:
        return f"{self.id}-offered"

    @property
    def message_id(self) -> str:
        return f"{self.id}-message"

    @property
    def described_by(self) -> str:
        ids = []
        if self.errors or self.warnings:
            ids.append(self.message_id)
        if self.previous is not None:
            ids.append(self.previous_id)
        if self.offered:
            ids.append(self.offered_id)
        return " ".join(ids)


@dataclass
class Row:
    job: str
    employment: str
    cells: list[Cell]
    foreign: list[Cell]
    errors: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.job}/{self.employment}"

    @property
    def id(self) -> str:
        return f"row-{self.job}-{self.employment}"

    @property
    def job_label(self) -> str:
        return str(JOB_LABELS[self.job])

    @property
    def employment_label(self) -> str:
        return str(EMPLOYMENT_LABELS[self.employment])

    @property
    def all_cells(self) -> list[Cell]:
        return [*self.cells, *self.foreign]

    @property
    def has_foreign(self) -> bool:
        return any(cell.value not in ("", "0") for cell in self.foreign)

    @property
    def has_problems(self) -> bool:
        return bool(
            self.errors or self.warnings or any(c.errors or c.warnings for c in self.all_cells)
        )


@dataclass(frozen=True)
class SummaryItem:
    target: str  # the id of the input to jump to
    where: str
    message: str


def _text(value: Any) -> str:
    return "" if value is None else str(value)


ALL_ROW_KEYS = tuple(f"{job}/{emp}" for job in JobCategory.values for emp in EmploymentType.values)
ADD_ROW_ACTION = "add_row"


def shown_row_keys(
    *,
    saved: Mapping[str, Any],
    previous: Mapping[str, Any],
    offered: Mapping[str, Mapping[str, int] | int],
    data: Mapping[str, Any] | None,
) -> set[str]:
    """The rows an office uses: those of its saved filing and of last month, those the job
    board offers hires for, and, from a POST, those the page showed, one being added and any
    with a figure typed in. An office that never filed sees every row (it declares what it has).
    """
    keys = {
        *saved,
        *previous,
        *(
            key
            for key, count in offered.items()
            if (sum(count.values()) if isinstance(count, Mapping) else count)
        ),
    }
    if data is not None:
        getlist = getattr(data, "getlist", None)
        listed = getlist("row") if getlist else data.get("row") or []
        keys.update(str(key) for key in listed)
        if data.get("action") == ADD_ROW_ACTION:
            keys.add(str(data.get("add_row", "")))
        for key in ALL_ROW_KEYS:
            prefix = key.replace("/", ".") + "."
            if any(str(data.get(prefix + name, "")).strip() for name in ALL_FIELDS):
                keys.add(key)
    keys &= set(ALL_ROW_KEYS)
    return keys or set(ALL_ROW_KEYS)


class FilingForm:
    """The rows an office uses (`shown_row_keys`), filled from the saved filing or last month,
    or from a POST; other rows are added one at a time (“add a row”, no JavaScript needed).

    Rows nobody filled in (every cell empty or 0) are left out of what goes to the service.
    """

    def __init__(
        self,
        *,
        saved: Mapping[str, Mapping[str, Any]],
        previous: Mapping[str, Mapping[str, Any]],
        data: Mapping[str, Any] | None = None,
        comment: str = "",
        offered: Mapping[str, Mapping[str, int] | int] | None = None,
    ) -> None:
        self.rows: list[Row] = []
        self.errors: list[str] = []  # about the filing as a whole
        self.warnings: list[str] = []
        self.bound = data is not None
        self.comment = comment
        self.confirm = False
        self._parsed: dict[str, dict[str, int | str]] = {}
        shown = shown_row_keys(saved=saved, previous=previous, offered=offered or {}, data=data)
        for job in JobCategory.values:
            for employment in EmploymentType.values:
                key = f"{job}/{employment}"
                if key not in shown:
                    continue
                before = previous.get(key) or {}
                if key in saved:
                    values = {name: _text(saved[key].get(name)) for name in ALL_FIELDS}
                else:
                    # Last month's end headcount carries forward as this month's start.
                    values = {name: "" for name in ALL_FIELDS}
                    values["headcount_start"] = _text(before.get("headcount_end"))
                self.rows.append(
                    Row(
                        job=job,
                        employment=employment,
                        cells=[self._cell(job, employment, n, values, before) for n in MAIN_FIELDS],
                        foreign=[
                            self._cell(job, employment, n, values, before) for n in FOREIGN_FIELDS
                        ],
                    )
                )
        self._offer(offered or {}, saved)
        if data is not None:
            self._bind(data)

    def _offer(
        self, offered: Mapping[str, Mapping[str, int] | int], saved: Mapping[str, Any]
    ) -> None:
        """Hires recorded on the job board and at job-fair booths fill “association job
        posting” and “association job fair” (and, in a row not saved yet, the hires): the same
        cells the office would type into, so a hire is never counted twice; the office sees the
        figures and confirms them by saving. `offered` maps a row to {channel field: hires} (a
        bare number means the job board)."""
        for row in self.rows:
            channels = offered.get(row.key) or {}
            if isinstance(channels, int):
                channels = {"hires_association_posting": channels}
            cells = {cell.field: cell for cell in row.cells}
            total = 0
            for name, count in channels.items():
                if not count or name not in cells:
                    continue
                total += count
                channel = cells[name]
                channel.offered = count
                current = parse_count(channel.value)
                if current == "" or (isinstance(current, int) and current < count):
                    channel.value = str(count)
            if total and row.key not in saved and cells["hires"].value in ("", "0"):
                cells["hires"].value = str(total)

    @staticmethod
    def _cell(
        job: str, employment: str, name: str, values: Mapping[str, str], before: Mapping[str, Any]
    ) -> Cell:
        return Cell(
            field=name,
            header=field_header(name),
            label=field_label(name),
            name=f"{job}.{employment}.{name}",
            id=f"cell-{job}-{employment}-{name}",
            value=values.get(name, ""),
            previous=before.get(name),
        )

    def _bind(self, data: Mapping[str, Any]) -> None:
        self.comment = str(data.get("comment", "")).strip()
        self.confirm = data.get("confirm") in ("1", "on", "true")
        for row in self.rows:
            parsed: dict[str, int | str] = {}
            for cell in row.all_cells:
                parsed[cell.field] = parse_count(str(data.get(cell.name, "")))
                cell.value = str(parsed[cell.field])
            self._parsed[row.key] = parsed

    @property
    def addable_rows(self) -> list[tuple[str, str]]:
        """The job × employment rows not shown, for “add a row”: (key, label)."""
        shown = {row.key for row in self.rows}
        return [(key, row_label(key)) for key in ALL_ROW_KEYS if key not in shown]

    @property
    def has_foreign(self) -> bool:
        """Open the optional foreign-staff part when it holds anything to see."""
        return any(
            row.has_foreign or any(c.errors or c.warnings for c in row.foreign) for row in self.rows
        )

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(
            row.errors or any(cell.errors for cell in row.all_cells) for row in self.rows
        )

    @property
    def has_warnings(self) -> bool:
        return bool(self.warnings) or any(
            row.warnings or any(cell.warnings for cell in row.all_cells) for row in self.rows
        )

    def rows_for_service(self) -> list[dict[str, Any]]:
        """The filled-in rows as the service takes them (a cell not a number: as typed)."""
        rows = []
        for row in self.rows:
            parsed = self._parsed.get(row.key, {})
            values = {name: parsed.get(name) for name in ALL_FIELDS}
            if all(value in ("", 0) for value in values.values()):
                continue
            rows.append({"job_category": row.job, "employment_type": row.employment, **values})
        return rows

    def add_problems(self, problems: Iterable[Problem], *, warning: bool = False) -> None:
        """Put the service's findings on their cells (one error per cell: the first)."""
        rows = {row.key: row for row in self.rows}
        for problem in problems:
            row = rows.get(problem.row)
            if row is None:
                (self.warnings if warning else self.errors).append(problem.message)
                continue
            cell = next((c for c in row.all_cells if c.field == problem.field), None)
            if cell is None:
                (row.warnings if warning else row.errors).append(problem.message)
            elif warning:
                cell.warnings.append(problem.message)
            elif not cell.errors:
                cell.errors.append(problem.message)

    def _summary(self, *, warning: bool) -> list[SummaryItem]:
        items = [
            SummaryItem("", "", message) for message in (self.warnings if warning else self.errors)
        ]
        for row in self.rows:
            where = row_label(row.key)
            for message in row.warnings if warning else row.errors:
                items.append(SummaryItem(row.cells[0].id, where, message))
            for cell in row.all_cells:
                for message in cell.warnings if warning else cell.errors:
                    items.append(SummaryItem(cell.id, f"{where} · {cell.label}", message))
        return items

    @property
    def error_summary(self) -> list[SummaryItem]:
        return self._summary(warning=False)

    @property
    def warning_summary(self) -> list[SummaryItem]:
        return self._summary(warning=True)

    @property
    def entered_rows(self) -> list[Row]:
        """Rows with anything typed in, for showing back what a refused save contained."""
        return [row for row in self.rows if any(c.value not in ("", "0") for c in row.all_cells)]


def saved_values(report: Any) -> dict[str, dict[str, Any]]:
    """A saved filing's rows by "job/employment" key (rows prefetched)."""
    if report is None:
        return {}
    return {
        row_key({"job_category": row.job_category, "employment_type": row.employment_type}): {
            name: getattr(row, name) for name in ALL_FIELDS
        }
        for row in report.rows.all()
    }
