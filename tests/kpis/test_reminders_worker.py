"""Reminders on a real Celery worker (Redis): the beat's fan-out, and running twice sends once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django_scopes import scope

from kpis.models import ReminderSent
from kpis.tasks import filing_reminders, filing_reminders_all
from members.models import Office
from tests.tenants import Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BEFORE_DEADLINE = "2026-10-10"  # September 2026 is due on 13 October


def give_addresses(tenant: Tenant, indexes: list[int]) -> list[str]:
    addresses = [f"office{index + 1}@{tenant.host}" for index in indexes]
    with scope(association=tenant.association.pk):
        for index, address in zip(indexes, addresses, strict=True):
            Office.objects.filter(pk=tenant.offices[index].pk).update(email=address)
    return addresses


def mails(folder: Path, count: int = 0, timeout: float = 60) -> list[str]:
    """The messages the worker wrote, once there are `count` of them.

    The file backend appends messages sent in the same second to one file, each followed by a
    line of dashes, and leaves an empty file for the connection the service opens to check the
    mail server before recording anything.
    """
    deadline = time.monotonic() + timeout
    while True:
        texts = [
            message
            for path in sorted(folder.iterdir())
            for message in path.read_text(encoding="utf-8").split("-" * 79 + "\n")
            if message.strip()
        ]
        if len(texts) >= count or time.monotonic() > deadline:
            return texts
        time.sleep(0.2)


def test_running_twice_sends_once_and_only_to_the_right_offices(
    tenant_a: Tenant, tenant_b: Tenant, celery_worker: Path
) -> None:
    # Office 1 of each association filed September (tests/tenants.py); office 4 has applied.
    a_addresses = give_addresses(tenant_a, [0, 1, 2, 3])
    b_addresses = give_addresses(tenant_b, [1])

    result = filing_reminders_all.apply_async(kwargs={"today": BEFORE_DEADLINE})
    assert result.get(timeout=60) == 2  # one task per association
    messages = mails(celery_worker, 3)
    assert len(messages) == 3
    to_lines = sorted(
        line.removeprefix("To: ")
        for text in messages
        for line in text.splitlines()
        if line.startswith("To: ")
    )
    # A's unfiled approved offices 2 and 3 (not 1: filed; not 4: not approved); B's office 2.
    assert to_lines == sorted([a_addresses[1], a_addresses[2], b_addresses[0]])
    for text in messages:
        if tenant_a.host in text:
            assert tenant_b.marker not in text
            assert all(o.provider_number not in text for o in tenant_b.offices)

    again = filing_reminders.apply_async(
        kwargs={"association_id": tenant_a.association.pk, "today": BEFORE_DEADLINE}
    )
    assert again.get(timeout=60) == 0
    time.sleep(1)
    assert len(mails(celery_worker)) == 3
    with scope(association=tenant_a.association.pk):
        rows = set(ReminderSent.objects.values_list("office_id", "kind"))
    assert rows == {
        (tenant_a.offices[0].pk, "before"),  # the fixture's row
        (tenant_a.offices[1].pk, "before"),
        (tenant_a.offices[2].pk, "before"),
    }
