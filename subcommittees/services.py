"""Writes on subcommittees: the four 部会 created with an association, their meetings and
attendance, and the announcements they email to their member offices' staff."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from association.models import Association
from association.tasks import enqueue_on_commit
from core.services import model_update
from members.service_types import SERVICE_TYPES
from subcommittees.models import (
    Announcement,
    AttendanceStatus,
    Meeting,
    MeetingAttendance,
    ServiceTypeMapping,
    Subcommittee,
    SubcommitteeKind,
)
from subcommittees.selectors import announcement_recipient_emails, meeting_attendance_sheet

logger = logging.getLogger(__name__)

# Japanese names as the association uses them; stored, so officers can rename them.
DEFAULT_NAMES = {
    SubcommitteeKind.KYOTAKU: "居宅部会",
    SubcommitteeKind.TSUSHO: "通所部会",
    SubcommitteeKind.HOUMON: "訪問部会",
    SubcommitteeKind.NYUSHO: "入所部会",
}


@transaction.atomic
def subcommittees_create_defaults(*, association: Association) -> list[Subcommittee]:
    """The four 部会 and the default service-type mapping (idempotent)."""
    subcommittees = {}
    for kind in SubcommitteeKind:
        subcommittee, _created = Subcommittee.objects.with_scopes_disabled().get_or_create(
            association=association,
            kind=kind,
            defaults={"name": DEFAULT_NAMES[kind]},
        )
        subcommittees[kind.value] = subcommittee
    existing = set(
        ServiceTypeMapping.objects.with_scopes_disabled()
        .filter(association=association)
        .values_list("service_code", flat=True)
    )
    ServiceTypeMapping.objects.bulk_create(
        ServiceTypeMapping(
            association=association,
            service_code=service.code,
            subcommittee=subcommittees[service.default_subcommittee],
        )
        for service in SERVICE_TYPES
        if service.default_subcommittee and service.code not in existing
    )
    return list(subcommittees.values())


# --- meetings ---------------------------------------------------------------------------

_online_url_validator = URLValidator(schemes=["http", "https"])


class MeetingChanges(TypedDict, total=False):
    """Fields of a meeting that its managers may change."""

    title: str
    starts_at: datetime
    ends_at: datetime | None
    place: str
    online_url: str
    agenda: str
    minutes: str


MEETING_FIELDS = ("title", "starts_at", "ends_at", "place", "online_url", "agenda", "minutes")


def _meeting_values_clean(
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None,
    place: str,
    online_url: str,
    agenda: str,
    minutes: str,
) -> dict[str, Any]:
    """Validate a meeting's fields together; every message names its field."""
    errors: dict[str, list[str]] = {}
    title, place, online_url = title.strip(), place.strip(), online_url.strip()
    if not title:
        errors["title"] = [_("Give the meeting a title.")]
    elif len(title) > 200:
        errors["title"] = [_("The title can be at most 200 characters long.")]
    if timezone.is_naive(starts_at):
        errors["starts_at"] = [_("The start time needs a time zone.")]
    if ends_at is not None:
        if timezone.is_naive(ends_at):
            errors["ends_at"] = [_("The end time needs a time zone.")]
        elif "starts_at" not in errors and ends_at < starts_at:
            errors["ends_at"] = [_("The meeting cannot end before it starts.")]
    if len(place) > 200:
        errors["place"] = [_("The place can be at most 200 characters long.")]
    if online_url:
        try:
            _online_url_validator(online_url)
        except ValidationError:
            errors["online_url"] = [_("Enter an online meeting link starting with https://.")]
        if len(online_url) > 200:
            errors["online_url"] = [_("The link can be at most 200 characters long.")]
    if not place and not online_url:
        errors["place"] = [_("Give a place, an online meeting link, or both.")]
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place,
        "online_url": online_url,
        "agenda": agenda.strip(),
        "minutes": minutes.strip(),
    }


