"""Citizens' registrations: capacity, waiting list, time-limited offers, cancellation, retention.

Every function runs inside the association's scope. Seats are counted under a row lock on the
event, so two people taking the last seat at once cannot both be confirmed.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from association.mail import send_templated_mail
from core.identifiers import clean_phone_number
from events.models import Event, EventStatus, ProgrammeItem, Registration, RegistrationStatus
from events.services import events_changed_now_and_on_commit as seats_changed

# How long a waiting-list offer stays open (settings.EVENTS_OFFER_HOURS overrides it).
OFFER_HOURS = 48
MAX_PARTY_SIZE = 10
# The longest text a registration keeps, field by field (the forms say the same).
MAX_LENGTHS = {"name": 100, "kana": 100, "email": 254, "phone": 20, "accessibility_needs": 1000}
# Names are greeted in emails to the address given: no links in them (a spam relay's payload).
LINK_IN_NAME = re.compile(r"(://|www\.|\.(com|net|org|jp|ru|cn|info|xyz)\b|@)", re.IGNORECASE)
# Officers see public registrations flagged as a burst when this many came from one address
# with no more than BURST_GAP between one and the next.
GREETING_NAME_LENGTH = 30
BURST_SIZE = 3
BURST_GAP = timedelta(minutes=10)

HOLDING_SEATS = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED)


def offer_hours() -> int:
    return int(getattr(settings, "EVENTS_OFFER_HOURS", OFFER_HOURS))


# Offers end at this local hour (not at 3 a.m. because the offer was made at 3 a.m.).
OFFER_DEADLINE_HOUR = 21


def offer_deadline(*, now: datetime, starts_at: datetime) -> datetime:
    """When a waiting-list offer made `now` ends: at least `offer_hours()` later, at the next
    21:00 local time, and never after the event (or programme item) begins."""
    earliest = timezone.localtime(now + timedelta(hours=offer_hours()))
    deadline = earliest.replace(hour=OFFER_DEADLINE_HOUR, minute=0, second=0, microsecond=0)
    if deadline < earliest:
        deadline += timedelta(days=1)
    return min(deadline, starts_at) if starts_at > now else deadline


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
    target = programme_item or event
    return (
        event.status == EventStatus.PUBLISHED
        and target.registration_required
        and event.ends_at > now
        and target.ends_at > now
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
        # The registrant's own words appear once, bounded, in a fixed greeting.
        "greeting_name": Truncator(registration.name).chars(GREETING_NAME_LENGTH),
        "registration": registration,
        "event": registration.event,
        "item": registration.programme_item,
        "association": registration.event.association,
        **_links(registration, base_url),
    }
    send_templated_mail(
        template=f"events/email/{template}", context=context, to=[registration.email]
    )


def client_fingerprint(*, association_id: int, address: str) -> str:
    """A keyed hash of a client address: equal for one address within one association, and
    useless to anyone without SECRET_KEY (no table of the 4 billion IPv4 hashes can be built)."""
    if not address:
        return ""
    return salted_hmac(
        "events.registration.client", f"{association_id}:{address}", algorithm="sha256"
    ).hexdigest()


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
    client_hash: str = "",
    base_url: str = "",
    now: datetime | None = None,
) -> Registration:
    """Register for the event (or one of its programme items): confirmed, or waiting if full.

    `client_hash` is the sender's `client_fingerprint` for public registrations."""
    now = now or timezone.now()
    event = _lock(event)
    errors: dict[str, list[str]] = {}
    if programme_item is not None and programme_item.event_id != event.pk:
        errors["programme_item"] = [_("This programme item is not part of the event.")]
    elif not registration_open(event=event, programme_item=programme_item, now=now):
        raise ValidationError(_("Registration for this event is closed."))
    name, email, phone = name.strip(), email.strip(), phone.strip()
    kana, accessibility_needs = kana.strip(), accessibility_needs.strip()
    if not name:
        errors["name"] = [_("Please enter your name.")]
    elif LINK_IN_NAME.search(name) or LINK_IN_NAME.search(kana):
        errors["name"] = [_("Please enter your name only, without web or email addresses.")]
    given = {
        "name": name,
        "kana": kana,
        "email": email,
        "phone": phone,
        "accessibility_needs": accessibility_needs,
    }
    for field, value in given.items():
        if len(value) > MAX_LENGTHS[field]:
            errors[field] = [
                _("Please keep this to %(max)d characters.") % {"max": MAX_LENGTHS[field]}
            ]
    if not email and not phone:
        errors["email"] = [_("Please enter an email address or a phone number.")]
    elif "phone" not in errors:
        try:
            phone = clean_phone_number(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
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
        kana=kana,
        email=email,
        phone=phone,
        party_size=party_size,
        accessibility_needs=accessibility_needs,
        status=RegistrationStatus.WAITING if full else RegistrationStatus.CONFIRMED,
        cancel_key=secrets.token_urlsafe(32),
        registered_by=registered_by,
        client_hash=client_hash,
    )
    _mail(
        registration,
        "registration_waiting" if full else "registration_confirmed",
        base_url,
    )
    seats_changed(event.association_id)  # places left on the public pages
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
        registration.offer_expires_at = offer_deadline(
            now=now, starts_at=(programme_item or event).starts_at
        )
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
    seats_changed(event.association_id)
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
            seats_changed(event.association_id)
    return expired


