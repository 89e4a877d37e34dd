"""One kind of spreadsheet import, as the generic pages and the background job see it.

An app that imports a spreadsheet subclasses `Importer` next to the data it knows
(members.roster, kpis.upload): which columns, how rows become a plan, how a plan is applied.
The pages (association.import_views) and the background job (association.import_jobs) only
call `read`, `plan` and `apply`. What an import needs from the request besides the file (the
offices a user files for …) travels as `context`, a JSON-able dict, so that a Celery task can
apply the file without the request.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.spreadsheets.bounded import OverMemory, OverTime, call_bounded
from core.spreadsheets.columns import Column
from core.spreadsheets.plan import ImportPlan
from core.spreadsheets.reading import cell_text, read_table, rows_from_table

# progress(done, total): called while applying, `done` of `total` entries applied.
Progress = Callable[[int, int], None]


class ApplyOptions(TypedDict):
    fingerprint: str | None  # the preview's plan; None applies whatever the plan is now
    confirm: bool  # the uploader confirmed the soft findings of the preview


@dataclass(frozen=True)
class ImportRun:
    """One apply of one file: who, which association, the file, and how it was confirmed."""

    association: Any
    user: Any
    data: bytes
    filename: str
    context: Mapping[str, Any]
    options: ApplyOptions
    progress: Progress | None = None


def report_progress(progress: Progress | None, done: int, total: int) -> None:
    """Tell `progress` about every hundredth of the way (and the end), not every entry."""
    if progress is not None and (done == total or done % max(1, total // 100) == 0):
        progress(done, total)


class Importer(ABC):
    kind: ClassVar[str]  # names the stash and the background job, e.g. "roster"
    code_prefix: ClassVar[str]  # of the ValidationError codes, e.g. "roster"
    columns: ClassVar[tuple[Column, ...]]
    required: ClassVar[tuple[str, ...]] = ()  # column keys the header row must have
    max_rows: ClassVar[int]
    # Identifiers Excel turns into numbers, dropping leading zeros: key -> digits.
    zero_pad: ClassVar[Mapping[str, int]] = {}

    @classmethod
    def path(cls) -> str:
        """Where the background job finds the importer again (a dotted path)."""
        return f"{cls.__module__}.{cls.__qualname__}"

    def read(self, *, data: bytes, filename: str) -> list[dict[str, Any]]:
        """The rows of the file, keyed by column key, plus `row` (its number in the sheet).

        The reading runs in a child process under `settings.SPREADSHEET_READ_SECONDS` and
        `SPREADSHEET_READ_MEMORY_MB` (core.spreadsheets.bounded). Raises ValidationError when
        the file cannot be read at all, or not within those limits.
        """
        seconds = getattr(settings, "SPREADSHEET_READ_SECONDS", 20)
        megabytes = getattr(settings, "SPREADSHEET_READ_MEMORY_MB", 512)
        try:
            return call_bounded(
                lambda: self._read(data=data, filename=filename),
                seconds=seconds,
                memory_bytes=megabytes * 1024 * 1024,
            )
        except OverTime as error:
            raise ValidationError(
                _(
                    "The file could not be read within %(seconds)s seconds. Split it into "
                    "smaller files."
                ),
                code=f"{self.code_prefix}_too_slow",
                params={"seconds": seconds},
            ) from error
        except OverMemory as error:
            raise ValidationError(
                _(
                    "The file needs more than %(megabytes)s MB of memory to read. Split it "
                    "into smaller files."
                ),
                code=f"{self.code_prefix}_too_big",
                params={"megabytes": megabytes},
            ) from error

    def _read(self, *, data: bytes, filename: str) -> list[dict[str, Any]]:
        return rows_from_table(
            read_table(data=data, filename=filename, code_prefix=self.code_prefix),
            columns=self.columns,
            required=self.required,
            max_rows=self.max_rows,
            code_prefix=self.code_prefix,
            cell=lambda value, key: cell_text(value, zero_pad=self.zero_pad.get(key)),
        )

    @abstractmethod
    def plan(
        self, *, association: Any, rows: list[dict[str, Any]], context: Mapping[str, Any]
    ) -> ImportPlan:
        """What applying `rows` would do, without writing."""

    @abstractmethod
    def apply(self, run: ImportRun) -> ImportPlan:
        """Apply the file in one transaction, or raise ValidationError and save nothing."""
