"""Writes on corporations and offices. Every page, import and the demo seed go through these."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, TypedDict
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from association.mail import send_templated_mail
from association.models import Association, Role, RoleKind
from core.identifiers import clean_corporate_number, clean_postal_code, clean_provider_number
from core.services import model_update
from members.models import (
    Corporation,
    CorporationKind,
    Invitation,
    Office,
    OfficeService,
    OfficeStatus,
)
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
    from members.selectors import offices_pending

    pending = offices_pending()
    count = pending.count()
    if count:
        send_templated_mail(
            template="members/email/pending_digest",
            context={"association": association, "count": count, "offices": list(pending[:50])},
            to=officer_emails(),
        )
    return count


def officer_emails() -> list[str]:
    return list(
        Role.objects.filter(kind=RoleKind.OFFICER).values_list("user__email", flat=True).distinct()
    )


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

    changed = model_update(instance=office, values=values)
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
            # The office may have changed 部会: its KPI history follows it (kpis/aggregates.py).
            from kpis.aggregates import office_aggregates_follow_membership

            office_aggregates_follow_membership(
                association_id=office.association_id, office_ids=[office.pk]
            )
    return changed


@transaction.atomic
def office_register(
    *,
    association: Association,
    applicant: Any,
    corporation_name: str,
    corporation_kind: CorporationKind | str,
    corporation_kana: str = "",
    corporate_number: str = "",
    name: str,
    provider_number: str,
    service_codes: Iterable[str],
    kana: str = "",
    postal_code: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    capacity: int | None = None,
) -> Office:
    """Self-registration: an office (and its corporation if new) waiting for an officer.

    A corporation the association already has is found by its 法人番号, so a head office
    adding its next office does not create a second corporation.
    """
    corporation = None
    if corporate_number:
        number = clean_corporate_number(corporate_number)
        corporation = Corporation.objects.filter(corporate_number=number).first()
        if corporation is not None and _name_key(corporation.name) != _name_key(corporation_name):
            # A mistyped number must not attach the office to someone else's corporation.
            raise ValidationError(
                {
                    "corporate_number": [
                        _(
                            "Corporate number %(number)s belongs to %(name)s here. Check the "
                            "number, or enter that corporation's name exactly."
                        )
                        % {"number": number, "name": corporation.name}
                    ]
                }
            )
    if corporation is None:
        corporation = corporation_create(
            association=association,
            name=corporation_name,
            kana=corporation_kana,
            kind=corporation_kind,
            corporate_number=corporate_number,
        )
    office = office_create(
        association=association,
        corporation=corporation,
        name=name,
        kana=kana,
        provider_number=provider_number,
        service_codes=service_codes,
        postal_code=postal_code,
        address=address,
        phone=phone,
        email=email,
        capacity=capacity,
        status=OfficeStatus.APPLIED,
    )
    office.applicant = applicant
    office.save(update_fields=["applicant"])
    context = {"association": association, "office": office}
    send_templated_mail(
        template="members/email/application_received", context=context, to=[applicant.email]
    )
    send_templated_mail(
        template="members/email/application_new", context=context, to=officer_emails()
    )
    return office


def _name_key(name: str) -> str:
    """Names compared as people type them: width, spaces and case folded."""
    return "".join(unicodedata.normalize("NFKC", name).split()).casefold()


def _decide(*, office: Office, by: Any, status: OfficeStatus, reason: str) -> Office:
    if office.status != OfficeStatus.APPLIED:
        raise ValidationError(
            _("%(office)s has already been decided (%(status)s).")
            % {"office": office.name, "status": office.get_status_display()}
        )
    now = timezone.now()
    office.status = status
    office.decided_at = now
    office.decided_by = by
    office.decision_reason = reason
    fields = ["status", "decided_at", "decided_by", "decision_reason"]
    if status == OfficeStatus.APPROVED:
        office.approved_at = now
        fields.append("approved_at")
    office.save(update_fields=fields)
    return office


@transaction.atomic
def office_approve(*, office: Office, by: Any, reason: str = "") -> Office:
    """Approve an application: the applicant becomes the office's administrator and is told."""
    from association.services import role_grant

    office = Office.objects.select_for_update().get(pk=office.pk)
    _decide(office=office, by=by, status=OfficeStatus.APPROVED, reason=reason)
    if office.applicant is not None:
        role_grant(
            association=office.association,
            user=office.applicant,
            kind=RoleKind.OFFICE_ADMIN,
            office=office,
        )
        send_templated_mail(
            template="members/email/application_approved",
            context={"association": office.association, "office": office},
            to=[office.applicant.email],
        )
    return office


