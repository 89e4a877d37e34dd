"""Writes on corporations and offices. Every page, import and the demo seed go through these."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from association.models import Association
from members.identifiers import clean_corporate_number, clean_postal_code, clean_provider_number
from members.models import Corporation, CorporationKind, Office, OfficeService, OfficeStatus
from members.service_types import SERVICE_TYPES_BY_CODE


@transaction.atomic
def corporation_create(
    *,
    association: Association,
    name: str,
    kind: CorporationKind | str,
    kana: str = "",
    corporate_number: str = "",
) -> Corporation:
    number = clean_corporate_number(corporate_number) if corporate_number else ""
    if number and Corporation.objects.filter(corporate_number=number).exists():
        raise ValidationError(
            {
                "corporate_number": _("Corporate number %(number)s is already registered.")
                % {"number": number}
            }
        )
    return Corporation.objects.create(
        association=association, name=name, kana=kana, kind=kind, corporate_number=number
    )


@transaction.atomic
def office_create(
    *,
    association: Association,
    corporation: Corporation,
    name: str,
    provider_number: str,
    service_codes: Iterable[str],
    kana: str = "",
    postal_code: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    capacity: int | None = None,
    status: OfficeStatus = OfficeStatus.APPLIED,
) -> Office:
    """Create an office with its services; refuses a provider number the association already has."""
    errors: dict[str, list[str]] = {}
    number = ""
    try:
        number = clean_provider_number(provider_number)
    except ValidationError as error:
        errors["provider_number"] = error.messages
    if number:
        holder = Office.objects.filter(provider_number=number).first()
        if holder is not None:
            errors["provider_number"] = [
                _("Provider number %(number)s is already held by %(office)s.")
                % {"number": number, "office": holder.name}
            ]
    codes = sorted(set(service_codes))
    unknown = [code for code in codes if code not in SERVICE_TYPES_BY_CODE]
    if not codes or unknown:
        errors["service_codes"] = [
            _("Unknown service type code: %(codes)s.") % {"codes": ", ".join(unknown)}
            if unknown
            else _("Choose at least one service type.")
        ]
    if postal_code:
        try:
            postal_code = clean_postal_code(postal_code)
        except ValidationError as error:
            errors["postal_code"] = error.messages
    if corporation.association_id != association.pk:
        errors["corporation"] = [_("This corporation belongs to another association.")]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    office = Office.objects.create(
        association=association,
        corporation=corporation,
        name=name,
        kana=kana,
        provider_number=number,
        postal_code=postal_code,
        address=address,
        phone=phone,
        email=email,
        capacity=capacity,
        status=status,
        applied_at=now,
        approved_at=now if status == OfficeStatus.APPROVED else None,
    )
    OfficeService.objects.bulk_create(OfficeService(office=office, service_code=c) for c in codes)
    return office


def pending_applications_digest_send(*, association: Association) -> int:
    """Email the association's officers the offices waiting for approval; returns how many wait.

    Sends nothing when no office waits. Runs inside the association's scope.
    """
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    from association.models import Role, RoleKind
    from members.selectors import offices_pending

    pending = offices_pending()
    count = pending.count()
    if count == 0:
        return 0
    recipients = sorted(
        {
            email
            for email in Role.objects.filter(kind=RoleKind.OFFICER).values_list(
                "user__email", flat=True
            )
            if email
        }
    )
    if not recipients:
        return count
    context = {"association": association, "count": count, "offices": list(pending[:50])}
    with translation.override("ja"):
        subject = render_to_string("members/email/pending_digest_subject.txt", context).strip()
        body = render_to_string("members/email/pending_digest_body.txt", context)
    send_mail(subject, body, None, recipients)
    return count


class OfficeChanges(TypedDict, total=False):
    """Fields of an office that a profile edit or a roster import may change."""

    name: str
    kana: str
    corporation: Corporation
    service_codes: list[str]
    postal_code: str
    address: str
    phone: str
    email: str
    capacity: int | None
    status: OfficeStatus


@transaction.atomic
def office_update(*, office: Office, changes: OfficeChanges) -> list[str]:
    """Apply `changes` after validating them; returns the names of fields that really changed.

    The provider number is not editable here: it identifies the office (re-register instead).
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = dict(changes)
    if values.get("postal_code"):
        try:
            values["postal_code"] = clean_postal_code(str(values["postal_code"]))
        except ValidationError as error:
            errors["postal_code"] = error.messages
    codes = values.pop("service_codes", None)
    if codes is not None:
        codes = sorted(set(codes))  # type: ignore[call-overload]
        unknown = [code for code in codes if code not in SERVICE_TYPES_BY_CODE]
        if not codes or unknown:
            errors["service_codes"] = [
                _("Unknown service type code: %(codes)s.") % {"codes": ", ".join(unknown)}
                if unknown
                else _("Choose at least one service type.")
            ]
    corporation = values.get("corporation")
    if isinstance(corporation, Corporation) and corporation.association_id != office.association_id:
        errors["corporation"] = [_("This corporation belongs to another association.")]
    if errors:
        raise ValidationError(errors)

    changed = [name for name, value in values.items() if getattr(office, name) != value]
    for name in changed:
        setattr(office, name, values[name])
    if changed:
        office.save(update_fields=changed)
    if codes is not None:
        current = set(office.services.values_list("service_code", flat=True))
        if current != set(codes):
            office.services.exclude(service_code__in=codes).delete()
            OfficeService.objects.bulk_create(
                OfficeService(office=office, service_code=code)
                for code in codes
                if code not in current
            )
            changed.append("service_codes")
    return changed
