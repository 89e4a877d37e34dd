"""Officers invite city staff who have no account yet; accepting makes them city viewers."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from association.models import Role, RoleKind
from members.models import Invitation
from tests.conftest import client_for
from tests.tenants import Tenant, make_user

pytestmark = pytest.mark.django_db


def test_invitation_for_a_person_without_account(
    tenant_a: Tenant, tenant_b: Tenant, django_capture_on_commit_callbacks
) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(reverse("reports:viewers"), {"email": "Kaigo@City.example"})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == ["kaigo@city.example"]
    assert tenant_a.association.name in message.subject
    key = message.body.split("key=", 1)[1].split()[0]
    with scope(association=tenant_a.association.pk):
        invitation = Invitation.objects.get(key=key)
        assert invitation.kind == RoleKind.CITY_VIEWER and invitation.office is None

    # Not yet a viewer: the reports are closed to them.
    person = make_user("kaigo@city.example")
    client = client_for(tenant_a, person)
    assert client.get(reverse("reports:list")).status_code == 403
    response = client.post(reverse("members:invitation"), {"key": key})
    assert response["Location"] == reverse("reports:list")
    assert client.get(reverse("reports:list")).status_code == 200
    with scope(association=tenant_a.association.pk):
        assert Role.objects.filter(user=person, kind=RoleKind.CITY_VIEWER).exists()
    # The key is A's: it grants nothing in B, and cannot be used twice.
    with scope(association=tenant_b.association.pk):
        assert not Role.objects.filter(user=person).exists()
    client.post(reverse("members:invitation"), {"key": key})
    with scope(association=tenant_a.association.pk):
        assert Role.objects.filter(user=person).count() == 1


def test_only_the_invited_address_can_accept(
    tenant_a: Tenant, django_capture_on_commit_callbacks
) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        officer.post(reverse("reports:viewers"), {"email": "invited@city.example"})
    key = mail.outbox[-1].body.split("key=", 1)[1].split()[0]
    intruder = make_user("someone@else.example")
    client_for(tenant_a, intruder).post(reverse("members:invitation"), {"key": key})
    with scope(association=tenant_a.association.pk):
        assert not Role.objects.filter(user=intruder).exists()
