"""Where a report revision's build stands, in words: one reading for the page, its polled
fragment and the list, so status and message always say the same thing.

`building` is shown as *queued* until a worker starts it (`started_at`), then as *building*
with its step, which follows the progress marks `monthly_report_build` writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from reports.models import MonthlyReport, MonthlyReportStatus

# progress reached -> the step the build is in from there (reports.services.monthly_report_build)
_STEPS: tuple[tuple[int, str], ...] = (
    (0, "Reading the filings"),
    (25, "Laying out the PDF"),
    (50, "Writing the Excel file"),
    (90, "Saving the files"),
)


@dataclass(frozen=True)
class BuildProgress:
    state: str  # queued, building, draft, published, failed
    label: str
    step: str
    percent: int

    @property
    def running(self) -> bool:
        """Still changing: the page keeps polling."""
        return self.state in ("queued", "building")


def _step(percent: int) -> str:
    reached = [name for mark, name in _STEPS if percent >= mark]
    return _(reached[-1])


def build_progress(report: MonthlyReport) -> BuildProgress:
    if report.status == MonthlyReportStatus.BUILDING:
        if report.started_at is None:
            return BuildProgress(
                "queued", _("Queued"), _("Waiting for a worker to start the build"), 0
            )
        return BuildProgress(
            "building", _("Building"), _step(report.progress), min(report.progress, 99)
        )
    return BuildProgress(report.status, report.get_status_display(), "", 100)
