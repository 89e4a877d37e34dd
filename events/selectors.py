"""What citizens and members may see of the association's events, in a constant number of
queries whatever the number of events."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
    # Events that are over, newest first: the association's record of what it has done.
    past: bool = False


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
    if filters.past:
        events = events.filter(ends_at__lt=now or timezone.now()).order_by("-starts_at", "-pk")
    elif filters.upcoming and not (filters.date_from or filters.date_to):
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


# --- places left ----------------------------------------------------------------------------


class Availability:
    """What a citizen needs to know before the form: can I still register, and how?

    One of: no registration needed, open (places left), few places left, full with the
    waiting list open, registration closed, the event is over, the event is cancelled."""

    NOT_NEEDED = "not_needed"
    OPEN = "open"
    FEW = "few"
    WAITING_LIST = "waiting_list"
    CLOSED = "closed"
    ENDED = "ended"
    CANCELLED = "cancelled"

    LABELS = {
        OPEN: _("Places available"),
        FEW: _("Only a few places left"),
        WAITING_LIST: _("Full: waiting list open"),
        CLOSED: _("Registration closed"),
        ENDED: _("This event is over"),
        CANCELLED: pgettext_lazy("event status", "Cancelled"),
    }

    def __init__(self, state: str, seats_left: int | None = None) -> None:
        self.state = state
        self.seats_left = seats_left

    def __repr__(self) -> str:
        return f"Availability({self.state!r}, {self.seats_left!r})"

    @property
    def label(self) -> str:
        return str(self.LABELS.get(self.state, ""))

    @property
    def can_register(self) -> bool:
        return self.state in (self.OPEN, self.FEW, self.WAITING_LIST)

    @property
    def button_label(self) -> str:
        """The registration button says what will happen."""
        if self.state == self.WAITING_LIST:
            return str(_("Join the waiting list"))
        return str(_("Register"))


def few_places(capacity: int) -> int:
    """ "Only a few left" from this many places down: 3, or a tenth of a large event."""
    return max(3, capacity // 10)


def availability_of(
    *,
    target: Event | ProgrammeItem,
    event: Event,
    held: int,
    now: datetime,
) -> Availability:
    """The state of one event or programme item, given the seats held on it."""
    if event.status == EventStatus.CANCELLED:
        return Availability(Availability.CANCELLED)
    ends_at = target.ends_at
    if ends_at <= now:
        return Availability(Availability.ENDED)
    if not target.registration_required:
        return Availability(Availability.NOT_NEEDED)
    if event.registration_closes_at is not None and event.registration_closes_at <= now:
        return Availability(Availability.CLOSED)
    if event.ends_at <= now:
        return Availability(Availability.CLOSED)
    capacity = target.capacity
    if capacity is None:
        return Availability(Availability.OPEN)
    left = max(capacity - held, 0)
    if left == 0:
        return Availability(Availability.WAITING_LIST, 0)
    if left <= few_places(capacity):
        return Availability(Availability.FEW, left)
    return Availability(Availability.OPEN, left)


def events_availability(
    events: list[Event], *, now: datetime | None = None
) -> dict[tuple[int, int | None], Availability]:
    """(event id, programme item id or None) → availability, for the events and their
    prefetched programme items, from one query whatever the number of events."""
    from django.db.models import Sum

    from events.models import Registration
    from events.registration import HOLDING_SEATS

    now = now or timezone.now()
    held: dict[tuple[int, int | None], int] = {}
    if any(e.registration_required or _items_need(e) for e in events):
        rows = (
            Registration.objects.filter(
                event_id__in=[e.pk for e in events], status__in=HOLDING_SEATS
            )
            .values_list("event_id", "programme_item_id")
            .annotate(total=Sum("party_size"))
            .order_by()
        )
        held = {(event_id, item_id): int(total or 0) for event_id, item_id, total in rows}
    result: dict[tuple[int, int | None], Availability] = {}
    for event in events:
        result[(event.pk, None)] = availability_of(
            target=event, event=event, held=held.get((event.pk, None), 0), now=now
        )
        for item in event.programme.all():
            result[(event.pk, item.pk)] = availability_of(
                target=item, event=event, held=held.get((event.pk, item.pk), 0), now=now
            )
    return result


def _items_need(event: Event) -> bool:
    return any(item.registration_required for item in event.programme.all())