@dataclass(frozen=True)
class Burst:
    """Public registrations from one address in quick succession."""

    client_hash: str
    registrations: list[Registration]

    @property
    def people(self) -> int:
        return sum(r.party_size for r in self.registrations)

    @property
    def first_at(self) -> datetime:
        return self.registrations[0].created_at

    @property
    def last_at(self) -> datetime:
        return self.registrations[-1].created_at


def registration_bursts(registrations: list[Registration]) -> list[Burst]:
    """Among an event's registrations (already loaded: no query), the runs of at least
    BURST_SIZE public, uncancelled registrations from one address, each at most BURST_GAP
    after the one before. A household registering two parties is not a burst."""
    by_client: dict[str, list[Registration]] = {}
    for registration in registrations:
        if registration.client_hash and registration.status != RegistrationStatus.CANCELLED:
            by_client.setdefault(registration.client_hash, []).append(registration)
    bursts = []
    for client_hash, rows in by_client.items():
        rows.sort(key=lambda r: (r.created_at, r.pk))
        run: list[Registration] = []
        for registration in rows:
            if run and registration.created_at - run[-1].created_at > BURST_GAP:
                if len(run) >= BURST_SIZE:
                    bursts.append(Burst(client_hash, run))
                run = []
            run.append(registration)
        if len(run) >= BURST_SIZE:
            bursts.append(Burst(client_hash, run))
    return sorted(bursts, key=lambda b: b.first_at)


@transaction.atomic
def registrations_remove_burst(
    *,
    event: Event,
    client_hash: str,
    registration_ids: list[int],
    base_url: str = "",
    now: datetime | None = None,
) -> int:
    """Delete a burst an officer judged to be spam: the given registrations of this event that
    came from `client_hash` (no email to the addresses they gave), then offer the freed seats
    to the waiting list. Returns how many were removed."""
    now = now or timezone.now()
    if not client_hash:
        return 0
    event = _lock(event)
    doomed = Registration.objects.select_for_update().filter(
        event=event, client_hash=client_hash, pk__in=registration_ids
    )
    rows = list(doomed.values_list("pk", "programme_item_id"))
    targets = {item_id for _pk, item_id in rows}
    Registration.objects.filter(pk__in=[pk for pk, _item in rows]).delete()
    count = len(rows)
    items = {
        item.pk: item for item in ProgrammeItem.objects.filter(pk__in=[t for t in targets if t])
    }
    for item_id in sorted(targets, key=lambda t: t or 0):
        _promote(
            event=event,
            programme_item=items.get(item_id) if item_id else None,
            now=now,
            base_url=base_url,
        )
    seats_changed(event.association_id)
    return count


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