@transaction.atomic
def office_reject(*, office: Office, by: Any, reason: str) -> Office:
    """Refuse an application with a reason the applicant reads."""
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the applicant a reason for the rejection.")]})
    office = Office.objects.select_for_update().get(pk=office.pk)
    _decide(office=office, by=by, status=OfficeStatus.REJECTED, reason=reason.strip())
    if office.applicant is not None:
        send_templated_mail(
            template="members/email/application_rejected",
            context={"association": office.association, "office": office},
            to=[office.applicant.email],
        )
    return office


INVITATION_LIFETIME_DAYS = 14


def _invitation_create(
    *,
    association: Association,
    office: Office | None,
    email: str,
    kind: str,
    invited_by: Any,
    accept_url: str,
) -> Invitation:
    invitation = Invitation.objects.create(
        association=association,
        office=office,
        email=email.strip().lower(),
        kind=kind,
        key=secrets.token_urlsafe(32),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=INVITATION_LIFETIME_DAYS),
    )
    send_templated_mail(
        template="members/email/invitation",
        context={
            "association": association,
            "office": office,
            "invitation": invitation,
            "url": f"{accept_url}?{urlencode({'key': invitation.key})}",
            "days": INVITATION_LIFETIME_DAYS,
        },
        to=[invitation.email],
    )
    return invitation


@transaction.atomic
def office_invitation_create(
    *, office: Office, email: str, kind: str, invited_by: Any, accept_url: str
) -> Invitation:
    """Invite a person by email to the office's staff; `accept_url` gets `?key=…` appended."""
    if kind not in (RoleKind.OFFICE_ADMIN, RoleKind.OFFICE_STAFF):
        raise ValidationError({"kind": [_("Choose office administrator or office staff.")]})
    return _invitation_create(
        association=office.association,
        office=office,
        email=email,
        kind=kind,
        invited_by=invited_by,
        accept_url=accept_url,
    )


@transaction.atomic
def city_viewer_invitation_create(
    *, association: Association, email: str, invited_by: Any, accept_url: str
) -> Invitation:
    """An officer invites a person of the city to read the published reports."""
    return _invitation_create(
        association=association,
        office=None,
        email=email,
        kind=RoleKind.CITY_VIEWER,
        invited_by=invited_by,
        accept_url=accept_url,
    )


@transaction.atomic
def invitation_accept(*, key: str, user: Any) -> Role:
    """The invited person, logged in with the invited (verified) address, takes the role."""
    from allauth.account.models import EmailAddress

    from association.services import role_grant

    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("association", "office")
        .filter(key=key)
        .first()
    )
    if invitation is None or invitation.accepted_at or invitation.expires_at < timezone.now():
        raise ValidationError(_("This invitation is not valid any more. Ask for a new one."))
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": invitation.email}
        )
    role = role_grant(
        association=invitation.association,
        user=user,
        kind=invitation.kind,
        office=invitation.office,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return role


@transaction.atomic
def office_staff_remove(*, office: Office, role: Role) -> None:
    """Take a person's role at the office away; the last administrator cannot be removed."""
    if role.office_id != office.pk:
        raise ValidationError(_("This person does not work at this office."))
    # Two admins removing each other at once: the second waits and then sees the first gone.
    Office.objects.select_for_update().get(pk=office.pk)
    if (
        role.kind == RoleKind.OFFICE_ADMIN
        and not Role.objects.filter(office=office, kind=RoleKind.OFFICE_ADMIN)
        .exclude(pk=role.pk)
        .exists()
    ):
        raise ValidationError(_("An office needs at least one administrator."))
    role.delete()


# Personal data kept only while needed: a refused application's contact details, and an
# invitation's email address once it was accepted or expired.
REJECTED_APPLICATION_RETENTION_DAYS = 90
INVITATION_RETENTION_DAYS = 30


@transaction.atomic
def personal_data_purge(*, now: Any = None) -> dict[str, int]:
    """Delete refused applications and finished invitations past their retention (in scope)."""
    now = now or timezone.now()
    rejected = Office.objects.filter(
        status=OfficeStatus.REJECTED,
        decided_at__lt=now - timedelta(days=REJECTED_APPLICATION_RETENTION_DAYS),
    )
    corporation_ids = set(rejected.values_list("corporation_id", flat=True))
    offices, _by_model = rejected.delete()
    # A corporation created only for a refused application goes with it.
    corporations, _by_model = Corporation.objects.filter(
        pk__in=corporation_ids, offices__isnull=True
    ).delete()
    cutoff = now - timedelta(days=INVITATION_RETENTION_DAYS)
    invitations, _by_model = Invitation.objects.filter(
        Q(accepted_at__lt=cutoff) | Q(accepted_at__isnull=True, expires_at__lt=cutoff)
    ).delete()
    return {"offices": offices, "corporations": corporations, "invitations": invitations}
