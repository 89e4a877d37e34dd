"""No officer admin form offers a list of user accounts: accounts are platform-wide."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django_scopes import scope

from association.admin_site import TenantModelAdmin
from association.http import AssociationRequest
from association.permissions import access_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def test_tenant_admin_forms_have_no_user_pickers(tenant_a: Tenant) -> None:
    officer = tenant_a.users["officer"]
    request = RequestFactory().get("/admin/", HTTP_HOST=tenant_a.host)
    request.user = officer
    tenant_request = cast(AssociationRequest, request)
    tenant_request.association = tenant_a.association
    tenant_request.access = access_for(officer, tenant_a.association)
    User = get_user_model()
    checked = 0
    with scope(association=tenant_a.association.pk):
        for model, model_admin in admin.site._registry.items():
            if not isinstance(model_admin, TenantModelAdmin):
                continue
            obj = model._default_manager.order_by("pk").first()
            form = model_admin.get_form(request, obj, change=obj is not None)
            for name, field in form.base_fields.items():
                if isinstance(field, ModelChoiceField):
                    assert field.queryset is None or field.queryset.model is not User, (
                        f"{model.__name__}.{name}"
                    )
            checked += 1
    assert checked >= 5


def test_office_admin_cannot_change_decisions(tenant_a: Tenant) -> None:
    from members.admin import OfficeAdmin

    assert {"status", "decided_at", "decision_reason"} <= set(OfficeAdmin.readonly_fields)
