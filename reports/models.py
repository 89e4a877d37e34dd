"""The city's monthly reports: one row per association, month, kind and revision.

Moved from kpis (migration reports/0001_initial keeps the rows; the table was renamed from
kpis_monthlyreport to reports_monthlyreport).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class ReportKind(models.TextChoices):
    RECRUITMENT = "recruitment", _("Recruitment report")
    RETENTION = "retention", _("Retention report")


class MonthlyReportStatus(models.TextChoices):
    BUILDING = "building", _("Building")
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    FAILED = "failed", _("Failed")


class MonthlyReport(models.Model):
    """One revision of one monthly report for the city; published revisions never change.

    The files are built from `data`, the snapshot of figures used, so a published report can
    be checked against what it says.
    """

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="monthly_reports"
    )
    month = models.DateField(_("month"))
    kind = models.CharField(_("report"), max_length=16, choices=ReportKind.choices)
    revision = models.PositiveIntegerField(_("revision"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MonthlyReportStatus.choices,
        default=MonthlyReportStatus.BUILDING,
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    data = models.JSONField(_("figures used"), null=True, blank=True)
    pdf = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    xlsx = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    checksum = models.CharField(_("checksum (SHA-256 of PDF and XLSX)"), max_length=64, blank=True)
    pdf_pages = models.PositiveIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The build's life while `building` (reports/services.py): queued (again) at `queued_at`;
    # a worker took it at `started_at` and proves it is alive by `heartbeat_at`, so the beat's
    # sweep tells a long build that still runs from one whose worker was killed.
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "kind", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "month", "kind", "revision"], name="monthly_report_revision"
            ),
            # At most one revision of a month and kind is being built or waits as a draft.
            models.UniqueConstraint(
                fields=["association", "month", "kind"],
                condition=models.Q(status__in=["building", "draft"]),
                name="monthly_report_one_open_revision",
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="monthly_report_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m} r{self.revision}"
