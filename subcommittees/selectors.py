"""Subcommittee membership, derived from the offices' services and the association's mapping."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from members.models import Office, OfficeStatus
from subcommittees.models import ServiceTypeMapping, Subcommittee


def offices_in_subcommittee(*, subcommittee: Subcommittee) -> QuerySet[Office]:
    """Approved offices offering a service that the mapping puts in this subcommittee."""
    codes = ServiceTypeMapping.objects.filter(subcommittee=subcommittee).values("service_code")
    return Office.objects.filter(
        status=OfficeStatus.APPROVED, services__service_code__in=codes
    ).distinct()


def subcommittees_with_office_counts() -> QuerySet[Subcommittee]:
    """Each subcommittee with `office_count` (approved offices), in one query."""
    members = (
        Office.objects.filter(
            status=OfficeStatus.APPROVED,
            services__service_code__in=ServiceTypeMapping.objects.filter(
                subcommittee=OuterRef(OuterRef("pk"))
            ).values("service_code"),
        )
        .order_by()
        .values("association")
        .annotate(n=Count("pk", distinct=True))
        .values("n")
    )
    return Subcommittee.objects.annotate(
        office_count=Coalesce(Subquery(members, output_field=IntegerField()), 0)
    ).order_by("pk")
