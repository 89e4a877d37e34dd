"""Reminders to offices that have not submitted last month's filing.

Two kinds per month: a few days before the deadline (`KpiSettings.reminder_days_before`) and
on the first business day after it. The daily beat job may run late, twice or concurrently:
each kind goes out while its window is open, and never twice to the same office for the same
month (a `ReminderSent` row, unique per office, month and kind, is written in the same
transaction that queues the email, which leaves only after the commit).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from association.mail import send_templated_mail
from association.models import Association, Role, RoleKind
from core.calendar import add_months, month_start, next_business_day, wareki_date, wareki_month
from kpis.models import KpiSettings, ReminderKind, ReminderSent
from kpis.selectors import deadline_for, kpi_settings, offices_not_filed

logger = logging.getLogger(__name__)

# How long after the first business day past the deadline a late run still sends the
# "after" reminder (a beat that was down over a long weekend).
AFTER_WINDOW = timedelta(days=7)


def reminders_due(*, association_id: int, today: date) -> list[tuple[date, str]]:
    """The (month, kind) pairs whose reminder window is open on `today`."""
    settings = kpi_settings(association_id=association_id)
    due: list[tuple[date, str]] = []
    # A deadline late in the month may fall into the month after next: look two months back.
    for month in (add_months(month_start(today), -2), add_months(month_start(today), -1)):
        deadline = deadline_for(association_id=association_id, month=month)
        before = deadline - timedelta(days=settings.reminder_days_before)
        after = next_business_day(deadline + timedelta(days=1))
        if before <= today <= deadline:
            due.append((month, ReminderKind.BEFORE_DEADLINE))
        elif after <= today < after + AFTER_WINDOW:
            due.append((month, ReminderKind.AFTER_DEADLINE))
    return due


def filing_reminders_send(*, association: Association, today: date | None = None) -> int:
    """Remind every approved office without a submitted filing whose window is open.

    Returns how many offices were reminded. Runs inside the association's scope.
    """
    today = today or timezone.localdate()
    due = reminders_due(association_id=association.pk, today=today)
    if due:
        # A mail server that is down raises OSError here, before any reminder is recorded,
        # so the task can retry; once recorded, a reminder is never sent again.
        connection = get_connection()
        connection.open()
        connection.close()
    return sum(_remind(association=association, month=month, kind=kind) for month, kind in due)


@transaction.atomic
def _remind(*, association: Association, month: date, kind: str) -> int:
    # One run per association at a time: a second waits here, then finds the rows written.
    KpiSettings.objects.select_for_update().get(association=association)
    already = set(
        ReminderSent.objects.filter(month=month, kind=kind).values_list("office_id", flat=True)
    )
    offices = [office for office in offices_not_filed(month=month) if office.pk not in already]
    if not offices:
        return 0
    staff: dict[int, set[str]] = defaultdict(set)
    for office_id, email in (
        Role.objects.filter(
            office__in=[office.pk for office in offices],
            kind__in=[RoleKind.OFFICE_ADMIN, RoleKind.OFFICE_STAFF],
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("office_id", "user__email")
    ):
        staff[office_id].add(email.strip().lower())
    deadline = deadline_for(association_id=association.pk, month=month)
    reminded = []
    for office in offices:
        recipients = sorted(staff[office.pk] | ({office.email.strip().lower()} - {""}))
        if not recipients:
            continue  # nobody to tell; tried again tomorrow, in case someone was added
        reminded.append(
            ReminderSent(
                association=association,
                office=office,
                month=month,
                kind=kind,
                recipients=len(recipients),
            )
        )
        context = {
            "association": association,
            "office": office,
            "month": wareki_month(month),
            "month_iso": f"{month:%Y-%m}",
            "deadline": wareki_date(deadline),
        }
        for recipient in recipients:  # one message each: nobody sees colleagues' addresses
            send_templated_mail(
                template=f"kpis/email/reminder_{kind}", context=context, to=[recipient]
            )
    # The unique constraint backs up the lock: a duplicate fails the whole run, sending nothing.
    ReminderSent.objects.bulk_create(reminded)
    logger.info(
        "filing reminders queued",
        extra={
            "association": association.pk,
            "month": f"{month:%Y-%m}",
            "kind": kind,
            "offices": len(reminded),
        },
    )
    return len(reminded)


@dataclass(frozen=True)
class OfficerReminder:
    """What an officer's reminder did: `sent` offices reminded now, `already` offices that had
    this reminder before (never sent twice), `refused_today` when the month's reminders already
    went out today (one a day per month)."""

    month: date
    kind: str
    sent: int = 0
    already: int = 0
    refused_today: bool = False


def reminder_kind_for(*, association_id: int, month: date, today: date) -> str:
    """Before the month's deadline, the "before" reminder; from the day after, the "after" one."""
    deadline = deadline_for(association_id=association_id, month=month)
    return ReminderKind.BEFORE_DEADLINE if today <= deadline else ReminderKind.AFTER_DEADLINE


def reminded_today(*, month: date, today: date) -> bool:
    """Whether any reminder for `month` went out on `today` (Asia/Tokyo), by beat or officer."""
    start = datetime.combine(today, time.min, tzinfo=timezone.get_default_timezone())
    return ReminderSent.objects.filter(
        month=month, sent_at__gte=start, sent_at__lt=start + timedelta(days=1)
    ).exists()


@transaction.atomic
def filing_reminders_send_for_month(
    *, association: Association, month: date, today: date | None = None
) -> OfficerReminder:
    """An officer's one-click reminder to the offices that have not filed `month`.

    The same reminder as the daily beat job (its kind follows the deadline, the same mail,
    the same `ReminderSent` rows, so an office never gets the same reminder twice), sent at
    once whatever the beat's window, at most once a day per month. The mail leaves after the
    commit, through the mail task; the request never waits on the mail server.
    """
    today = today or timezone.localdate()
    month = month_start(month)
    kind = reminder_kind_for(association_id=association.pk, month=month, today=today)
    # The lock _remind takes, taken first: two officers clicking at once send once.
    KpiSettings.objects.select_for_update().get(association=association)
    if reminded_today(month=month, today=today):
        return OfficerReminder(month=month, kind=kind, refused_today=True)
    already = ReminderSent.objects.filter(
        month=month, kind=kind, office__in=offices_not_filed(month=month)
    ).count()
    sent = _remind(association=association, month=month, kind=kind)
    return OfficerReminder(month=month, kind=kind, sent=sent, already=already)
