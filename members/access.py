"""Access helpers for offices: load inside the association's scope, then apply the capability.

Another association's office, or an id that is no office, is a 404; an office of this
association that the person may not act on is a 403 (it is in the member directory anyway).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from association.access import object_in_scope_or_404, require_capability
from association.permissions import Access
from members.models import Office, OfficeStatus
from members.selectors import office_list

if TYPE_CHECKING:
    from kpis.models import OfficeApiToken


def require_token_office(token: OfficeApiToken, office_id: int) -> None:
    """An office's API token acts for its own office only (403 for another of the association)."""
    if token.office_id != office_id:
        raise PermissionDenied


def access_office_by_id(
    access: Access,
    office_pk: object,
    *,
    capability: str,
    queryset: QuerySet[Office] | None = None,
    token: OfficeApiToken | None = None,
) -> Office:
    """The office, if `capability` reaches it (an office role for its own, officers for all);
    with an office's API `token`, that office only.

    `queryset` (of `Office.objects`) only says what to load along with it.
    """
    office = object_in_scope_or_404(
        Office.objects.all() if queryset is None else queryset, office_pk
    )
    if token is not None:
        require_token_office(token, office.pk)
    else:
        require_capability(access, capability, office_id=office.pk)
    return office


def access_office_profile_by_id(
    access: Access, office_pk: object, *, token: OfficeApiToken | None = None
) -> Office:
    """An office's profile page: approved offices for the directory's readers; one still
    applying (or rejected) only for those who manage it. An office's API token: its own."""
    office = object_in_scope_or_404(office_list(), office_pk)
    if token is not None:
        require_token_office(token, office.pk)
        return office
    require_capability(access, "members.directory")
    if office.status != OfficeStatus.APPROVED:
        require_capability(access, "office.manage", office_id=office.pk)
    return office
