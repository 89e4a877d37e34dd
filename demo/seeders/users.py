"""The demo log-ins listed in the README, one per role (`association.services.role_grant`)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from association.models import Association, RoleKind
from association.services import role_grant
from members.models import Corporation, Office, OfficeStatus
from subcommittees.models import Subcommittee, SubcommitteeKind

DEMO_PASSWORD = "renkei-demo-2026"  # noqa: S105 - printed for people trying the demo
OPERATOR_EMAIL = "operator@renkei.example"


def demo_office() -> Office | None:
    """The office the demo office admin and staff work at: the first approved one."""
    return Office.objects.filter(status=OfficeStatus.APPROVED).order_by("pk").first()


@transaction.atomic
def demo_users_seed(*, association: Association, superuser: bool) -> list[tuple[str, str]]:
    """The demo users with verified addresses and their roles; (label, email) of each. Runs
    inside the association's scope. A role whose office or corporation does not exist (a seed
    with `--offices 0`) is left out; the user still exists."""
    slug = association.slug
    office = demo_office()
    kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
    largest = Corporation.objects.annotate(n=Count("offices")).order_by("-n", "pk").first()
    people: list[tuple[str, str, dict[str, Any] | None]] = [
        ("officer", f"officer@{slug}.example", {"kind": RoleKind.OFFICER}),
        (
            "subcommittee leader",
            f"leader@{slug}.example",
            {"kind": RoleKind.SUBCOMMITTEE_LEADER, "subcommittee": kyotaku},
        ),
        (
            "office admin",
            f"office-admin@{slug}.example",
            {"kind": RoleKind.OFFICE_ADMIN, "office": office},
        ),
        (
            "office staff",
            f"office-staff@{slug}.example",
            {"kind": RoleKind.OFFICE_STAFF, "office": office},
        ),
        (
            "corporation head office",
            f"head-office@{slug}.example",
            {"kind": RoleKind.CORPORATION_ADMIN, "corporation": largest},
        ),
        ("city viewer", f"city@{slug}.example", {"kind": RoleKind.CITY_VIEWER}),
    ]
    if superuser:
        people.insert(0, ("platform operator", OPERATOR_EMAIL, None))
    for _label, email, role in people:
        user = _demo_user(email, superuser=role is None)
        missing_target = any(
            key in (role or {}) and (role or {})[key] is None for key in ("office", "corporation")
        )
        if role is not None and not missing_target:
            role_grant(association=association, user=user, **role)
    return [(label, email) for label, email, _role in people]


def _demo_user(email: str, *, superuser: bool) -> Any:
    """The user with `email` and the demo password (allauth has no service to create one: the
    sign-up form would send a confirmation mail; the demo's addresses are verified at once)."""
    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(username=email, email=email, is_superuser=superuser, is_staff=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user
