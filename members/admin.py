from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from association.admin_site import TenantInline, TenantModelAdmin
from members.models import Corporation, Office, OfficeService


@admin.register(Corporation)
class CorporationAdmin(TenantModelAdmin):
    list_display = ["name", "kana", "kind", "corporate_number", "office_count"]
    list_filter = ["kind"]
    search_fields = ["name", "kana", "corporate_number"]
    readonly_fields = ["corporate_number"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Corporation]:
        return super().get_queryset(request).annotate(office_count=Count("offices"))

    @admin.display(description=_("offices"), ordering="office_count")
    def office_count(self, obj: Any) -> int:
        return int(obj.office_count)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Corporations are created through registration and roster import (validated services).
        return False


class OfficeServiceInline(TenantInline):
    model = OfficeService


@admin.register(Office)
class OfficeAdmin(TenantModelAdmin):
    list_display = ["name", "provider_number", "corporation", "status", "approved_at"]
    list_filter = ["status", "services__service_code", "corporation__kind"]
    search_fields = ["name", "kana", "provider_number", "corporation__name"]
    list_select_related = ["corporation"]
    # Decisions go through members:decide (office_approve / office_reject), never the admin; and
    # no field offers a list of users (accounts are platform-wide, not the association's).
    readonly_fields = [
        "provider_number",
        "status",
        "applied_at",
        "approved_at",
        "decided_at",
        "decision_reason",
    ]

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("association", "applicant", "decided_by")

    raw_id_fields = ["corporation"]
    inlines = [OfficeServiceInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Offices are created through registration and roster import (validated services).
        return False
