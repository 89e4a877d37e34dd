"""Who may run a subcommittee: officers all four, a leader only their own, office people none.
Every member may read the subcommittee pages; other associations' rows do not exist here."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django_scopes import scope

from subcommittees.models import Announcement, Meeting, Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.subcommittees.helpers import add_announcement, add_meeting, subcommittee_of
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


@dataclass
class Objects:
    subcommittee: Subcommittee
    meeting: Meeting
    announcement: Announcement


def objects_of(tenant: Tenant, kind: SubcommitteeKind) -> Objects:
    subcommittee = subcommittee_of(tenant, kind)
    return Objects(
        subcommittee,
        add_meeting(tenant, subcommittee, title=f"{tenant.marker}{kind}会議"),
        add_announcement(tenant, subcommittee, subject=f"{tenant.marker}{kind}お知らせ"),
    )


def management_urls(objects: Objects) -> list[str]:
    return [
        reverse("subcommittees:meeting_new", kwargs={"subcommittee_pk": objects.subcommittee.pk}),
        reverse(
            "subcommittees:announcement_new", kwargs={"subcommittee_pk": objects.subcommittee.pk}
        ),
        reverse("subcommittees:meeting_edit", kwargs={"meeting_pk": objects.meeting.pk}),
        reverse("subcommittees:meeting_attendance", kwargs={"meeting_pk": objects.meeting.pk}),
        reverse(
            "subcommittees:announcement_detail",
            kwargs={"announcement_pk": objects.announcement.pk},
        ),
        reverse(
            "subcommittees:announcement_edit",
            kwargs={"announcement_pk": objects.announcement.pk},
        ),
    ]


def member_urls(objects: Objects) -> list[str]:
    return [
        reverse("subcommittees:list"),
        reverse("subcommittees:detail", kwargs={"subcommittee_pk": objects.subcommittee.pk}),
        reverse("subcommittees:meeting_detail", kwargs={"meeting_pk": objects.meeting.pk}),
    ]


@pytest.mark.parametrize(
    ("who", "own", "other"),
    [
        ("officer", 200, 200),
        ("leader", 200, 403),  # leader of 居宅部会: 通所部会 is not theirs
        ("office_admin", 403, 403),
        ("office_staff", 403, 403),
        ("city", 403, 403),
    ],
)
def test_management_pages(tenant_a: Tenant, who: str, own: int, other: int) -> None:
    kyotaku = objects_of(tenant_a, SubcommitteeKind.KYOTAKU)
    tsusho = objects_of(tenant_a, SubcommitteeKind.TSUSHO)
    client = client_for(tenant_a, tenant_a.users[who])
    for url in management_urls(kyotaku):
        assert client.get(url).status_code == own, url
    for url in management_urls(tsusho):
        assert client.get(url).status_code == other, url


def test_leader_cannot_write_to_another_subcommittee(tenant_a: Tenant) -> None:
    """POSTs are refused before anything is written, not only the GET pages."""
    tsusho = objects_of(tenant_a, SubcommitteeKind.TSUSHO)
    office = tenant_a.offices[2]  # a 通所部会 member
    client = client_for(tenant_a, tenant_a.users["leader"])
    meeting_form = {"title": "乗っ取り", "starts_at": "2026-10-01T10:00", "place": "どこか"}
    posts = [
        (reverse("subcommittees:meeting_new", args=[tsusho.subcommittee.pk]), meeting_form),
        (reverse("subcommittees:meeting_edit", args=[tsusho.meeting.pk]), meeting_form),
        (
            reverse("subcommittees:meeting_attendance", args=[tsusho.meeting.pk]),
            {f"office_{office.pk}": "attended"},
        ),
        (
            reverse("subcommittees:announcement_new", args=[tsusho.subcommittee.pk]),
            {"subject": "乗っ取り", "body": "本文"},
        ),
        (reverse("subcommittees:announcement_detail", args=[tsusho.announcement.pk]), {}),
        (
            reverse("subcommittees:announcement_edit", args=[tsusho.announcement.pk]),
            {"subject": "乗っ取り", "body": "本文"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    with scope(association=tenant_a.association.pk):
        assert not Meeting.objects.filter(title="乗っ取り").exists()
        assert not Announcement.objects.filter(subject="乗っ取り").exists()
        assert not tsusho.meeting.attendances.exists()
        announcement = Announcement.objects.get(pk=tsusho.announcement.pk)
        assert announcement.is_draft


@pytest.mark.parametrize("who", ["officer", "leader", "office_admin", "office_staff"])
def test_members_read_every_subcommittee(tenant_a: Tenant, who: str) -> None:
    client = client_for(tenant_a, tenant_a.users[who])
    for kind in (SubcommitteeKind.KYOTAKU, SubcommitteeKind.NYUSHO):
        for url in member_urls(objects_of(tenant_a, kind)):
            assert client.get(url).status_code == 200, url


def test_city_viewer_and_anonymous_do_not_read_member_pages(tenant_a: Tenant) -> None:
    objects = objects_of(tenant_a, SubcommitteeKind.KYOTAKU)
    city = client_for(tenant_a, tenant_a.users["city"])
    anonymous = client_for(tenant_a)
    for url in member_urls(objects):
        assert city.get(url).status_code == 403, url
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_manage_links_show_only_to_managers(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    tsusho = subcommittee_of(tenant_a, SubcommitteeKind.TSUSHO)
    new_meeting = reverse("subcommittees:meeting_new", args=[kyotaku.pk])
    leader = client_for(tenant_a, tenant_a.users["leader"])
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    assert new_meeting in leader.get(reverse("subcommittees:detail", args=[kyotaku.pk])).text
    assert new_meeting not in staff.get(reverse("subcommittees:detail", args=[kyotaku.pk])).text
    tsusho_page = leader.get(reverse("subcommittees:detail", args=[tsusho.pk])).text
    assert reverse("subcommittees:meeting_new", args=[tsusho.pk]) not in tsusho_page
    # Drafts are for managers: the staff page lists no unsent announcement.
    draft = f"{tenant_a.marker}居宅部会からのお知らせ"  # tests/tenants.py's draft
    assert draft in leader.get(reverse("subcommittees:detail", args=[kyotaku.pk])).text
    assert draft not in staff.get(reverse("subcommittees:detail", args=[kyotaku.pk])).text


def test_another_associations_rows_are_not_found(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """B's subcommittee, meeting and announcement, asked for by id on A's host: 404 for A's
    officer, even though officers manage every subcommittee of their own association."""
    b = objects_of(tenant_b, SubcommitteeKind.KYOTAKU)
    client = client_for(tenant_a, tenant_a.users["officer"])
    for url in [*management_urls(b), *member_urls(b)[1:]]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert tenant_b.marker not in response.text
    response = client.post(reverse("subcommittees:announcement_detail", args=[b.announcement.pk]))
    assert response.status_code == 404
    with scope(association=tenant_b.association.pk):
        assert Announcement.objects.get(pk=b.announcement.pk).is_draft


def test_officer_of_b_is_refused_on_as_host(tenant_a: Tenant, tenant_b: Tenant) -> None:
    objects = objects_of(tenant_a, SubcommitteeKind.KYOTAKU)
    client = client_for(tenant_a, tenant_b.users["officer"])
    for url in [*management_urls(objects), *member_urls(objects)]:
        assert client.get(url).status_code == 403, url
