"""The officer web admin: Django admin, restricted to the request's association.

Officers (capability `admin.access`) see only the models whose admins derive from
`TenantModelAdmin`, and only their association's rows (the request scope). Platform
models (users, associations, schedules) stay with superusers, through Django permissions.
Log-in goes through allauth, so rate limits and two-factor apply to the admin too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from association.http import access_of, association_of


class RenkeiAdminSite(admin.AdminSite):
    site_header = _("Renkei administration")
    site_title = _("Renkei")
    index_title = _("Association administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        return getattr(request, "association", None) is not None and access_of(request).can(
            "admin.access"
        )

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        association = getattr(request, "association", None)
        if association is not None:
            context["site_header"] = f"{association.name} · {self.site_header}"
        return context


class RenkeiAdminConfig(AdminConfig):
    default_site = "association.admin_site.RenkeiAdminSite"


class TenantModelAdmin(admin.ModelAdmin):
    """An admin for a tenant-owned model: officers manage their own association's rows.

    Querysets come from the scoped default manager, so rows of another association are
    neither listed nor reachable by id. New rows take the request's association.
    """

    capability = "association.manage"
    exclude = ("association",)
    show_facets = admin.ShowFacets.ALWAYS

    def _allowed(self, request: HttpRequest) -> bool:
        if getattr(request, "association", None) is None:
            return False
        return access_of(request).can(self.capability)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and hasattr(obj, "association_id"):
            obj.association = association_of(request)
        super().save_model(request, obj, form, change)


class TenantInline(admin.TabularInline):
    """An inline on a tenant admin: the same capability as its parent."""

    capability = "association.manage"
    extra = 0

    def _allowed(self, request: HttpRequest) -> bool:
        if getattr(request, "association", None) is None:
            return False
        return access_of(request).can(self.capability)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)
