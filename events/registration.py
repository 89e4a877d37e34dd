"""Citizens' registrations: capacity, waiting list, time-limited offers, cancellation, retention.

Every function runs inside the association's scope. Seats are counted under a row lock on the
event, so two people taking the last seat at once cannot both be confirmed.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from association.mail import send_templated_mail
from events.models import Event, EventStatus, ProgrammeItem, Registration, RegistrationStatus

# How long a waiting-list offer stays open (settings.EVENTS_OFFER_HOURS overrides it).
OFFER_HOURS = 48
MAX_PARTY_SIZE = 10

HOLDING_SEATS = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


def offer_hours() -> int:
    return int(getattr(settings, "EVENTS_OFFER_HOURS", OFFER_HOURS))


def capacity_of(*, event: Event, programme_item: ProgrammeItem | None) -> int | None:
    """The number of seats, or None for no limit."""
    return programme_item.capacity if programme_item is not None else event.capacity


def seats_taken(*, event: Event, programme_item: ProgrammeItem | None) -> int:
    """People holding a seat: confirmed plus offered registrations, counted by party size."""
    total = Registration.objects.filter(
        event=event, programme_item=programme_item, status__in=HOLDING_SEATS
    ).aggregate(total=Sum("party_size"))["total"]
    return int(total or 0)


def seats_left(*, event: Event, programme_item: ProgrammeItem | None = None) -> int | None:
    capacity = capacity_of(event=event, programme_item=programme_item)
    if capacity is None:
        return None
    return max(capacity - seats_taken(event=event, programme_item=programme_item), 0)


def registration_open(
    *, event: Event, programme_item: ProgrammeItem | None = None, now: datetime | None = None
) -> bool:
    now = now or timezone.now()
    target_requires = (programme_item or event).registration_required
    return (
        event.status == EventStatus.PUBLISHED
        and target_requires
        and event.ends_at > now
        and (event.registration_closes_at is None or event.registration_closes_at > now)
    )


def _site_url(event: Event, base_url: str) -> str:
    if base_url:
        return base_url.rstrip("/")
    domain = event.association.domains.order_by("pk").values_list("domain", flat=True).first()
    scheme = getattr(settings, "EVENTS_URL_SCHEME", "https")
    return f"{scheme}://{domain}" if domain else ""


def _links(registration: Registration, base_url: str) -> dict[str, str]:
    site = _site_url(registration.event, base_url)
    query = urlencode({"key": registration.cancel_key})
    return {
        "cancel_url": f"{site}{reverse('events:cancel')}?{query}",
        "offer_url": f"{site}{reverse('events:offer')}?{query}",
        "status_url": f"{site}{reverse('events:registration')}?{query}",
    }


def _mail(registration: Registration, template: str, base_url: str = "") -> None:
    if not registration.email:
        return  # phone-only: officers see the status on the registrations page and call
    context: dict[str, Any] = {
        "registration": registration,
        "event": registration.event,
        "item": registration.programme_item,
        "association": registration.event.association,
        **_links(registration, base_url),
    }
    send_templated_mail(
        template=f"events/email/{template}", context=context, to=[registration.email]
    )


def _lock(event: Event) -> Event:
    """The row lock every seat count happens under."""
    return Event.objects.select_for_update().select_related("association").get(pk=event.pk)


@transaction.atomic
def registration_create(
    *,
    event: Event,
    programme_item: ProgrammeItem | None = None,
    name: str,
    kana: str = "",
    email: str = "",
    phone: str = "",
    party_size: int = 1,
    accessibility_needs: str = "",
    registered_by: Any = None,
    base_url: str = "",
    now: datetime | None = None,
) -> Registration:
    """Register for the event (or one of its programme items): confirmed, or waiting if full."""
    now = now or timezone.now()
    event = _lock(event)
    errors: dict[str, list[str]] = {}
    if programme_item is not None and programme_item.event_id != event.pk:
        errors["programme_item"] = [_("This programme item is not part of the event.")]
    elif not registration_open(event=event, programme_item=programme_item, now=now):
        raise ValidationError(_("Registration for this event is closed."))
    name, email, phone = name.strip(), email.strip(), phone.strip()
    if not name:
        errors["name"] = [_("Please enter your name.")]
    if not email and not phone:
        errors["email"] = [_("Please enter an email address or a phone number.")]
    capacity = capacity_of(event=event, programme_item=programme_item)
    if party_size < 1 or party_size > MAX_PARTY_SIZE:
        errors["party_size"] = [
            _("The number of people must be between 1 and %(max)d.") % {"max": MAX_PARTY_SIZE}
        ]
    elif capacity is not None and party_size > capacity:
        errors["party_size"] = [
            _("This event has %(capacity)d places: please register fewer people.")
            % {"capacity": capacity}
        ]
    if errors:
        raise ValidationError(errors)
    full = (
        capacity is not None
        and seats_taken(event=event, programme_item=programme_item) + party_size > capacity
    )
    registration = Registration.objects.create(
        association=event.association,
        event=event,
        programme_item=programme_item,
        name=name,
        kana=kana.strip(),
        email=email,
        phone=phone,
        party_size=party_size,
        accessibility_needs=accessibility_needs.strip(),
        status=RegistrationStatus.WAITING if full else RegistrationStatus.CONFIRMED,
        cancel_key=secrets.token_urlsafe(32),
        registered_by=registered_by,
    )
    _mail(
        registration,
        "registration_waiting" if full else "registration_confirmed",
        base_url,
    )
    return registration


def registration_for_key(cancel_key: str) -> Registration | None:
    if not cancel_key:
        return None
    return (
        Registration.objects.select_related("event", "programme_item", "event__association")
        .filter(cancel_key=cancel_key)
        .first()
    )


def _promote(
    *, event: Event, programme_item: ProgrammeItem | None, now: datetime, base_url: str = ""
) -> list[Registration]:
    """Offer freed seats to the waiting list, in order, to each registration that fits.

    The caller holds the event's lock.
    """
    capacity = capacity_of(event=event, programme_item=programme_item)
    free = (
        None
        if capacity is None
        else capacity - seats_taken(event=event, programme_item=programme_item)
    )
    offered = []
    waiting = Registration.objects.filter(
        event=event, programme_item=programme_item, status=RegistrationStatus.WAITING
    ).order_by("created_at", "pk")
    for registration in waiting:
        if free is not None and registration.party_size > free:
            if free <= 0:
                break
            continue
        registration.status = RegistrationStatus.OFFERED
        registration.offer_expires_at = now + timedelta(hours=offer_hours())
        registration.save(update_fields=["status", "offer_expires_at"])
        registration.event = event
        _mail(registration, "registration_offer", base_url)
        offered.append(registration)
        if free is not None:
            free -= registration.party_size
    return offered


@transaction.atomic
def registration_cancel(
    *, cancel_key: str, base_url: str = "", now: datetime | None = None
) -> Registration:
    """Cancel with the link's key (no account); the freed seats go to the waiting list."""
    now = now or timezone.now()
    registration = registration_for_key(cancel_key)
    if registration is None:
        raise ValidationError(_("This cancellation link is not valid."))
    event = _lock(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration has already been cancelled."))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "cancelled_at", "offer_expires_at"])
    registration.event = event
    _mail(registration, "registration_cancelled", base_url)
    _promote(event=event, programme_item=registration.programme_item, now=now, base_url=base_url)
    return registration


@transaction.atomic
def registration_offer_accept(
    *, cancel_key: str, base_url: str = "", now: datetime | None = None
) -> Registration:
    """Take up a waiting-list offer while it is still open."""
    now = now or timezone.now()
    registration = registration_for_key(cancel_key)
    if registration is None:
        raise ValidationError(_("This link is not valid."))
    event = _lock(registration.event)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    registration.event = event
    if registration.status == RegistrationStatus.CONFIRMED:
        return registration
    if (
        registration.status != RegistrationStatus.OFFERED
        or registration.offer_expires_at is None
        or registration.offer_expires_at <= now
    ):
        raise ValidationError(_("This offer has expired or is no longer available."))
    registration.status = RegistrationStatus.CONFIRMED
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at"])
    _mail(registration, "registration_confirmed", base_url)
    return registration


def offers_expire(*, now: datetime | None = None) -> int:
    """Cancel offers nobody took up in time and pass each seat on. Returns how many expired."""
    now = now or timezone.now()
    targets = set(
        Registration.objects.filter(
            status=RegistrationStatus.OFFERED, offer_expires_at__lte=now
        ).values_list("event_id", "programme_item_id")
    )
    expired = 0
    for event_id, item_id in sorted(targets, key=lambda t: (t[0], t[1] or 0)):
        with transaction.atomic():
            event = Event.objects.select_for_update().select_related("association").get(pk=event_id)
            item = ProgrammeItem.objects.get(pk=item_id) if item_id else None
            stale = list(
                Registration.objects.select_for_update().filter(
                    event=event,
                    programme_item=item,
                    status=RegistrationStatus.OFFERED,
                    offer_expires_at__lte=now,
                )
            )
            for registration in stale:
                registration.status = RegistrationStatus.CANCELLED
                registration.cancelled_at = now
                registration.save(update_fields=["status", "cancelled_at"])
                registration.event = event
                _mail(registration, "registration_offer_expired")
            expired += len(stale)
            _promote(event=event, programme_item=item, now=now)
    return expired


@transaction.atomic
def registration_check_in(
    *, registration: Registration, now: datetime | None = None, undo: bool = False
) -> Registration:
    registration.checked_in_at = None if undo else (now or timezone.now())
    registration.save(update_fields=["checked_in_at"])
    return registration


@transaction.atomic
def registrations_purge(*, now: datetime | None = None) -> int:
    """Delete registrations of events that ended more than the association's retention period
    ago (Association.registration_retention_days)."""
    from association.models import Association

    now = now or timezone.now()
    deleted = 0
    association_ids = Registration.objects.values("association_id").distinct()
    for association in Association.objects.filter(pk__in=association_ids):
        cutoff = now - timedelta(days=association.registration_retention_days)
        count, _by_model = Registration.objects.filter(
            association=association, event__ends_at__lt=cutoff
        ).delete()
        deleted += count
    return deleted
