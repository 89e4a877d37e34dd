"""Access helpers for events and registrations.

A visitor reaches an event through the one audience rule (`events.selectors.visible_events`):
what the list does not show them, no page of the event shows them either (404), be it the
page, the .ics, the image or the registration form. Officers reach every event of the
association, drafts included, to run its registrations.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from association.access import object_in_scope_or_404, require_capability
from association.permissions import Access
from events.models import Event, ProgrammeItem, Registration
from events.selectors import visible_events


def access_event_by_id(
    access: Access | None,
    event_pk: object,
    *,
    with_programme: bool = True,
    with_co_hosts: bool = False,
) -> Event:
    """A published or cancelled event this visitor (logged in or not) may see; else 404.

    Loaded with its main venue and association, and, when asked, its programme (each item's
    venue, in time order) and co-hosts.
    """
    events = visible_events(access, include_cancelled=True).select_related("venue", "association")
    if with_programme:
        events = events.prefetch_related(
            Prefetch(
                "programme",
                queryset=ProgrammeItem.objects.select_related("venue").order_by(
                    "starts_at", "venue__name", "pk"
                ),
            )
        )
    if with_co_hosts:
        events = events.prefetch_related("co_hosts")
    return object_in_scope_or_404(events, event_pk)


def access_event_to_manage_by_id(
    access: Access, event_pk: object, *, queryset: QuerySet[Event] | None = None
) -> Event:
    """Any event of the association (drafts too) for an officer running it; else 403/404.

    `queryset` (of `Event.objects`) says what to load along with it, and may narrow it
    (to job fairs, say): an event outside it is a 404.
    """
    require_capability(access, "association.manage")
    return object_in_scope_or_404(Event.objects.all() if queryset is None else queryset, event_pk)


def access_registration_by_id(
    access: Access, event: Event, registration_pk: object
) -> Registration:
    """One registration of an event, for an officer (checking people in); else 404/403."""
    require_capability(access, "association.manage")
    return object_in_scope_or_404(Registration.objects.filter(event=event), registration_pk)
