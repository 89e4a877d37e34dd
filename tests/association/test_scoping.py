"""Tenant-owned models refuse queries outside a scope, and a scope shows only its association."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django_scopes import ScopeError, scope

from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

PROJECT_APPS = {
    "association",
    "members",
    "subcommittees",
    "events",
    "recruitment",
    "kpis",
    "reports",
    "news",
}
# The tenant itself (and its proxy for the officers' home page admin) and its host names are
# looked up before any scope exists.
UNSCOPED = {
    "association.Association",
    "association.AssociationProfile",
    "association.AssociationDomain",
}


def project_models() -> list[Any]:
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and model._meta.label not in UNSCOPED
    ]


def test_project_has_tenant_models() -> None:
    assert len(project_models()) >= 6


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_query_outside_a_scope_raises(model: Any) -> None:
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_scope_shows_only_its_own_association(
    model: Any, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with scope(association=tenant_a.association.pk):
        in_a = set(model.objects.values_list("pk", flat=True))
    with scope(association=tenant_b.association.pk):
        in_b = set(model.objects.values_list("pk", flat=True))
    assert in_a and in_b, "both tenants have rows of every model"
    assert not in_a & in_b


def test_empty_scope_finds_nothing(tenant_a: Tenant) -> None:
    """A fresh install has no association: its requests run in an empty scope."""
    from members.models import Office

    with scope(association=[]):
        assert not Office.objects.exists()
