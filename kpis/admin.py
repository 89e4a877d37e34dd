"""Officers set KPI targets, national benchmarks and filing rules here; filings are read-only.

Every write to a filing goes through kpis/services.py (validation, locks, the change history),
so the filing admins can neither add, change nor delete.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from association.admin_site import TenantInline, TenantModelAdmin
from kpis.models import (
    KpiSettings,
    KpiTarget,
    NationalBenchmark,
    StaffingChange,
    StaffingReport,
    StaffingRow,
)


class KpiAdmin(TenantModelAdmin):
    capability = "kpis.manage"


class UniqueInAssociationForm(forms.ModelForm):
    """The association is not on the form, so its unique constraint is checked here: the
    lookup runs in the request's scope, i.e. within the officer's association.

    No Meta here: the admin builds the model form per request, inside the scope (a scoped
    manager refuses the choice querysets that a form class built at import would make).
    """

    unique_fields: tuple[str, ...] = ()
    duplicate_message = _("This association already has an entry for these values.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if all(name in cleaned for name in self.unique_fields):
            lookup = {name: cleaned[name] for name in self.unique_fields}
            others = type(self.instance)._default_manager.filter(**lookup)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            if others.exists():
                raise forms.ValidationError(self.duplicate_message)
        return cleaned


class KpiTargetForm(UniqueInAssociationForm):
    unique_fields = ("subcommittee", "fiscal_year", "metric")
    duplicate_message = _(
        "A target for this rate, fiscal year and subcommittee exists already; change that one."
    )


@admin.register(KpiTarget)
class KpiTargetAdmin(KpiAdmin):
    form = KpiTargetForm
    list_display = ["fiscal_year", "subcommittee_or_association", "metric", "at_most", "value"]
    list_filter = ["fiscal_year", "metric", "subcommittee"]
    list_select_related = ["subcommittee"]

    @admin.display(description=_("scope"), ordering="subcommittee")
    def subcommittee_or_association(self, obj: KpiTarget) -> str:
        return obj.subcommittee.name if obj.subcommittee else str(_("Whole association"))


class NationalBenchmarkForm(UniqueInAssociationForm):
    unique_fields = ("survey_year", "metric")
    duplicate_message = _("A figure for this survey year and rate exists already; change that one.")


@admin.register(NationalBenchmark)
class NationalBenchmarkAdmin(KpiAdmin):
    form = NationalBenchmarkForm
    list_display = ["survey_year", "metric", "value", "source"]
    list_filter = ["metric"]


class KpiSettingsForm(forms.ModelForm):
    def clean_deadline_day(self) -> int:
        day = int(self.cleaned_data["deadline_day"])
        if not 1 <= day <= 31:
            raise forms.ValidationError(
                _("Enter a day from 1 to 31 (past a short month's end: its last day).")
            )
        return day


@admin.register(KpiSettings)
class KpiSettingsAdmin(KpiAdmin):
    form = KpiSettingsForm
    list_display = ["association", "deadline_day", "jump_threshold_percent", "reminder_days_before"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One row per association, created with its first use; add only if it is missing.
        return super().has_add_permission(request) and not KpiSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyKpiAdmin(KpiAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class StaffingRowInline(TenantInline):
    model = StaffingRow
    capability = "kpis.manage"
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [f.name for f in StaffingRow._meta.fields if f.name not in ("id", "report")]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class StaffingChangeInline(TenantInline):
    model = StaffingChange
    capability = "kpis.manage"
    can_delete = False
    fields = ("at", "user", "action", "via", "reason")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffingChange]:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(StaffingReport)
class StaffingReportAdmin(ReadOnlyKpiAdmin):
    list_display = ["office", "month", "status", "submitted_at", "reopened_at", "version"]
    list_filter = ["status", "month"]
    list_select_related = ["office"]
    search_fields = ["office__name", "office__provider_number"]
    date_hierarchy = "month"
    inlines = [StaffingRowInline, StaffingChangeInline]


@admin.register(StaffingChange)
class StaffingChangeAdmin(ReadOnlyKpiAdmin):
    list_display = ["report", "action", "via", "user", "at"]
    list_filter = ["action", "via"]
    list_select_related = ["report__office", "user"]
    search_fields = ["report__office__name", "report__office__provider_number", "reason"]
    date_hierarchy = "at"
