"""No officer admin form offers a list of user accounts: accounts are platform-wide."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.urls import reverse
from django_scopes import scope

from association.admin_site import TenantModelAdmin
from association.http import AssociationRequest
from association.permissions import access_for
from tests.conftest import client_for
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


def _choice_fields(response: Any) -> list[tuple[str, ModelChoiceField]]:
    """The model choice fields of an admin page's form and of its inlines' forms."""
    fields = list(response.context["adminform"].form.fields.items())
    for inline in response.context.get("inline_admin_formsets", []):
        fields += [
            (f"{inline.formset.prefix}.{name}", field)
            for name, field in inline.formset.empty_form.fields.items()
        ]
    return [(name, field) for name, field in fields if isinstance(field, ModelChoiceField)]


def _association_of_row(row: Any) -> int | None:
    for path in ("association_id", "event.association_id", "office.association_id"):
        value: Any = row
        for part in path.split("."):
            value = getattr(value, part, None)
        if value is not None:
            return int(value)
    return None


@pytest.mark.parametrize("who", ["officer", "operator"])
def test_every_admin_choice_lists_the_hosts_rows(
    tenant_a: Tenant, tenant_b: Tenant, who: str
) -> None:
    """Every choice field on every tenant admin's add and change page offers the host's rows
    (when it has some) and never another association's."""
    from tests.tenants import make_user

    user = (
        tenant_a.users["officer"]
        if who == "officer"
        else make_user("operator@renkei.example", superuser=True, totp_secret="JBSWY3DPEHPK3PXP")
    )
    client = client_for(tenant_a, user)
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, TenantModelAdmin):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_add".format(*info))]
        with scope(association=tenant_a.association.pk):
            obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        for url in urls:
            response = client.get(url)
            if response.status_code == 403:  # no add permission on this admin
                continue
            assert response.status_code == 200, url
            with scope(association=tenant_a.association.pk):
                fields = _choice_fields(response)
            for name, field in fields:
                assert field.queryset is not None, f"{url} {name}: no queryset"
                target = field.queryset.model
                with scope(association=tenant_a.association.pk):
                    offered = list(field.queryset)
                    available = list(target._default_manager.all()[:1])
                if target is get_user_model():
                    continue
                assert offered or not available, f"{url} {name}: no choices"
                foreign = {
                    row.pk
                    for row in offered
                    if _association_of_row(row) not in (None, tenant_a.association.pk)
                }
                assert not foreign, f"{url} {name}: another association's rows {foreign}"
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name"),
    [
        ("events", "event", "venue"),
        ("events", "event", "co_hosts"),
        ("recruitment", "jobfairbooth", "office"),
    ],
)
def test_admin_autocomplete_lists_the_hosts_rows_only(
    tenant_a: Tenant, tenant_b: Tenant, app_label: str, model_name: str, field_name: str
) -> None:
    response = client_for(tenant_a, tenant_a.users["officer"]).get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name},
    )
    assert response.status_code == 200
    body = response.content.decode("unicode_escape")
    assert tenant_b.marker not in body
    results = response.json()["results"]
    if field_name == "office":
        assert {r["id"] for r in results} >= {str(o.pk) for o in tenant_a.offices[:3]}
