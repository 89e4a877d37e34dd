"""Reads about offices that pages, API, tasks and reports share. Callers run inside a scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from association.models import Role
from members.models import Office, OfficeService, OfficeStatus


def office_status_counts() -> dict[str, int]:
    counts = dict(
        Office.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in OfficeStatus.values}


def offices_pending() -> QuerySet[Office]:
    return (
        Office.objects.filter(status=OfficeStatus.APPLIED)
        .select_related("corporation")
        .order_by("applied_at", "pk")
    )


def office_list() -> QuerySet[Office]:
    return Office.objects.select_related("corporation").prefetch_related("services")


def office_directory(
    *, query: str = "", service_code: str = "", subcommittee_id: int | None = None
) -> QuerySet[Office]:
    """Approved offices matching a search, with their corporation and services."""
    from core.identifiers import normalize_code
    from subcommittees.selectors import office_in_subcommittee

    offices = office_list().filter(status=OfficeStatus.APPROVED)
    if query:
        number = normalize_code(query)
        offices = offices.filter(
            Q(name__icontains=query)
            | Q(kana__icontains=query)
            | Q(corporation__name__icontains=query)
            | Q(provider_number__startswith=number)
        )
    # Filters by service use EXISTS, so no join multiplies rows and no DISTINCT is needed.
    if service_code:
        offices = offices.filter(
            Exists(OfficeService.objects.filter(office=OuterRef("pk"), service_code=service_code))
        )
    if subcommittee_id:
        offices = offices.filter(office_in_subcommittee(subcommittee_id))
    return offices.order_by("kana", "name", "pk")


def applications_of(*, user: Any) -> QuerySet[Office]:
    return (
        Office.objects.filter(applicant=user).select_related("corporation").order_by("-applied_at")
    )


def office_staff(*, office: Office) -> QuerySet[Role]:
    return Role.objects.filter(office=office).select_related("user").order_by("kind", "user__email")
