"""Subcommittee membership, derived from the offices' services and the association's mapping."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from association.models import Role, RoleKind
from members.models import Office, OfficeService, OfficeStatus
from subcommittees.models import (
    Announcement,
    AttendanceStatus,
    Meeting,
    MeetingAttendance,
    ServiceTypeMapping,
    Subcommittee,
)

# --- The one membership rule -------------------------------------------------------------
# An office belongs to a 部会 when it offers a service type that the association's mapping
# (ServiceTypeMapping, edited by officers) puts in that 部会. Membership is derived, never
# stored; every app asks here.


def _mapped_codes(subcommittee: Any) -> QuerySet[ServiceTypeMapping, Any]:
    """The service codes the mapping puts in `subcommittee` (an instance, id or OuterRef)."""
    return ServiceTypeMapping.objects.filter(subcommittee=subcommittee).values("service_code")


def office_in_subcommittee(subcommittee: Any, *, office_ref: str = "pk") -> Exists:
    """A filter for Office querysets: the office offers a service mapped to `subcommittee`.
    `office_ref`: the outer field holding the office's id, for querysets of other models."""
    return Exists(
        OfficeService.objects.filter(
            office=OuterRef(office_ref), service_code__in=_mapped_codes(subcommittee)
        )
    )


def offices_in_subcommittee(*, subcommittee: Subcommittee) -> QuerySet[Office]:
    """Approved offices offering a service that the mapping puts in this subcommittee."""
    return Office.objects.filter(office_in_subcommittee(subcommittee), status=OfficeStatus.APPROVED)


def subcommittee_ids_of_offices(office_ids: Iterable[int]) -> set[int]:
    """The 部会 that any of these offices belongs to (one query)."""
    codes = OfficeService.objects.filter(office_id__in=list(office_ids)).values("service_code")
    return set(
        ServiceTypeMapping.objects.filter(service_code__in=codes).values_list(
            "subcommittee_id", flat=True
        )
    )


def subcommittee_office_ids(*, office_ids: Collection[int] | None = None) -> dict[int, set[int]]:
    """The offices of each 部会, whatever their status (for figures over past months); only
    among `office_ids` when given.

    Past filings of an office that has since left still count in the rates. Two queries.
    """
    subcommittees_of_code: dict[str, set[int]] = defaultdict(set)
    for code, subcommittee_id in ServiceTypeMapping.objects.values_list(
        "service_code", "subcommittee_id"
    ):
        subcommittees_of_code[code].add(subcommittee_id)
    offices_of: dict[int, set[int]] = defaultdict(set)
    services = OfficeService.objects.all()
    if office_ids is not None:
        if not office_ids:
            return {}
        services = services.filter(office_id__in=sorted(office_ids))
    for office_id, code in services.values_list("office_id", "service_code"):
        for subcommittee_id in subcommittees_of_code.get(code, ()):
            offices_of[subcommittee_id].add(office_id)
    return dict(offices_of)


def subcommittees_with_office_counts() -> QuerySet[Subcommittee]:
    """Each subcommittee with `office_count` (approved offices), in one query."""
    members = (
        Office.objects.filter(
            status=OfficeStatus.APPROVED,
            services__service_code__in=_mapped_codes(OuterRef(OuterRef("pk"))),
        )
        .order_by()
        .values("association")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Subcommittee.objects.annotate(
        office_count=Coalesce(Subquery(members, output_field=IntegerField()), 0)
    ).order_by("pk")


def subcommittee_office_list(*, subcommittee: Subcommittee) -> QuerySet[Office]:
    """The subcommittee's member offices for a page: corporation and services in two queries."""
    return (
        offices_in_subcommittee(subcommittee=subcommittee)
        .select_related("corporation")
        .prefetch_related("services")
        .order_by("kana", "name", "pk")
    )


def meetings_upcoming(*, subcommittee: Subcommittee, now: datetime) -> QuerySet[Meeting]:
    """Meetings not yet over (those under way included), soonest first."""
    return (
        Meeting.objects.filter(subcommittee=subcommittee)
        .filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now))
        .order_by("starts_at", "pk")
    )


def meetings_past(*, subcommittee: Subcommittee, now: datetime) -> QuerySet[Meeting]:
    """Meetings that are over, latest first."""
    return (
        Meeting.objects.filter(subcommittee=subcommittee)
        .filter(Q(ends_at__lt=now) | Q(ends_at__isnull=True, starts_at__lt=now))
        .order_by("-starts_at", "-pk")
    )


def announcements_sent(*, subcommittee: Subcommittee) -> QuerySet[Announcement]:
    """What members may read on the subcommittee's page: announcements already emailed."""
    return Announcement.objects.filter(subcommittee=subcommittee, sent_at__isnull=False).order_by(
        "-sent_at", "-pk"
    )


def announcements_unsent(*, subcommittee: Subcommittee) -> QuerySet[Announcement]:
    """Drafts and announcements waiting for the mail task, for the subcommittee's managers."""
    return Announcement.objects.filter(subcommittee=subcommittee, sent_at__isnull=True).order_by(
        "-created_at", "-pk"
    )


def meeting_attendance_sheet(*, meeting: Meeting) -> QuerySet[Office]:
    """The offices whose attendance a meeting records, each with `attendance_status` (or None).

    The subcommittee's current members, plus any office already recorded for this meeting
    (an office that has left since keeps its history). One query, whatever the size.
    """
    recorded = MeetingAttendance.objects.filter(meeting=meeting)
    members = offices_in_subcommittee(subcommittee=meeting.subcommittee)
    return (
        Office.objects.filter(
            Q(pk__in=members.values("pk")) | Q(pk__in=recorded.values("office_id"))
        )
        .annotate(
            attendance_status=Subquery(
                recorded.filter(office=OuterRef("pk")).values("status")[:1],
                output_field=CharField(),
            )
        )
        .order_by("kana", "name", "pk")
    )


def attendance_counts(*, meeting: Meeting) -> dict[str, int]:
    """How many offices have each attendance status at a meeting."""
    counts = dict(
        MeetingAttendance.objects.filter(meeting=meeting)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in AttendanceStatus.values}


def announcement_recipient_emails(*, subcommittee: Subcommittee) -> list[str]:
    """The addresses an announcement goes to: every active user holding an office-admin or
    office-staff role for an approved office in the subcommittee, each address once.

    Membership is the derived one (`offices_in_subcommittee`); the explicit association filter
    backs up the scope, so nobody of another association is ever a recipient.
    """
    emails = (
        Role.objects.filter(
            association_id=subcommittee.association_id,
            kind__in=[RoleKind.OFFICE_ADMIN, RoleKind.OFFICE_STAFF],
            office__in=offices_in_subcommittee(subcommittee=subcommittee).values("pk"),
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    unique: dict[str, str] = {}
    for email in emails:
        unique.setdefault(email.strip().lower(), email.strip())
    return sorted(unique.values())


def subcommittee_overview(*, now: datetime) -> QuerySet[Subcommittee]:
    """Each subcommittee with `office_count` and `next_meeting_at` (None when none is planned)."""
    next_meeting = (
        Meeting.objects.filter(subcommittee=OuterRef("pk"), starts_at__gte=now)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return subcommittees_with_office_counts().annotate(next_meeting_at=Subquery(next_meeting))
