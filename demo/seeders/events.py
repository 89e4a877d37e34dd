"""Venues, events and the festival's programme, through `events.services` (`event_save` cleans
the description, stamps publication and drops the cached public pages, as for officers)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from association.models import Association
from demo.data.events import VENUES
from demo.plan import PlannedEvent, at
from events.models import Audience, Event, EventKind, EventStatus, ProgrammeItem, Venue
from events.services import event_save, programme_item_save, venue_save


@transaction.atomic
def events_seed(
    *, association: Association, planned: list[PlannedEvent], now: datetime
) -> list[tuple[Event, PlannedEvent]]:
    """The planned events not in the database yet (an event of the same kind starting at the same
    time counts as there), with their programme; returns the ones created. Runs inside the
    association's scope."""
    venues = _venues(association)
    existing = set(Event.objects.values_list("kind", "starts_at"))
    created = []
    for plan in planned:
        if (plan.kind, plan.starts_at) in existing:
            continue
        announced = min(at(plan.starts_at.date() - timedelta(days=45), 10), now)
        event = event_save(
            Event(association=association),
            kind=EventKind(plan.kind),
            title=plan.title,
            title_kana=plan.title_kana,
            audience=Audience(plan.audience),
            status=EventStatus.DRAFT if plan.draft else EventStatus.PUBLISHED,
            published_at=None if plan.draft else announced,
            organiser=association.short_name or association.name,
            summary=plan.summary,
            description=plan.description,
            venue=venues[plan.venue],
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            registration_required=plan.registration_required,
            capacity=plan.capacity,
        )
        for item in plan.programme:
            programme_item_save(
                ProgrammeItem(event=event),
                title=item.title,
                title_kana=item.title_kana,
                venue=venues[item.venue],
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                registration_required=item.capacity is not None,
                capacity=item.capacity,
                description=item.description,
            )
        created.append((event, plan))
    return created


def _venues(association: Association) -> dict[str, Venue]:
    """The demo's venues by key, created when missing (matched by name)."""
    by_name = {venue.name: venue for venue in Venue.objects.all()}
    return {
        key: by_name.get(fields["name"]) or venue_save(Venue(association=association), **fields)
        for key, fields in VENUES.items()
    }
