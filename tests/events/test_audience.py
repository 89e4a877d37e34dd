"""One subcommittee's events are for its people (and officers); members-only for members."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from events.models import Event
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _event(tenant: Tenant, title: str, audience: str, kind: str | None = None) -> Event:
    start = timezone.now() + timedelta(days=10)
    subcommittee = Subcommittee.objects.get(kind=kind) if kind else None
    return Event.objects.create(
        association=tenant.association,
        title=title,
        kind="subcommittee",
        audience=audience,
        subcommittee=subcommittee,
        status="published",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )


def test_who_sees_which_event(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        kyotaku = _event(tenant_a, "居宅部会の研修", "subcommittee", SubcommitteeKind.KYOTAKU)
        nyusho = _event(tenant_a, "入所部会の研修", "subcommittee", SubcommitteeKind.NYUSHO)
        members = _event(tenant_a, "会員向け説明会", "members")

    def titles(client: Client) -> set[str]:
        body = client.get(reverse("events:list")).content.decode()
        return {e.title for e in (kyotaku, nyusho, members) if e.title in body}

    assert titles(Client(HTTP_HOST=tenant_a.host)) == set()
    # The leader of 居宅部会; the staff of office 1 (居宅介護支援, code 43, so 居宅部会 too).
    assert titles(client_for(tenant_a, tenant_a.users["leader"])) == {kyotaku.title, members.title}
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    assert titles(staff) == {kyotaku.title, members.title}
    detail = reverse("events:detail", kwargs={"event_pk": nyusho.pk})
    assert staff.get(detail).status_code == 404
    assert titles(client_for(tenant_a, tenant_a.users["officer"])) == {
        kyotaku.title,
        nyusho.title,
        members.title,
    }


def test_one_audience_rule_for_every_page_of_an_event(tenant_a: Tenant) -> None:
    """Another 部会's subcommittee-only event is not there for a member: not on the list, its
    page, its .ics, its image, nor its registration form, which must save nothing when posted.
    (The registration form used to check only "is a member".)"""
    from django.core.files.base import ContentFile

    from events.models import Registration
    from tests.tenants import _logo_png

    with scope(association=tenant_a.association.pk):
        nyusho = _event(tenant_a, "入所部会の研修", "subcommittee", SubcommitteeKind.NYUSHO)
        nyusho.registration_required = True
        nyusho.capacity = 10
        nyusho.save()
        nyusho.image.save("nyusho.png", ContentFile(_logo_png()), save=True)
    routes = ("events:detail", "events:ics", "events:image", "events:register")
    urls = [reverse(name, kwargs={"event_pk": nyusho.pk}) for name in routes]
    staff = client_for(tenant_a, tenant_a.users["office_staff"])  # 居宅部会, not 入所部会
    assert nyusho.title not in staff.get(reverse("events:list")).content.decode()
    assert {url: staff.get(url).status_code for url in urls} == {url: 404 for url in urls}
    response = staff.post(
        urls[-1],
        {"name": "別の部会の人", "email": "someone@example.com", "party_size": 1},
    )
    assert response.status_code == 404
    with scope(association=tenant_a.association.pk):
        assert not Registration.objects.filter(event=nyusho).exists()
    # The 入所部会's people and officers do get every page.
    officer = client_for(tenant_a, tenant_a.users["officer"])
    assert {url: officer.get(url).status_code for url in urls} == {url: 200 for url in urls}
