"""Officers add member offices' booths to a job fair (an inline on the event) and see them
listed here. Outcomes are recorded by each office after the fair (recruitment/services.py),
so they are read-only in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from association.admin_site import TenantInline, TenantModelAdmin
from recruitment.models import ApplicationDeletion, JobFairBooth, RecruitmentSettings

OUTCOME_FIELDS = ("interviews", "hires", "outcome_recorded_at")


class JobFairBoothInline(TenantInline):
    model = JobFairBooth
    fields = ("office", "hiring_for", "open_positions", *OUTCOME_FIELDS)
    readonly_fields = OUTCOME_FIELDS
    autocomplete_fields = ("office",)
    verbose_name = _("job-fair booth")
    verbose_name_plural = _("job-fair booths (member offices taking part)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobFairBooth]:
        return super().get_queryset(request).select_related("office")


@admin.register(JobFairBooth)
class JobFairBoothAdmin(TenantModelAdmin):
    list_display = ["office", "event", "hiring_for", "open_positions", "interviews", "hires"]
    list_filter = ["event"]
    list_select_related = ["office", "event"]
    search_fields = ["office__name", "office__kana", "office__provider_number", "hiring_for"]
    fields = ("event", "office", "hiring_for", "open_positions", *OUTCOME_FIELDS)
    readonly_fields = OUTCOME_FIELDS
    autocomplete_fields = ("office",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "event":
            from events.models import Event, EventKind

            kwargs["queryset"] = Event.objects.filter(kind=EventKind.JOB_FAIR)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Booths are added on their job fair's page, where the fair is obvious.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)


@admin.register(RecruitmentSettings)
class RecruitmentSettingsAdmin(TenantModelAdmin):
    """How long applicants' data are kept (the daily purge reads these)."""

    list_display = ["association", "retention_months_not_hired", "retention_months_hired"]
    fields = ("retention_months_not_hired", "retention_months_hired")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row per association, made on first use (recruitment_settings).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ApplicationDeletion)
class ApplicationDeletionAdmin(TenantModelAdmin):
    """The record of applicants' data deleted: when, why, how many; never whose."""

    list_display = ["deleted_at", "reason", "count"]
    list_filter = ["reason"]
    readonly_fields = ("deleted_at", "reason", "count")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
