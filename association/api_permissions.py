"""The API's one permission class (kept apart from views: DRF imports it while loading views)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from association.permissions import AccessPolicy


class HasCapability(BasePermission):
    """Deny unless the view names a capability the user has in the request's association.

    A view sets `access_policy = AccessPolicy(...)`: `public=True` opens it to anyone;
    otherwise the user must be logged in and hold `capability` (None: any logged-in user).
    """

    def has_permission(self, request: Any, view: Any) -> bool:
        policy: AccessPolicy | None = getattr(view, "access_policy", None)
        if policy is None:
            return False
        if policy.public:
            return True
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(request, "association", None) is None:
            return False
        if policy.capability is None:
            return bool(request.access.is_member)
        return bool(request.access.can(policy.capability))
