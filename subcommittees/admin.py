from django.contrib import admin

from association.admin_site import TenantModelAdmin
from subcommittees.models import ServiceTypeMapping, Subcommittee


@admin.register(Subcommittee)
class SubcommitteeAdmin(TenantModelAdmin):
    list_display = ["name", "kind"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ServiceTypeMapping)
class ServiceTypeMappingAdmin(TenantModelAdmin):
    list_display = ["service_code", "subcommittee"]
    list_filter = ["subcommittee"]
    list_editable = ["subcommittee"]
    list_display_links = ["service_code"]