@transaction.atomic
def meeting_create(
    *,
    subcommittee: Subcommittee,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    place: str = "",
    online_url: str = "",
    agenda: str = "",
    minutes: str = "",
    created_by: Any = None,
) -> Meeting:
    """Schedule a meeting of a subcommittee: a place, an online link, or both."""
    values = _meeting_values_clean(
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        agenda=agenda,
        minutes=minutes,
    )
    return Meeting.objects.create(subcommittee=subcommittee, created_by=created_by, **values)


@transaction.atomic
def meeting_update(*, meeting: Meeting, changes: MeetingChanges) -> list[str]:
    """Apply `changes` (validated with the fields left alone); returns the fields that changed."""
    current: dict[str, Any] = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    values = _meeting_values_clean(**{**current, **changes})
    return model_update(
        instance=meeting,
        values={name: values[name] for name in MEETING_FIELDS},
        also_save=["updated_at"],
    )


@transaction.atomic
def meeting_attendance_set(*, meeting: Meeting, statuses: Mapping[int, str | None]) -> int:
    """Record attendance per office (office id → status; empty or None clears it).

    Offices must be the subcommittee's members or already recorded for this meeting. Only rows
    whose status really changes are written; returns how many offices changed.
    """
    allowed = set(meeting_attendance_sheet(meeting=meeting).values_list("pk", flat=True))
    unknown_offices = sorted(set(statuses) - allowed)
    bad_statuses = sorted(
        {str(status) for status in statuses.values() if status and status not in AttendanceStatus}
    )
    if unknown_offices or bad_statuses:
        messages = []
        if unknown_offices:
            messages.append(
                _("These offices are not members of %(subcommittee)s: %(offices)s.")
                % {
                    "subcommittee": meeting.subcommittee.name,
                    "offices": ", ".join(str(pk) for pk in unknown_offices),
                }
            )
        if bad_statuses:
            messages.append(
                _("Unknown attendance status: %(statuses)s.")
                % {"statuses": ", ".join(bad_statuses)}
            )
        raise ValidationError(messages)

    existing = dict(
        MeetingAttendance.objects.filter(meeting=meeting).values_list("office_id", "status")
    )
    to_clear = [pk for pk, status in statuses.items() if not status and pk in existing]
    to_set = {
        pk: str(status) for pk, status in statuses.items() if status and existing.get(pk) != status
    }
    if to_clear:
        MeetingAttendance.objects.filter(meeting=meeting, office_id__in=to_clear).delete()
    if to_set:
        MeetingAttendance.objects.bulk_create(
            [
                MeetingAttendance(meeting=meeting, office_id=pk, status=status)
                for pk, status in sorted(to_set.items())
            ],
            update_conflicts=True,
            unique_fields=["meeting", "office"],
            update_fields=["status", "updated_at"],
        )
    return len(to_clear) + len(to_set)


# --- announcements ----------------------------------------------------------------------


def _announcement_values_clean(*, subject: str, body: str) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    subject, body = subject.strip(), body.strip()
    if not subject:
        errors["subject"] = [_("Write a subject.")]
    elif "\n" in subject or "\r" in subject:
        errors["subject"] = [_("The subject must be a single line.")]
    elif len(subject) > 200:
        errors["subject"] = [_("The subject can be at most 200 characters long.")]
    if not body:
        errors["body"] = [_("Write the message.")]
    if errors:
        raise ValidationError(errors)
    return {"subject": subject, "body": body}


@transaction.atomic
def announcement_create(
    *, subcommittee: Subcommittee, subject: str, body: str, created_by: Any = None
) -> Announcement:
    """A draft announcement: nothing is sent until `announcement_send`."""
    values = _announcement_values_clean(subject=subject, body=body)
    return Announcement.objects.create(subcommittee=subcommittee, created_by=created_by, **values)


