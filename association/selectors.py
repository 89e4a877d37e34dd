"""Reads about associations and roles that pages, API and tasks share."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from association.models import AccessibilityAudit, Association, Role


def association_for_host(*, host: str) -> Association | None:
    """The association a host serves: its own domain, or the only association there is.

    Returns None when several associations exist and none claims the host (the caller
    answers 404), or when there is none yet. Read from this process's host table
    (association.hosts), not from the database on every request.
    """
    from association.hosts import resolve_host

    return resolve_host(host)


def roles_for_user(*, user: Any, association: Association) -> QuerySet[Role]:
    """The user's roles in one association (an explicit filter: used before a scope exists)."""
    with scopes_disabled():
        return Role.objects.filter(user=user, association=association).select_related(
            "office", "subcommittee", "corporation"
        )


def associations_for_user(*, user: Any) -> QuerySet[Association]:
    return Association.objects.filter(roles__user=user).distinct()


def corporation_office_ids(*, corporation_ids: set[int]) -> dict[int, frozenset[int]]:
    """The offices of each corporation, for head-office roles (one query)."""
    from members.models import Office, OfficeStatus

    offices: dict[int, set[int]] = {pk: set() for pk in corporation_ids}
    with scopes_disabled():
        rows = Office.objects.filter(
            corporation_id__in=corporation_ids,
            status__in=[OfficeStatus.APPROVED, OfficeStatus.SUSPENDED, OfficeStatus.WITHDRAWN],
        ).values_list("corporation_id", "pk")
        for corporation_id, office_id in rows:
            offices[corporation_id].add(office_id)
    return {pk: frozenset(ids) for pk, ids in offices.items()}


def accessibility_audit_latest() -> AccessibilityAudit | None:
    """The newest accessibility audit of the association in scope (the statement page)."""
    return AccessibilityAudit.objects.order_by("-ran_at", "-pk").first()
