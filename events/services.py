"""Event write services: sanitised descriptions and the public pages' cache version."""

from __future__ import annotations

from typing import Any

import nh3
from django.db import transaction
from django.utils import timezone

from association.public_cache import public_changed, public_version
from events.models import Event, EventStatus, ProgrammeItem, Venue

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(text: str) -> str:
    """The description HTML that may be rendered: paragraphs, lists, emphasis and plain links."""
    return nh3.clean(
        text or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener",
    )


def events_version(association_id: int | None) -> int:
    """The association's public events version (association.public_cache)."""
    return public_version("events", association_id)


def events_changed(association_id: int | None) -> None:
    """Officers changed events: every cached public page of the association is stale."""
    public_changed("events", association_id)


def events_changed_now_and_on_commit(association_id: int) -> None:
    events_changed(association_id)
    # Again after commit, so a page rendered from the old rows mid-transaction is dropped too.
    transaction.on_commit(lambda: events_changed(association_id))


def event_save(event: Event, **fields: Any) -> Event:
    """Create or update an event: description sanitised, publication time set, caches dropped."""
    for name, value in fields.items():
        setattr(event, name, value)
    event.description = clean_html(event.description)
    if event.status == EventStatus.PUBLISHED and event.published_at is None:
        event.published_at = timezone.now()
    event.full_clean()
    event.save()
    events_changed_now_and_on_commit(event.association_id)
    return event


def venue_save(venue: Venue, **fields: Any) -> Venue:
    """Create or update a venue (validated); the event pages that show it are dropped."""
    for name, value in fields.items():
        setattr(venue, name, value)
    venue.full_clean()
    venue.save()
    events_changed_now_and_on_commit(venue.association_id)
    return venue


def programme_item_save(item: ProgrammeItem, **fields: Any) -> ProgrammeItem:
    """Create or update one item of an event's programme (validated); caches dropped."""
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    events_changed_now_and_on_commit(item.event.association_id)
    return item
