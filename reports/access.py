"""Access helpers for the city's monthly reports.

A report is the association's, not an office's. Officers (who manage KPIs) reach every
revision, drafts and failed builds included; everyone else with `reports.view` (city viewers)
reaches published revisions only: a draft does not exist for them (404).
"""

from __future__ import annotations

from django.db.models import QuerySet

from association.access import object_in_scope_or_404, require_capability
from association.permissions import Access
from reports.models import MonthlyReport, MonthlyReportStatus


def reports_visible_to(access: Access) -> QuerySet[MonthlyReport]:
    """The association's reports this person may open (the scoped manager, so never another's)."""
    reports = MonthlyReport.objects.all()
    if not access.can("kpis.manage"):
        reports = reports.filter(status=MonthlyReportStatus.PUBLISHED)
    return reports


def access_report_by_id(
    access: Access, monthly_report_pk: object, *, capability: str = "reports.view"
) -> MonthlyReport:
    """One revision this person may open, for `capability`; else 403 (no capability) or 404."""
    require_capability(access, capability)
    return object_in_scope_or_404(reports_visible_to(access), monthly_report_pk)
