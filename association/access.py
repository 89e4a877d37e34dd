"""Reaching one object across a permission boundary: the generic half of the access helpers.

Each app that owns a model has its `access_<thing>_by_id(access, pk, …)` helpers (in its
`access.py`) built from these two steps, always in this order:

1. `object_in_scope_or_404`: load the row from a queryset of the model's scoped manager, so
   another association's row does not exist here (404), and neither does a row the
   visitor may not know about at all (the queryset leaves those out: 404 too).
2. `require_capability`: the row is known to exist, but this person may not act on it (403).

Views and API views call the app's helper and never pair `get_object_or_404` with a check
of their own, so the check cannot be forgotten or written twice in two ways.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from association.http import InvalidParameter, parse_id
from association.permissions import Access

M = TypeVar("M", bound=Model)


def object_in_scope_or_404(queryset: QuerySet[M], pk: object, *, field: str | None = None) -> M:
    """The row of `queryset` with this id, or Http404.

    A malformed id (not ASCII digits, or past a bigint) is a 404 too; or, when `field` names
    the form field it came from, a 400 saying so (InvalidParameter). `queryset` comes from a
    scoped manager: run inside the request's association scope.
    """
    key = parse_id(pk)
    if key is None:
        if field is not None:
            raise InvalidParameter(field)
        raise Http404
    obj = queryset.filter(pk=key).first()
    if obj is None:
        raise Http404
    return obj


def require_capability(
    access: Access,
    capability: str,
    *,
    office_id: int | None = None,
    subcommittee_id: int | None = None,
) -> None:
    """PermissionDenied unless `capability` reaches the given office or subcommittee."""
    if not access.can(capability, office_id=office_id, subcommittee_id=subcommittee_id):
        raise PermissionDenied
