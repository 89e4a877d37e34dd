"""The officers' dashboard's reads: what needs doing, as counts.

The one place in `association` that reads the feature apps (as its view already did for the
offices and 部会): only their selectors and counts, never an applicant, a fixed number of
queries and rows whatever the number of offices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.calendar import add_months, month_start, wareki_date, wareki_month


def filing_month_due(today: date) -> date:
    """The month whose filing falls due this month (last month)."""
    return add_months(month_start(today), -1)


@dataclass(frozen=True)
class OfficerTodo:
    month: date
    month_label: str
    deadline: date
    deadline_label: str
    days_left: int  # negative: the deadline is over
    expected: int
    not_filed: int
    reminder_kind: str
    reminded_today: bool
    office_applications: int
    job_applications_new: int
    reports_draft: int
    reports_failed: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def officer_todo(*, association_id: int, today: date) -> OfficerTodo:
    """This month's deadline, who has not filed, what waits for officers (seven queries)."""
    from kpis.reminders import reminded_today, reminder_kind_for
    from kpis.selectors import deadline_for, offices_not_filed
    from members.models import Office, OfficeStatus
    from recruitment.models import ApplicationStatus, JobApplication
    from reports.models import MonthlyReport, MonthlyReportStatus

    month = filing_month_due(today)
    deadline = deadline_for(association_id=association_id, month=month)
    reports = MonthlyReport.objects.order_by().values_list("status")
    return OfficerTodo(
        month=month,
        month_label=wareki_month(month),
        deadline=deadline,
        deadline_label=wareki_date(deadline),
        days_left=(deadline - today).days,
        expected=Office.objects.filter(status=OfficeStatus.APPROVED).count(),
        not_filed=offices_not_filed(month=month).order_by().count(),
        reminder_kind=reminder_kind_for(association_id=association_id, month=month, today=today),
        reminded_today=reminded_today(month=month, today=today),
        office_applications=Office.objects.filter(status=OfficeStatus.APPLIED).count(),
        job_applications_new=JobApplication.objects.filter(status=ApplicationStatus.NEW).count(),
        reports_draft=reports.filter(status=MonthlyReportStatus.DRAFT).count(),
        reports_failed=reports.filter(status=MonthlyReportStatus.FAILED).count(),
    )
