"""Announcements: a draft, a preview with its reach, then one email per recipient to exactly
the staff of the subcommittee's approved member offices, and never twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from association.models import RoleKind
from members.models import OfficeStatus
from subcommittees.models import Announcement, Subcommittee, SubcommitteeKind
from subcommittees.services import announcement_emails_send, announcement_send, announcement_update
from subcommittees.tasks import announcement_emails
from tests.conftest import client_for
from tests.subcommittees.helpers import add_announcement, add_office, add_staff, subcommittee_of
from tests.tenants import Tenant, make_user

pytestmark = pytest.mark.django_db


def recipients_world(a: Tenant, b: Tenant) -> tuple[Subcommittee, set[str]]:
    """People around 居宅部会 of A; returns it and the addresses that must get its mail."""
    kyotaku = subcommittee_of(a, SubcommitteeKind.KYOTAKU)
    member = add_office(a, ["43"])
    also_member = add_office(a, ["46", "15"])  # 介護予防支援 + 通所介護: in both
    tsusho_only = add_office(a, ["15"])
    waiting = add_office(a, ["43"], status=OfficeStatus.APPLIED)

    staff = add_staff(a, member, "staff-member@alpha.example")
    admin = add_staff(a, also_member, "admin-also@alpha.example", kind=RoleKind.OFFICE_ADMIN)
    twice = add_staff(a, member, "twice@alpha.example")
    add_staff(a, also_member, user=twice)  # staff of two member offices: one email
    add_staff(a, tsusho_only, "tsusho-only@alpha.example")
    add_staff(a, waiting, "waiting@alpha.example")
    inactive = add_staff(a, member, "gone@alpha.example")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    # Someone on staff in both cities receives A's announcement as A's staff, once.
    both_cities = make_user("both-cities@example.jp")
    add_staff(a, member, user=both_cities)
    add_staff(b, b.offices[0], user=both_cities)
    add_staff(b, b.offices[0], "beta-kyotaku@beta.example")

    expected = {
        a.users["office_admin"].email,  # the fixture's 居宅 office
        a.users["office_staff"].email,
        staff.email,
        admin.email,
        twice.email,
        both_cities.email,
    }
    return kyotaku, expected


def test_compose_preview_send(
    tenant_a: Tenant,
    tenant_b: Tenant,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    kyotaku, expected = recipients_world(tenant_a, tenant_b)
    client = client_for(tenant_a, tenant_a.users["leader"])
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("subcommittees:announcement_new", args=[kyotaku.pk]),
        {
            "subject": "研修会のご案内",
            "body": "7月の研修会は A&B 会館で行います。\n<ご確認ください>",
        },
    )
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        announcement = Announcement.objects.get(subject="研修会のご案内")
    assert announcement.is_draft and announcement.created_by == tenant_a.users["leader"]
    assert not mail.outbox

    preview = client.get(response["Location"])
    assert preview.context["recipient_count"] == len(expected)
    assert f"Send to {len(expected)} people" in preview.text
    assert "&lt;ご確認ください&gt;" in preview.text  # escaped on the page

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(response["Location"])
    assert response.status_code == 302
    assert len(callbacks) == 1  # one task, queued on commit

    to = [message.to for message in mail.outbox]
    assert all(len(addresses) == 1 for addresses in to)  # one message per recipient
    assert sorted(addresses[0] for addresses in to) == sorted(expected)
    message = mail.outbox[0]
    assert message.subject == "[居宅部会] 研修会のご案内"
    assert "A&B 会館" in message.body and "<ご確認ください>" in message.body  # not escaped
    assert tenant_b.marker not in message.body

    announcement.refresh_from_db()
    assert announcement.sent_at is not None
    assert announcement.recipient_count == len(expected)
    assert announcement.queued_by == tenant_a.users["leader"]
    status = client.get(reverse("subcommittees:announcement_detail", args=[announcement.pk]))
    assert f"to {len(expected)} people" in status.text

    # Members read it on the subcommittee's page once it is sent.
    page = client_for(tenant_a, tenant_a.users["office_staff"]).get(
        reverse("subcommittees:detail", args=[kyotaku.pk])
    )
    assert "研修会のご案内" in page.text


def test_running_again_sends_nothing(
    tenant_a: Tenant,
    tenant_b: Tenant,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    kyotaku, expected = recipients_world(tenant_a, tenant_b)
    announcement = add_announcement(tenant_a, kyotaku)
    with scope(association=tenant_a.association.pk):
        with django_capture_on_commit_callbacks(execute=True):
            announcement_send(announcement=announcement, sent_by=tenant_a.users["leader"])
        assert len(mail.outbox) == len(expected)

        kwargs = {"association_id": tenant_a.association.pk, "announcement_id": announcement.pk}
        assert announcement_emails.apply(kwargs=kwargs).get() == 0
        assert announcement_emails_send(announcement=announcement) == 0
        with pytest.raises(ValidationError):
            announcement_send(announcement=announcement)
        with pytest.raises(ValidationError):
            announcement_update(announcement=announcement, subject="変更", body="変更")
    assert len(mail.outbox) == len(expected)


def test_a_draft_is_never_emailed(tenant_a: Tenant) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    draft = add_announcement(tenant_a, kyotaku)
    result = announcement_emails.apply(
        kwargs={"association_id": tenant_a.association.pk, "announcement_id": draft.pk}
    ).get()
    assert result == 0
    assert not mail.outbox


def test_a_task_for_another_associations_announcement_sends_nothing(
    tenant_a: Tenant, tenant_b: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """B's announcement id with A's association id: not found in A's scope, nothing sent."""
    b_kyotaku = subcommittee_of(tenant_b, SubcommitteeKind.KYOTAKU)
    announcement = add_announcement(tenant_b, b_kyotaku)
    with scope(association=tenant_b.association.pk):
        announcement_send(announcement=announcement)  # queued (callback not run)
    result = announcement_emails.apply(
        kwargs={"association_id": tenant_a.association.pk, "announcement_id": announcement.pk}
    ).get()
    assert result == 0
    assert not mail.outbox


def test_nobody_to_send_to_is_refused(tenant_a: Tenant) -> None:
    nyusho = subcommittee_of(tenant_a, SubcommitteeKind.NYUSHO)  # no approved member yet
    announcement = add_announcement(tenant_a, nyusho)
    client = client_for(tenant_a, tenant_a.users["officer"])
    client.cookies["django_language"] = "en"
    url = reverse("subcommittees:announcement_detail", args=[announcement.pk])
    assert "nobody would receive it" in client.get(url).text
    response = client.post(url)
    assert response.status_code == 200 and 'role="alert"' in response.text
    announcement.refresh_from_db()
    assert announcement.is_draft


def test_drafts_can_be_edited_until_sent(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    announcement = add_announcement(tenant_a, kyotaku)
    client = client_for(tenant_a, tenant_a.users["leader"])
    url = reverse("subcommittees:announcement_edit", args=[announcement.pk])
    response = client.post(url, {"subject": "件名を直しました", "body": "本文"})
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.subject == "件名を直しました"

    response = client.post(url, {"subject": "改行\nを含む", "body": "本文"})
    assert response.status_code == 200
    assert response.context["form"].errors["subject"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("subcommittees:announcement_detail", args=[announcement.pk]))
    response = client.get(url)
    assert response.status_code == 302  # sent: back to its status page
    assert response["Location"] == reverse(
        "subcommittees:announcement_detail", args=[announcement.pk]
    )
