"""The request as Renkei's views see it: what AssociationMiddleware adds to every request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.utils.translation import gettext as _

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


# The largest id PostgreSQL stores (bigint); a larger number names nothing.
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """An id as a browser or client sends it: ASCII digits naming a positive bigint, else None.

    Not `str.isdigit()` or `int()` alone: both take other scripts' digits ("²", "٣").
    """
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


class InvalidParameter(BadRequest):
    """A query or form parameter that is not what the page takes: a 400 naming the field
    (association.views.bad_request renders it; the API answers in its own error format)."""

    def __init__(self, field: str, message: str | None = None) -> None:
        self.field = field
        self.message = message or _("“%(field)s” is not a valid id.") % {"field": field}
        super().__init__(self.message)
