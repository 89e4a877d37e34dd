"""Reminders to offices that have not filed: the windows, the recipients, never twice.

September 2026's deadline is Tuesday 13 October (the 10th is a Saturday and the 12th is
Sports Day), so with the default 3 days the reminder before it goes out from the 10th and the
one after it on Wednesday the 14th.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django_scopes import scope

from association.models import RoleKind
from association.services import role_grant
from kpis.models import ReminderSent
from kpis.reminders import filing_reminders_send, reminders_due
from kpis.selectors import deadline_for
from kpis.services import staffing_report_save
from kpis.tasks import filing_reminders_all
from members.models import Office
from tests.tenants import Tenant, make_user

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)
ROW = {
    "job_category": "care_worker",
    "employment_type": "regular",
    "headcount_start": 5,
    "hires": 0,
    "separations": 0,
    "separations_within_year": 0,
    "headcount_end": 5,
}


def prepare(tenant: Tenant) -> dict[str, Any]:
    """Office 2 has a staff account and an address; office 3 a draft and no address yet."""
    with scope(association=tenant.association.pk):
        offices = tenant.offices
        Office.objects.filter(pk=offices[1].pk).update(email=f"office2@{tenant.host}")
        staff = make_user(f"staff2@{tenant.host}")
        role_grant(
            association=tenant.association,
            user=staff,
            kind=RoleKind.OFFICE_STAFF,
            office=offices[1],
        )
        staffing_report_save(
            office=offices[2],
            month=SEPTEMBER,
            rows=[ROW],
            user=None,
            expected_version=None,
            submit=False,
            today=date(2026, 10, 1),
        )
    return {"staff": staff}


def send(tenant: Tenant, today: date) -> int:
    with scope(association=tenant.association.pk):
        return filing_reminders_send(association=tenant.association, today=today)


def sent_rows(tenant: Tenant) -> set[tuple[int, date, str]]:
    with scope(association=tenant.association.pk):
        return set(ReminderSent.objects.values_list("office_id", "month", "kind"))


def test_september_deadline_is_the_thirteenth(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        assert deadline_for(association_id=tenant_a.association.pk, month=SEPTEMBER) == date(
            2026, 10, 13
        )


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 10, 9), []),
        (date(2026, 10, 10), [(SEPTEMBER, "before")]),
        (date(2026, 10, 13), [(SEPTEMBER, "before")]),
        (date(2026, 10, 14), [(SEPTEMBER, "after")]),
        (date(2026, 10, 20), [(SEPTEMBER, "after")]),  # a beat that was down still sends
        (date(2026, 10, 21), []),
        (date(2026, 11, 5), []),
    ],
)
def test_reminder_windows(tenant_a: Tenant, today: date, due: list[tuple[date, str]]) -> None:
    with scope(association=tenant_a.association.pk):
        assert reminders_due(association_id=tenant_a.association.pk, today=today) == due


def test_after_reminder_waits_for_the_first_business_day(tenant_a: Tenant) -> None:
    """July 2026's deadline is Monday 10 August and the 11th is Mountain Day: the reminder
    after the deadline waits for Wednesday the 12th."""
    july = date(2026, 7, 1)
    with scope(association=tenant_a.association.pk):
        assert deadline_for(association_id=tenant_a.association.pk, month=july) == date(2026, 8, 10)
        due = reminders_due(association_id=tenant_a.association.pk, today=date(2026, 8, 11))
        assert due == []
        due = reminders_due(association_id=tenant_a.association.pk, today=date(2026, 8, 12))
        assert due == [(july, "after")]


def test_reminders_go_to_the_right_offices_once(
    tenant_a: Tenant, tenant_b: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    people = prepare(tenant_a)
    prepare(tenant_b)
    offices = tenant_a.offices
    with django_capture_on_commit_callbacks(execute=True):
        assert send(tenant_a, date(2026, 10, 10)) == 1
    # Office 1 filed; office 3 has a draft but nobody to write to; office 4 is not a member yet.
    # One message per recipient: nobody sees a colleague's address.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [f"office2@{tenant_a.host}", people["staff"].email]
    )
    assert all(len(m.to) == 1 for m in mail.outbox)
    message = mail.outbox[0]
    assert "令和8年（2026年）9月" in message.subject
    assert "令和8年（2026年）10月13日" in message.body
    assert offices[1].name in message.body
    for needle in (tenant_b.marker, tenant_b.host):
        assert needle not in f"{message.subject} {message.body} {message.to}"
    assert sent_rows(tenant_a) >= {(offices[1].pk, SEPTEMBER, "before")}

    # The next day: office 2 is not reminded again; office 3 now has an address and is.
    with scope(association=tenant_a.association.pk):
        Office.objects.filter(pk=offices[2].pk).update(email=f"office3@{tenant_a.host}")
    with django_capture_on_commit_callbacks(execute=True):
        assert send(tenant_a, date(2026, 10, 11)) == 1
        assert send(tenant_a, date(2026, 10, 12)) == 0
    assert [m.to for m in mail.outbox[2:]] == [[f"office3@{tenant_a.host}"]]

    # After the deadline, the second kind; office 2 filed meanwhile and is left alone.
    with scope(association=tenant_a.association.pk):
        staffing_report_save(
            office=offices[1],
            month=SEPTEMBER,
            rows=[ROW],
            user=None,
            expected_version=None,
            submit=True,
            today=date(2026, 10, 13),
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert send(tenant_a, date(2026, 10, 14)) == 1
        assert send(tenant_a, date(2026, 10, 15)) == 0
    assert mail.outbox[-1].to == [f"office3@{tenant_a.host}"]
    assert "令和8年（2026年）9月" in mail.outbox[-1].subject
    assert mail.outbox[-1].subject != mail.outbox[-2].subject  # the other kind's wording
    assert sent_rows(tenant_a) == {
        (offices[0].pk, SEPTEMBER, "before"),  # the fixture's row
        (offices[1].pk, SEPTEMBER, "before"),
        (offices[2].pk, SEPTEMBER, "before"),
        (offices[2].pk, SEPTEMBER, "after"),
    }
    assert len(mail.outbox) == 4
    # B was never run: nothing of B was recorded.
    assert sent_rows(tenant_b) == {(tenant_b.offices[0].pk, SEPTEMBER, "before")}


def test_a_rolled_back_run_sends_nothing(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    """The email leaves on commit: a run whose transaction fails records and sends nothing."""
    from django.db import transaction

    prepare(tenant_a)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(tenant_a, date(2026, 10, 10))
        raise RuntimeError("the worker died")
    assert mail.outbox == []
    assert sent_rows(tenant_a) == {(tenant_a.offices[0].pk, SEPTEMBER, "before")}


def test_beat_runs_the_reminders_daily() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["kpis-filing-reminders"]
    assert entry["task"] == filing_reminders_all.name
    schedule: Any = entry["schedule"]
    assert schedule.day_of_month == set(range(1, 32))
    assert schedule.day_of_week == set(range(7))
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1
