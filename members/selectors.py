"""Reads about offices that pages, API, tasks and reports share. Callers run inside a scope."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from members.models import Office, OfficeStatus


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