@transaction.atomic
def announcement_update(*, announcement: Announcement, subject: str, body: str) -> list[str]:
    """Edit a draft; an announcement already sent cannot change. Returns the changed fields."""
    # Read the row under a lock: the caller's copy may predate someone pressing "send".
    locked = Announcement.objects.select_for_update().only("queued_at").get(pk=announcement.pk)
    if not locked.is_draft:
        raise ValidationError(_("This announcement has already been sent and cannot be edited."))
    values = _announcement_values_clean(subject=subject, body=body)
    return model_update(instance=announcement, values=values, also_save=["updated_at"])


@transaction.atomic
def announcement_send(*, announcement: Announcement, sent_by: Any = None) -> Announcement:
    """Queue a draft for emailing to the member offices' staff, once the transaction commits.

    Refuses an announcement already sent (or queued), and one that would reach nobody.
    """
    from subcommittees.tasks import announcement_emails

    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if not locked.is_draft:
        raise ValidationError(_("This announcement has already been sent."))
    if not announcement_recipient_emails(subcommittee=locked.subcommittee):
        raise ValidationError(
            _(
                "No member office of %(subcommittee)s has staff accounts yet: "
                "nobody would receive it."
            )
            % {"subcommittee": locked.subcommittee.name}
        )
    locked.queued_at = timezone.now()
    locked.queued_by = sent_by
    locked.save(update_fields=["queued_at", "queued_by", "updated_at"])
    enqueue_on_commit(
        announcement_emails,
        association_id=locked.subcommittee.association_id,
        announcement_id=locked.pk,
    )
    return locked


def announcement_email_render(*, announcement: Announcement) -> tuple[str, str]:
    """The subject and body every recipient gets (in Japanese), for sending and for previews."""
    subcommittee = announcement.subcommittee
    context = {
        "announcement": announcement,
        "subcommittee": subcommittee,
        "association": subcommittee.association,
    }
    with translation.override("ja"):
        subject = render_to_string("subcommittees/email/announcement_subject.txt", context)
        body = render_to_string("subcommittees/email/announcement_body.txt", context)
    # Plain text rendered without escaping: return plain `str`, never the SafeString that
    # render_to_string gives, so a page showing it escapes the members' text.
    return " ".join(subject.split()), "".join(body)


def announcement_emails_send(*, announcement: Announcement) -> int:
    """Email a queued announcement, one message per recipient; returns how many were sent.

    Never sends twice: the announcement is claimed (`sent_at`) and committed before the first
    message leaves, so a re-run, a retry or a redelivered task finds it sent and does nothing.
    The mail connection is opened before the claim, so a mail server that is down raises
    `OSError` with nothing claimed and the task can retry. The cost of never sending twice is
    that a failure half-way leaves the rest unsent; it is logged and `recipient_count` says how
    many got it. Runs inside the association's scope (the task's); not atomic on purpose.
    """
    connection = get_connection()
    connection.open()
    try:
        with transaction.atomic():
            claimed = (
                Announcement.objects.select_for_update(of=("self",))
                .select_related("subcommittee__association")
                .get(pk=announcement.pk)
            )
            if claimed.sent_at is not None or claimed.is_draft:
                return 0
            recipients = announcement_recipient_emails(subcommittee=claimed.subcommittee)
            claimed.sent_at = timezone.now()
            claimed.recipient_count = len(recipients)
            claimed.save(update_fields=["sent_at", "recipient_count", "updated_at"])

        subject, body = announcement_email_render(announcement=claimed)
        contact = claimed.subcommittee.association.contact_email
        sent = 0
        try:
            for recipient in recipients:
                message = EmailMessage(
                    subject,
                    body,
                    to=[recipient],
                    reply_to=[contact] if contact else None,
                    connection=connection,
                )
                sent += message.send()
        except Exception:
            logger.exception(
                "announcement emails stopped half-way",
                extra={"announcement_id": claimed.pk, "sent": sent, "total": len(recipients)},
            )
            Announcement.objects.filter(pk=claimed.pk).update(recipient_count=sent)
        return sent
    finally:
        connection.close()
