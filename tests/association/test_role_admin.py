"""The role admin: every role kind added and changed by an officer and by a platform operator.

The office, subcommittee and corporation choices list the request's association's rows (and
only those); a role whose target does not fit its kind is refused with a message naming the
field, never with a 500.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from association.models import Role, RoleKind
from members.models import Corporation, Office
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.tenants import Tenant, make_user

pytestmark = pytest.mark.django_db

ACTORS = ("officer", "operator")


def actor(tenant: Tenant, name: str) -> Any:
    if name == "officer":
        return tenant.users["officer"]
    return make_user("operator@renkei.example", superuser=True, totp_secret="JBSWY3DPEHPK3PXP")


def targets(tenant: Tenant) -> dict[str, dict[str, str]]:
    """Form values for each role kind, with targets from `tenant`."""
    with scope(association=tenant.association.pk):
        subcommittee = Subcommittee.objects.get(kind=SubcommitteeKind.TSUSHO)
        corporation = Corporation.objects.get()
    office = tenant.offices[1]
    return {
        RoleKind.OFFICER: {},
        RoleKind.CITY_VIEWER: {},
        RoleKind.SUBCOMMITTEE_LEADER: {"subcommittee": str(subcommittee.pk)},
        RoleKind.OFFICE_ADMIN: {"office": str(office.pk)},
        RoleKind.OFFICE_STAFF: {"office": str(office.pk)},
        RoleKind.CORPORATION_ADMIN: {"corporation": str(corporation.pk)},
    }


def add_form(email: str, kind: str, **target: str) -> dict[str, str]:
    data = {"user_email": email, "kind": kind, "office": "", "subcommittee": "", "corporation": ""}
    data.update(target)
    return data


def errors_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    assert form.errors, "the form was accepted"
    return str(form.errors)


@pytest.mark.parametrize("who", ACTORS)
def test_add_form_offers_own_targets_only(tenant_a: Tenant, tenant_b: Tenant, who: str) -> None:
    response = client_for(tenant_a, actor(tenant_a, who)).get(reverse("admin:association_role_add"))
    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    with scope(association=tenant_a.association.pk):
        assert {o.pk for o in fields["office"].queryset} == {o.pk for o in tenant_a.offices}
        assert fields["subcommittee"].queryset.count() == 4
        assert fields["corporation"].queryset.count() == 1
    page = response.content.decode()
    assert tenant_a.offices[0].name in page
    assert "通所部会" in page
    assert tenant_b.marker not in page


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("kind", list(RoleKind))
def test_add_every_role_kind(tenant_a: Tenant, who: str, kind: str) -> None:
    grantee = make_user("newcomer@alpha.example")
    target = targets(tenant_a)[kind]
    response = client_for(tenant_a, actor(tenant_a, who)).post(
        reverse("admin:association_role_add"), add_form(grantee.email, kind, **target)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with scope(association=tenant_a.association.pk):
        role = Role.objects.get(user=grantee)
    assert role.association_id == tenant_a.association.pk
    assert role.kind == kind
    assert {
        name: str(getattr(role, f"{name}_id"))
        for name in ("office", "subcommittee", "corporation")
        if getattr(role, f"{name}_id") is not None
    } == target


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("kind", list(RoleKind))
def test_change_every_role_kind(tenant_a: Tenant, who: str, kind: str) -> None:
    """The change form shows the role and saves a new target of the same kind."""
    from association.services import role_grant

    grantee = make_user("newcomer@alpha.example")
    with scope(association=tenant_a.association.pk):
        models: dict[str, Any] = {
            "office": Office,
            "subcommittee": Subcommittee,
            "corporation": Corporation,
        }
        first = {
            name: models[name].objects.get(pk=pk) for name, pk in targets(tenant_a)[kind].items()
        }
        role = role_grant(association=tenant_a.association, user=grantee, kind=kind, **first)
        kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
    client = client_for(tenant_a, actor(tenant_a, who))
    url = reverse("admin:association_role_change", args=[role.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert tenant_a.offices[2].name in page.content.decode()
    new_targets: dict[str, dict[str, str]] = {
        RoleKind.OFFICE_ADMIN: {"office": str(tenant_a.offices[2].pk)},
        RoleKind.OFFICE_STAFF: {"office": str(tenant_a.offices[2].pk)},
        RoleKind.SUBCOMMITTEE_LEADER: {"subcommittee": str(kyotaku.pk)},
    }
    changed = new_targets.get(kind, targets(tenant_a)[kind])
    data = {"kind": kind, "office": "", "subcommittee": "", "corporation": "", **changed}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        role.refresh_from_db()
    assert role.user_id == grantee.pk
    for name, value in changed.items():
        assert str(getattr(role, f"{name}_id")) == value


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(
    ("kind", "target_kind", "message"),
    [
        (RoleKind.OFFICER, RoleKind.OFFICE_STAFF, "This role is not tied to an office"),
        (RoleKind.CITY_VIEWER, RoleKind.CORPORATION_ADMIN, "not tied to a corporation"),
        (RoleKind.OFFICE_ADMIN, RoleKind.OFFICER, "Choose the office"),
        (RoleKind.OFFICE_STAFF, RoleKind.SUBCOMMITTEE_LEADER, "Choose the office"),
        (RoleKind.SUBCOMMITTEE_LEADER, RoleKind.OFFICER, "Choose the subcommittee"),
        (RoleKind.CORPORATION_ADMIN, RoleKind.OFFICE_ADMIN, "Choose the corporation"),
    ],
)
def test_add_refuses_a_target_that_does_not_fit_the_kind(
    tenant_a: Tenant, who: str, kind: str, target_kind: str, message: str
) -> None:
    grantee = make_user("newcomer@alpha.example")
    target = targets(tenant_a)[target_kind]
    client = client_for(tenant_a, actor(tenant_a, who))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        reverse("admin:association_role_add"), add_form(grantee.email, kind, **target)
    )
    assert message in errors_of(response)
    assert "__all__" not in response.context["adminform"].form.errors
    with scopes_disabled():
        assert not Role.objects.filter(user=grantee).exists()


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("field", ["office", "subcommittee", "corporation"])
def test_add_refuses_another_associations_target(
    tenant_a: Tenant, tenant_b: Tenant, who: str, field: str
) -> None:
    grantee = make_user("newcomer@alpha.example")
    kind = {
        "office": RoleKind.OFFICE_STAFF,
        "subcommittee": RoleKind.SUBCOMMITTEE_LEADER,
        "corporation": RoleKind.CORPORATION_ADMIN,
    }[field]
    foreign = targets(tenant_b)[kind]
    client = client_for(tenant_a, actor(tenant_a, who))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        reverse("admin:association_role_add"), add_form(grantee.email, kind, **foreign)
    )
    errors = response.context["adminform"].form.errors
    assert field in errors and "valid choice" in str(errors[field])
    with scopes_disabled():
        assert not Role.objects.filter(user=grantee).exists()


@pytest.mark.parametrize("value", ["abc", "-1", "²", "9" * 30, "1\x00"])
def test_add_refuses_malformed_target_ids(tenant_a: Tenant, value: str) -> None:
    grantee = make_user("newcomer@alpha.example")
    client = client_for(tenant_a, tenant_a.users["officer"])
    response = client.post(
        reverse("admin:association_role_add"),
        add_form(grantee.email, RoleKind.OFFICE_STAFF, office=value),
    )
    if "\x00" in value:  # refused before the admin (RejectNulCharactersMiddleware)
        assert response.status_code == 400
        return
    assert "office" in response.context["adminform"].form.errors


def test_change_refuses_a_target_that_does_not_fit_the_kind(tenant_a: Tenant) -> None:
    with scopes_disabled():
        role = Role.objects.get(user=tenant_a.users["leader"])
    client = client_for(tenant_a, tenant_a.users["officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        reverse("admin:association_role_change", args=[role.pk]),
        {
            "kind": RoleKind.OFFICER,
            "office": "",
            "subcommittee": str(role.subcommittee_id),
            "corporation": "",
        },
    )
    assert "not tied to a subcommittee" in errors_of(response)
    with scopes_disabled():
        role.refresh_from_db()
    assert role.kind == RoleKind.SUBCOMMITTEE_LEADER


def test_add_refuses_an_unknown_email(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        reverse("admin:association_role_add"), add_form("nobody@alpha.example", RoleKind.OFFICER)
    )
    assert "No account has this verified email address" in errors_of(response)
