from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from association.admin_site import TenantModelAdmin
from subcommittees.models import ServiceTypeMapping, Subcommittee


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
