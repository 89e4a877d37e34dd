"""Who calls an office's endpoints: a system holding the office's API token, or a person.

A token (`OfficeTokenAuthentication`) acts for its office only and for nothing
else; a person acts through their capabilities, as on the pages. Office endpoints of every
app (profile, staff, filings, postings, applications) take both, through these helpers; the
access helpers they call take the token (`token=`) and check it in the same place as the
capability.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from association.api_auth import ApiSessionAuthentication
from association.api_permissions import HasCapability
from association.http import access_of
from kpis.models import OfficeApiToken
from kpis.tokens import token_authenticate


class OfficePrincipal(AnonymousUser):
    """Who calls with an office's token: nobody's account, only the right to file for it.

    Anonymous to everything else in the project (no roles, no capabilities), so a token can
    never open a page or an endpoint meant for people.
    """

    def __init__(self, token: OfficeApiToken) -> None:
        self.token = token
        self.office = token.office

    def __str__(self) -> str:
        return f"API token {self.token.prefix}… of office {self.office.pk}"


class OfficeTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>` with a live token of an approved office of this host."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[OfficePrincipal, OfficeApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the header as “Authorization: Bearer <token>”."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed(_("The token is not valid, or it was revoked.")) from error
        # Inside the request's association scope: another association's token is not found.
        token = token_authenticate(raw=raw)
        if token is None:
            raise AuthenticationFailed(_("The token is not valid, or it was revoked."))
        return OfficePrincipal(token), token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class OfficeTokenScheme(OpenApiAuthenticationExtension):
    target_class = OfficeTokenAuthentication
    name = "officeToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Bearer",  # noqa: S106 - the scheme name, not a secret
        )


OFFICE_AUTHENTICATION = [OfficeTokenAuthentication, ApiSessionAuthentication]


class OfficeTokenOrCapability(HasCapability):
    """An office's token passes (the view then reaches its office only); people need the
    view's capability, as HasCapability checks it."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if isinstance(request.auth, OfficeApiToken):
            return True
        return super().has_permission(request, view)


class OfficeEndpoint(GenericAPIView):
    """An office's endpoint: called with the office's token or by a person with the view's
    capability (`access_policy`); the view then reaches the caller's offices only
    (`caller_office_ids`, or the access helpers with `token=caller_token(request)`)."""

    authentication_classes = OFFICE_AUTHENTICATION
    permission_classes = [OfficeTokenOrCapability]


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
