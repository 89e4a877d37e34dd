"""A real Celery worker emails an announcement: exactly the right staff, once each, even when
the task runs twice; nobody of the other association."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_scopes import scope

from subcommittees.models import Announcement
from subcommittees.services import announcement_send
from subcommittees.tasks import announcement_emails
from tests.subcommittees.helpers import add_announcement, mails_in
from tests.subcommittees.test_announcements import recipients_world
from tests.tenants import Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_emails_each_recipient_once(
    tenant_a: Tenant, tenant_b: Tenant, celery_worker: Path
) -> None:
    kyotaku, expected = recipients_world(tenant_a, tenant_b)
    announcement = add_announcement(
        tenant_a, kyotaku, subject="部会だより 7月号", body="研修会のお知らせです。"
    )
    with scope(association=tenant_a.association.pk):
        announcement_send(announcement=announcement)  # commits: the worker gets the task
    # The same task again, as a redelivery or a double click would queue it.
    again = announcement_emails.apply_async(
        kwargs={"association_id": tenant_a.association.pk, "announcement_id": announcement.pk}
    )
    assert again.get(timeout=60) == 0  # the solo worker ran the first one before it

    with scope(association=tenant_a.association.pk):
        sent = Announcement.objects.get(pk=announcement.pk)
    assert sent.sent_at is not None
    assert sent.recipient_count == len(expected)

    messages = mails_in(celery_worker)
    recipients = [str(message["To"]) for message in messages]
    assert sorted(recipients) == sorted(expected)  # each once, one message each
    for message in messages:
        assert message["Subject"] == "[居宅部会] 部会だより 7月号"
        body = message.get_content()
        assert "研修会のお知らせです。" in body
        assert tenant_b.marker not in body and tenant_b.association.name not in body

    # Run a third time, later: still nothing more (get() returns once the worker is done).
    third = announcement_emails.apply_async(
        kwargs={"association_id": tenant_a.association.pk, "announcement_id": announcement.pk}
    )
    assert third.get(timeout=60) == 0
    assert len(mails_in(celery_worker)) == len(expected)
