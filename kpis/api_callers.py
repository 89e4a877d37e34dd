"""Who calls an office's endpoints: a system holding the office's API token, or a person.

A token (kpis/api.py `OfficeTokenAuthentication`) acts for its office only and for nothing
else; a person acts through their capabilities, as on the pages. Office endpoints of every
app (profile, staff, filings, postings, applications) take both, through these helpers; the
access helpers they call take the token (`token=`) and check it in the same place as the
capability.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from association.api_auth import ApiSessionAuthentication
from association.api_permissions import HasCapability
from association.http import access_of
from kpis.api import OfficeTokenAuthentication
from kpis.models import OfficeApiToken

OFFICE_AUTHENTICATION = [OfficeTokenAuthentication, ApiSessionAuthentication]


class OfficeTokenOrCapability(HasCapability):
    """An office's token passes (the view then reaches its office only); people need the
    view's capability, as HasCapability checks it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if isinstance(request.auth, OfficeApiToken):
            return True
        return super().has_permission(request, view)


def caller_token(request: Request) -> OfficeApiToken | None:
    return request.auth if isinstance(request.auth, OfficeApiToken) else None


def caller_office_ids(request: Request, capability: str) -> set[int]:
    """The offices the caller acts for with `capability`: the token's, or the person's own
    (through an office or head-office role; officers' association-wide rights not included)."""
    token = caller_token(request)
    if token is not None:
        return {token.office_id}
    return access_of(request).office_ids(capability)


def caller_user(request: Request) -> Any:
    """The person calling, or None for a token (recorded as nobody in the services' logs)."""
    return request.user if request.user.is_authenticated else None
