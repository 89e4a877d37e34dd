"""Capabilities: what a role lets its holder do. Views and APIs name a capability, never a role.

A capability is either association-wide (an officer approving offices) or bound to a target
(an office admin managing *their* office); `Access.can()` answers both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http.response import HttpResponseBase

from association.http import AssociationRequest
from association.models import RoleKind

if TYPE_CHECKING:
    from association.models import Association, Role

# capability -> the role kinds that grant it
CAPABILITIES: dict[str, frozenset[str]] = {
    "dashboard.view": frozenset({RoleKind.OFFICER, RoleKind.SUBCOMMITTEE_LEADER}),
    "admin.access": frozenset({RoleKind.OFFICER}),
    "association.manage": frozenset({RoleKind.OFFICER}),
    "members.directory": frozenset(
        {
            RoleKind.OFFICER,
            RoleKind.SUBCOMMITTEE_LEADER,
            RoleKind.OFFICE_ADMIN,
            RoleKind.OFFICE_STAFF,
            RoleKind.CORPORATION_ADMIN,
        }
    ),
    "members.approve": frozenset({RoleKind.OFFICER}),
    "members.import": frozenset({RoleKind.OFFICER}),
    "office.manage": frozenset(
        {RoleKind.OFFICER, RoleKind.OFFICE_ADMIN, RoleKind.CORPORATION_ADMIN}
    ),
    "kpis.file": frozenset(
        {RoleKind.OFFICE_ADMIN, RoleKind.OFFICE_STAFF, RoleKind.CORPORATION_ADMIN}
    ),
    "kpis.view_all": frozenset({RoleKind.OFFICER}),
    "kpis.manage": frozenset({RoleKind.OFFICER}),
    # API tokens file as the office: only those who file for it may create them, not officers.
    "kpis.tokens": frozenset({RoleKind.OFFICE_ADMIN, RoleKind.CORPORATION_ADMIN}),
    # Joint recruitment: an office's people and its head office post jobs and handle the
    # applications; officers are left out on purpose (they see counts, never applicants).
    "recruitment.post": frozenset(
        {RoleKind.OFFICE_ADMIN, RoleKind.OFFICE_STAFF, RoleKind.CORPORATION_ADMIN}
    ),
    "subcommittee.manage": frozenset({RoleKind.OFFICER, RoleKind.SUBCOMMITTEE_LEADER}),
    # News: a leader writes and publishes their own 部会's articles; officers every article,
    # including those of the association as a whole (news.access).
    "news.manage": frozenset({RoleKind.OFFICER, RoleKind.SUBCOMMITTEE_LEADER}),
    "news.manage_all": frozenset({RoleKind.OFFICER}),
    "reports.view": frozenset({RoleKind.OFFICER, RoleKind.CITY_VIEWER}),
    "reports.download": frozenset({RoleKind.OFFICER, RoleKind.CITY_VIEWER}),
}

# Officers' capabilities reach every office and subcommittee of their association.
_ASSOCIATION_WIDE = frozenset({RoleKind.OFFICER, RoleKind.CITY_VIEWER})


@dataclass
class Access:
    """What one user may do in one association; built once per request."""

    is_superuser: bool
    roles: list[Role] = field(default_factory=list)
    # corporation id -> its offices, for head-office roles
    corporation_offices: dict[int, frozenset[int]] = field(default_factory=dict)

    def _role_offices(self, role: Role) -> frozenset[int]:
        if role.corporation_id:
            return self.corporation_offices.get(role.corporation_id, frozenset())
        return frozenset({role.office_id}) if role.office_id else frozenset()

    @property
    def role_kinds(self) -> frozenset[str]:
        return frozenset(role.kind for role in self.roles)

    @property
    def is_member(self) -> bool:
        return self.is_superuser or bool(self.roles)

    @property
    def is_officer(self) -> bool:
        return RoleKind.OFFICER in self.role_kinds

    def can(
        self,
        capability: str,
        *,
        office_id: int | None = None,
        subcommittee_id: int | None = None,
    ) -> bool:
        """True when a role grants `capability`, for the given office or subcommittee if named."""
        if capability not in CAPABILITIES:
            raise ValueError(f"unknown capability {capability!r}")
        if self.is_superuser:
            return True
        granting = CAPABILITIES[capability]
        for role in self.roles:
            if role.kind not in granting:
                continue
            if role.kind in _ASSOCIATION_WIDE:
                return True
            if office_id is not None and office_id not in self._role_offices(role):
                continue
            if subcommittee_id is not None and role.subcommittee_id != subcommittee_id:
                continue
            return True
        return False

    @property
    def own_office_ids(self) -> set[int]:
        """Offices the user works for: files for, or administers."""
        return self.office_ids("kpis.file") | self.office_ids("office.manage")

    @property
    def managed_office_ids(self) -> set[int]:
        """Offices the user administers through an office or head-office role."""
        return self.office_ids("office.manage")

    def office_ids(self, capability: str) -> set[int]:
        """Offices on which a role (not officer-wide) grants `capability`."""
        granting = CAPABILITIES[capability]
        return {
            office
            for role in self.roles
            if role.kind in granting
            for office in self._role_offices(role)
        }


def access_for(user: Any, association: Association | None) -> Access:
    from association.selectors import corporation_office_ids, roles_for_user

    if not getattr(user, "is_authenticated", False):
        return Access(is_superuser=False)
    roles: list[Role] = (
        list(roles_for_user(user=user, association=association)) if association else []
    )
    corporations = {role.corporation_id for role in roles if role.corporation_id}
    return Access(
        is_superuser=user.is_superuser,
        roles=roles,
        corporation_offices=corporation_office_ids(corporation_ids=corporations)
        if corporations
        else {},
    )


@dataclass(frozen=True)
class AccessPolicy:
    """How a view may be reached; the isolation matrix reads it from every route."""

    public: bool = False
    capability: str | None = None
    # Any logged-in person, member of this association or not (e.g. applying to join).
    authenticated: bool = False


ViewFunc = Callable[..., HttpResponseBase]


def public(view: ViewFunc) -> ViewFunc:
    """Mark a view as open to anyone, logged in or not."""
    view.access_policy = AccessPolicy(public=True)  # type: ignore[attr-defined]
    return view


def authenticated(view: ViewFunc) -> ViewFunc:
    """Log-in required, nothing more: for people who are not members yet."""

    @wraps(view)
    def wrapped(request: AssociationRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.access_policy = AccessPolicy(authenticated=True)  # type: ignore[attr-defined]
    return wrapped


def requires(capability: str) -> Callable[[ViewFunc], ViewFunc]:
    """Log-in plus `capability` in the request's association, or 403."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: AssociationRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.access.can(capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.access_policy = AccessPolicy(capability=capability)  # type: ignore[attr-defined]
        return wrapped

    return decorator
