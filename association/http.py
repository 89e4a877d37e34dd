"""The request as Renkei's views see it: what AssociationMiddleware adds to every request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest

if TYPE_CHECKING:
    from association.models import Association
    from association.permissions import Access


class AssociationRequest(HttpRequest):
    """`association`: the tenant of the request's host; `access`: the user's roles and
    capabilities in it (lazy). Only a fresh install with no association yet, and the tenantless
    paths (/healthz, /static/), see None: views behind a capability never do."""

    association: Association
    access: Access


def access_of(request: Any) -> Access:
    """The access of a request typed by a framework as its own (admin, DRF, middleware)."""
    return cast(AssociationRequest, request).access


def association_of(request: Any) -> Association:
    """The association of a request typed by a framework as its own (admin, DRF, middleware)."""
    return cast(AssociationRequest, request).association
