"""Writes on associations and roles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django_scopes import scopes_disabled

from association.hosts import hosts_changed
from association.models import (
    AccessibilityAudit,
    Association,
    AssociationDomain,
    Role,
    RoleKind,
)
from core.identifiers import clean_municipality_code


@transaction.atomic
def association_create(
    *,
    slug: str,
    name: str,
    short_name: str = "",
    municipality_code: str = "",
    domains: Iterable[str] = (),
    description: str = "",
    contact_email: str = "",
) -> Association:
    """A new tenant with its host names and its four subcommittees."""
    from kpis.services import national_benchmarks_create_defaults
    from subcommittees.services import subcommittees_create_defaults

    association = Association.objects.create(
        slug=slug,
        name=name,
        short_name=short_name,
        municipality_code=clean_municipality_code(municipality_code) if municipality_code else "",
        description=description,
        contact_email=contact_email,
    )
    AssociationDomain.objects.bulk_create(
        AssociationDomain(association=association, domain=domain.lower()) for domain in domains
    )
    subcommittees_create_defaults(association=association)
    national_benchmarks_create_defaults(association=association)
    hosts_changed()
    return association


@transaction.atomic
def role_grant(
    *,
    association: Association,
    user: Any,
    kind: RoleKind | str,
    office: Any = None,
    subcommittee: Any = None,
    corporation: Any = None,
) -> Role:
    """Give `user` a role in `association` (idempotent)."""
    if office is not None and office.association_id != association.pk:
        raise ValueError("office belongs to another association")
    if subcommittee is not None and subcommittee.association_id != association.pk:
        raise ValueError("subcommittee belongs to another association")
    if corporation is not None and corporation.association_id != association.pk:
        raise ValueError("corporation belongs to another association")
    with scopes_disabled():
        role, _created = Role.objects.get_or_create(
            association=association,
            user=user,
            kind=kind,
            office=office,
            subcommittee=subcommittee,
            corporation=corporation,
        )
    return role


@transaction.atomic
def role_revoke(*, role: Role) -> None:
    """Take a role away (office roles go through members.services.office_staff_remove, which
    keeps the last administrator)."""
    if role.office_id is not None:
        raise ValueError("use office_staff_remove for office roles")
    role.delete()


MAX_AUDIT_ENTRIES = 100
MAX_AUDIT_RULES = 50


@transaction.atomic
def accessibility_audit_record(
    *,
    association: Association,
    base_url: str,
    axe_version: str,
    results: list[dict[str, Any]],
    ran_at: datetime,
) -> AccessibilityAudit:
    """Keep one accessibility audit's results (association.accessibility), bounded: at most
    MAX_AUDIT_ENTRIES pages × widths and MAX_AUDIT_RULES rules each."""
    kept = []
    for entry in results[:MAX_AUDIT_ENTRIES]:
        entry = dict(entry)
        if "rules" in entry:
            entry["rules"] = entry["rules"][:MAX_AUDIT_RULES]
        kept.append(entry)
    return AccessibilityAudit.objects.create(
        association=association,
        base_url=base_url[:300],
        axe_version=axe_version[:32],
        results=kept,
        ran_at=ran_at,
    )


PROFILE_FIELDS = (
    "description",
    "contact_email",
    "contact_phone",
    "contact_address",
    "contact_hours",
    "hero_image",
    "hero_image_alt",
)


@transaction.atomic
def association_profile_update(*, association: Association, **fields: Any) -> Association:
    """Officers' edit of the home page's introduction, contact and image. Every public page
    shows the contact in its footer, so all of them go stale (the host table's version)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(association, name, value)
    association.full_clean()
    if association.hero_image and not association.hero_image_alt.strip():
        raise ValidationError(
            {"hero_image_alt": _("Describe the image for people who cannot see it.")}
        )
    association.save()
    hosts_changed()
    return association
