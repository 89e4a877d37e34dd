"""What an import would do, entry by entry, before it does it.

An import plans first (no writes): each entry (a roster row, an office-month of filings) gets
an action (create, update, unchanged, error) and the errors that name its rows and columns.
The preview shows the plan; the apply plans again from the current data and goes ahead only
when the plan has no errors and is still the one the uploader saw (its `fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTIONS = (CREATE, UPDATE, UNCHANGED, ERROR)
CHANGING = (CREATE, UPDATE)


@dataclass(frozen=True)
class RowError:
    """A problem in one row of a spreadsheet, in the words and numbers the sheet shows."""

    row: int
    column: str  # the column's header as the spreadsheet names it; "" for the whole row
    message: str

    @property
    def text(self) -> str:
        if self.column:
            return _("Row %(row)d, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}

    def __str__(self) -> str:
        return self.text


class PlanEntry(Protocol):
    """One thing an import does: its action (one of ACTIONS) and what is wrong with it."""

    @property
    def action(self) -> str: ...

    @property
    def errors(self) -> list[RowError]: ...


class ImportPlan:
    """The shared half of a plan; subclasses (dataclasses) say what their entries are.

    `entries` lists every entry in the order the preview shows them; `summary()` is what
    applying would do, in JSON-able form, for the fingerprint.
    """

    code_prefix: ClassVar[str] = "import"

    @property
    def entries(self) -> Sequence[PlanEntry]:
        raise NotImplementedError

    def summary(self) -> Any:
        raise NotImplementedError

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for entry in self.entries:
            counts[entry.action] += 1
        return counts

    @property
    def errors(self) -> list[RowError]:
        return [error for entry in self.entries for error in entry.errors]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def has_changes(self) -> bool:
        return any(entry.action in CHANGING for entry in self.entries)

    @property
    def needs_confirmation(self) -> bool:
        """Soft findings the uploader must confirm before applying (none unless overridden)."""
        return False

    @property
    def listed(self) -> list[PlanEntry]:
        """What the preview lists: entries that change something or cannot be applied."""
        return [entry for entry in self.entries if entry.action != UNCHANGED]

    @property
    def unchanged(self) -> list[PlanEntry]:
        return [entry for entry in self.entries if entry.action == UNCHANGED]

    @property
    def fingerprint(self) -> str:
        """Changes when what applying would do changes: the preview must match the apply."""
        summary = json.dumps(self.summary(), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(summary.encode()).hexdigest()

    def refuse_unless_applicable(self, *, expected_fingerprint: str | None, stale: str) -> None:
        """Raise ValidationError, saving nothing, when the plan must not be applied.

        Row errors come first (code `<prefix>_row_errors`); then, given the preview's
        fingerprint, a plan that is no longer the one the uploader saw (`<prefix>_stale`,
        with the caller's `stale` message).
        """
        if self.has_errors:
            raise ValidationError(
                [error.text for error in self.errors], code=f"{self.code_prefix}_row_errors"
            )
        if expected_fingerprint is not None and expected_fingerprint != self.fingerprint:
            raise ValidationError(stale, code=f"{self.code_prefix}_stale")
