"""Small builders for the subcommittee tests, all through the services the pages use."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django_scopes import scope

from association.models import RoleKind
from association.services import role_grant
from members.models import Corporation, Office, OfficeStatus
from members.services import office_create
from subcommittees.models import Announcement, Meeting, Subcommittee, SubcommitteeKind
from subcommittees.services import announcement_create, meeting_create
from tests.tenants import Tenant, make_user, provider_number

TOKYO = ZoneInfo("Asia/Tokyo")
_serials = count(100)


def subcommittee_of(tenant: Tenant, kind: SubcommitteeKind) -> Subcommittee:
    with scope(association=tenant.association.pk):
        return Subcommittee.objects.get(kind=kind)


def add_office(
    tenant: Tenant,
    codes: list[str],
    *,
    status: OfficeStatus = OfficeStatus.APPROVED,
    name: str | None = None,
) -> Office:
    """Another office of the tenant's first corporation, with a fresh provider number."""
    serial = next(_serials)
    district = tenant.offices[0].provider_number[3:5]
    with scope(association=tenant.association.pk):
        corporation = Corporation.objects.order_by("pk").first()
        assert corporation is not None
        office = office_create(
            association=tenant.association,
            corporation=corporation,
            name=name or f"{tenant.marker}追加事業所{serial}",
            kana=f"ついか{serial:04d}",
            provider_number=provider_number(district, serial),
            service_codes=codes,
            status=status,
        )
    tenant.offices.append(office)
    return office


def add_staff(
    tenant: Tenant,
    office: Office,
    email: str | None = None,
    *,
    kind: RoleKind = RoleKind.OFFICE_STAFF,
    user: Any = None,
) -> Any:
    """A user with an office role (a new user unless `user` is given)."""
    if user is None:
        user = make_user(email or f"staff{next(_serials)}@{tenant.association.slug}.example")
    role_grant(association=tenant.association, user=user, kind=kind, office=office)
    return user


def add_meeting(
    tenant: Tenant, subcommittee: Subcommittee, starts_at: datetime | None = None, **values: Any
) -> Meeting:
    with scope(association=tenant.association.pk):
        return meeting_create(
            subcommittee=subcommittee,
            title=values.pop("title", f"{subcommittee.name} 定例会"),
            starts_at=starts_at or datetime(2026, 9, 1, 14, 0, tzinfo=TOKYO),
            place=values.pop("place", "市民会館"),
            **values,
        )


def add_announcement(tenant: Tenant, subcommittee: Subcommittee, **values: Any) -> Announcement:
    with scope(association=tenant.association.pk):
        return announcement_create(
            subcommittee=subcommittee,
            subject=values.pop("subject", f"{subcommittee.name}からのお知らせ"),
            body=values.pop("body", "ご確認ください。"),
            **values,
        )


def mails_in(folder: Path) -> list[EmailMessage]:
    """Every message Django's file email backend wrote into `folder`."""
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                messages.append(message_from_bytes(chunk, policy=default_policy))
    return messages
