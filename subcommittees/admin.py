from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from association.admin_site import TenantInline, TenantModelAdmin
from subcommittees.models import (
    Announcement,
    Meeting,
    MeetingAttendance,
    ServiceTypeMapping,
    Subcommittee,
)


@admin.register(Subcommittee)
class SubcommitteeAdmin(TenantModelAdmin):
    list_display = ["name", "kind"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the four 部会 are created with the association

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ServiceTypeMapping)
class ServiceTypeMappingAdmin(TenantModelAdmin):
    list_display = ["service_code", "subcommittee"]
    list_filter = ["subcommittee"]
    list_editable = ["subcommittee"]
    list_display_links = ["service_code"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _kpi_history_follows(obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        _kpi_history_follows(obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        mappings = list(queryset)
        super().delete_queryset(request, queryset)
        for mapping in mappings:
            _kpi_history_follows(mapping)


def _kpi_history_follows(mapping: ServiceTypeMapping) -> None:
    """A mapping change moves offices between 部会: their KPI history follows them."""
    from kpis.aggregates import service_code_aggregates_follow_membership

    service_code_aggregates_follow_membership(
        association_id=mapping.association_id, service_code=mapping.service_code
    )


class ReadOnlyTenantAdmin(TenantModelAdmin):
    """Officers look here; writes go through the subcommittee pages and their services, which
    validate meetings and queue announcement emails exactly once."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class MeetingAttendanceInline(TenantInline):
    model = MeetingAttendance
    fields = ("office", "status", "updated_at")
    readonly_fields = ("office", "status", "updated_at")
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[MeetingAttendance]:
        return super().get_queryset(request).select_related("office")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyTenantAdmin):
    list_display = ["title", "subcommittee", "starts_at", "place"]
    list_filter = ["subcommittee"]
    list_select_related = ["subcommittee"]
    search_fields = ["title", "place", "agenda", "minutes"]
    date_hierarchy = "starts_at"
    inlines = [MeetingAttendanceInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyTenantAdmin):
    list_display = ["subject", "subcommittee", "created_at", "sent_at", "recipient_count"]
    list_filter = ["subcommittee"]
    list_select_related = ["subcommittee"]
    search_fields = ["subject", "body"]
