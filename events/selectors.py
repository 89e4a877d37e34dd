"""What citizens and members may see of the association's events, in a constant number of
queries whatever the number of events."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from association.permissions import Access
from events.models import Audience, Event, EventStatus, ProgrammeItem

PUBLIC_STATUSES = (EventStatus.PUBLISHED,)
LISTED_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED)


@dataclass(frozen=True)
class EventFilters:
    kind: str = ""
    audience: str = ""
    area: str = ""
    date_from: date | None = None
    date_to: date | None = None
    upcoming: bool = True


def _is_member(user_access: Access | None) -> bool:
    return bool(user_access is not None and user_access.is_member)


def visible_events(user_access: Access | None, *, include_cancelled: bool) -> QuerySet[Event]:
    """The one audience rule, for the list, an event's page, its .ics, its image and its
    registration form: published (and, when asked, cancelled) events; public ones for
    everyone, members-only ones for members, one subcommittee's for that subcommittee's
    people (and officers)."""
    statuses = LISTED_STATUSES if include_cancelled else PUBLIC_STATUSES
    events = Event.objects.filter(status__in=statuses)
    if user_access is None or not _is_member(user_access):
        return events.filter(audience=Audience.PUBLIC)
    if user_access.is_superuser or user_access.is_officer:
        return events
    return events.filter(
        Q(audience__in=[Audience.PUBLIC, Audience.MEMBERS])
        | Q(audience=Audience.SUBCOMMITTEE, subcommittee_id__in=_subcommittees_of(user_access))
    )


def _subcommittees_of(user_access: Access) -> set[int]:
    """The 部会 a person belongs to: those they lead, and those of the offices they work for."""
    from subcommittees.selectors import subcommittee_ids_of_offices

    led = {role.subcommittee_id for role in user_access.roles if role.subcommittee_id}
    return led | subcommittee_ids_of_offices(user_access.own_office_ids)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def public_events(
    *,
    user_access: Access | None = None,
    filters: EventFilters | None = None,
    include_cancelled: bool = False,
    now: datetime | None = None,
) -> QuerySet[Event]:
    """Events to list, with main venue and programme (each item's venue) in two more queries."""
    filters = filters or EventFilters()
    events = visible_events(user_access, include_cancelled=include_cancelled)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.audience:
        events = events.filter(audience=filters.audience)
    if filters.area:
        in_area = ProgrammeItem.objects.filter(event=OuterRef("pk"), venue__area=filters.area)
        events = events.filter(Q(venue__area=filters.area) | Exists(in_area))
    if filters.date_from:
        events = events.filter(ends_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(starts_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.upcoming and not (filters.date_from or filters.date_to):
        events = events.filter(ends_at__gte=now or timezone.now())
    return events.select_related("venue").prefetch_related(
        Prefetch(
            "programme",
            queryset=ProgrammeItem.objects.select_related("venue").order_by("starts_at", "pk"),
        )
    )


def event_areas(*, user_access: Access | None = None) -> list[str]:
    """Areas of the venues of visible events (main venue or programme), for the filter."""
    events = visible_events(user_access, include_cancelled=True)
    from events.models import Venue

    venues = Venue.objects.filter(
        Q(events__in=events) | Q(programme_items__event__in=events), area__gt=""
    )
    return sorted(set(venues.values_list("area", flat=True)))


def event_days(
    *, year: int, month: int, user_access: Access | None = None, filters: EventFilters | None = None
) -> dict[date, int]:
    """Day → number of visible events on that day in the month, in one query."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    base = filters or EventFilters()
    month_filters = EventFilters(
        kind=base.kind, audience=base.audience, area=base.area, date_from=first, date_to=last
    )
    spans = (
        public_events(user_access=user_access, filters=month_filters, include_cancelled=True)
        .prefetch_related(None)
        .select_related(None)
        .values_list("starts_at", "ends_at")
    )
    days: dict[date, int] = {}
    for starts_at, ends_at in spans:
        day = max(timezone.localdate(starts_at), first)
        end = min(timezone.localdate(ends_at), last)
        while day <= end:
            days[day] = days.get(day, 0) + 1
            day += timedelta(days=1)
    return days
