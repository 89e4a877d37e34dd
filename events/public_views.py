"""Public event pages: the list with filters and a month calendar, one event's page, and the
iCalendar feeds. No login needed; anonymous pages are cached per association and language."""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import icalendar
from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from association.permissions import Access, public
from association.public_cache import Query
from association.public_cache import cached_public_page as cached_page
from association.public_cache import render_public as _render
from events.access import access_event_by_id
from events.flyer import render_flyer
from events.models import Audience, Event, EventKind, EventStatus, ProgrammeItem, Venue
from events.selectors import (
    EventFilters,
    event_areas,
    event_days,
    events_availability,
    public_events,
)
from events.services import clean_html
from recruitment.selectors import fair_booths

PAGE_SIZE = 20
CACHE_SECONDS = 600  # "upcoming" moves on with time even when nothing is edited
FEED_PAST_DAYS = 180


def _access(request: HttpRequest) -> Access | None:
    return getattr(request, "access", None)


def _association_id(request: HttpRequest) -> int | None:
    association = getattr(request, "association", None)
    return association.pk if association else None


# --- caching -------------------------------------------------------------------------------


# A query parameter is cached only as one of these: what a visitor can reach by the page's own
# links (filters, a day or a month of the calendar, a page of the list).
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_PAGE = 1000


def _public_areas(request: HttpRequest, version: int) -> list[str]:
    """The areas the anonymous filter offers, cached under the events version."""
    key = f"events:public:{_association_id(request)}:{version}:areas"
    areas = cache.get(key)
    if areas is None:
        areas = event_areas(user_access=_access(request))
        cache.set(key, areas, CACHE_SECONDS)
    return list(areas)


def _iso_date(value: str) -> str:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return ""
    return day.isoformat() if day and FIRST_YEAR <= day.year <= LAST_YEAR else ""


def _list_query(request: HttpRequest, version: int) -> dict[str, str]:
    """The list's query parameters an anonymous visitor's page depends on, normalised.

    Unknown parameters (utm_source, cache busters …) and values the filters would not accept
    are left out, so every query string maps to one of a bounded set of pages.
    """
    get = request.GET
    query: dict[str, str] = {}
    if get.get("kind", "") in EventKind.values:
        query["kind"] = get["kind"]
    area = get.get("area", "")
    if area and area in _public_areas(request, version):
        query["area"] = area
    for name in ("date_from", "date_to"):
        if day := _iso_date(get.get(name, "")):
            query[name] = day
    month = _month_param(get.get("month"))
    if month and FIRST_YEAR <= month.year <= LAST_YEAR:
        query["month"] = month.strftime("%Y-%m")
    if get.get("when") == "past":
        query["when"] = "past"
    page = get.get("page", "")
    if page.isascii() and page.isdigit() and 1 < int(page) <= MAX_PAGE:
        query["page"] = str(int(page))
    return query


def cached_public_page(
    name: str, query: Query | None = None
) -> Callable[[Callable[..., HttpResponse]], Any]:
    """Cache an anonymous page per association, language, host and normalised query, under the
    events version (association.public_cache)."""
    return cached_page("events:public", name, "events", CACHE_SECONDS, query)


# --- the list --------------------------------------------------------------------------------


class EventFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    audience = forms.ChoiceField(label=_("Audience"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, areas: list[str], is_member: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *EventKind.choices]  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", _("All areas")), *((a, a) for a in areas)]  # type: ignore[attr-defined]
        if is_member:
            self.fields["audience"].choices = [("", _("All audiences")), *Audience.choices]  # type: ignore[attr-defined]
        else:
            del self.fields["audience"]


def _month_param(value: str | None) -> date | None:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    count: int = 0
    is_today: bool = False
    url: str = ""


@dataclass
class MonthCalendar:
    month: date
    weekdays: list[tuple[str, str]]
    weeks: list[list[CalendarDay]] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""
    previous_month: date | None = None
    next_month: date | None = None

    @property
    def has_events(self) -> bool:
        return any(cell.count for week in self.weeks for cell in week)


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


def _month_calendar(
    month: date, days: dict[date, int], base_params: dict[str, Any]
) -> MonthCalendar:
    cal = calendar.Calendar(firstweekday=6)  # Sunday first, as Japanese calendars are
    order = [6, 0, 1, 2, 3, 4, 5]
    result = MonthCalendar(
        month=month, weekdays=[(str(WEEKDAYS_ABBR[d]), str(WEEKDAYS[d])) for d in order]
    )
    today = timezone.localdate()
    for week in cal.monthdatescalendar(month.year, month.month):
        row = []
        for day in week:
            count = days.get(day, 0) if day.month == month.month else 0
            iso = day.isoformat()
            row.append(
                CalendarDay(
                    day=day,
                    in_month=day.month == month.month,
                    count=count,
                    is_today=day == today,
                    url=_query(
                        base_params, date_from=iso, date_to=iso, month=month.strftime("%Y-%m")
                    )
                    if count
                    else "",
                )
            )
        result.weeks.append(row)
    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    result.previous_month, result.next_month = previous_month, next_month
    result.previous_url = _query(base_params, month=previous_month.strftime("%Y-%m"))
    result.next_url = _query(base_params, month=next_month.strftime("%Y-%m"))
    return result


@public
@cached_public_page("list", _list_query)
def event_list(request: HttpRequest) -> HttpResponse:
    access = _access(request)
    is_member = bool(access and access.is_member)
    form = EventFilterForm(
        request.GET or None, areas=event_areas(user_access=access), is_member=is_member
    )
    cleaned: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    month = _month_param(request.GET.get("month"))
    date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
    if month and not (date_from or date_to):
        date_from = month
        date_to = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    past = request.GET.get("when") == "past"
    filters = EventFilters(
        kind=cleaned.get("kind") or "",
        audience=cleaned.get("audience") or "",
        area=cleaned.get("area") or "",
        date_from=date_from,
        date_to=date_to,
        past=past,
    )
    events = public_events(user_access=access, filters=filters, include_cancelled=True)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    availability = events_availability(shown)

    shown_month = month or (date_from.replace(day=1) if date_from else None)
    shown_month = shown_month or timezone.localdate().replace(day=1)
    base_params = {k: cleaned.get(k) or "" for k in ("kind", "area", "audience")}
    month_calendar = _month_calendar(
        shown_month,
        event_days(
            year=shown_month.year, month=shown_month.month, user_access=access, filters=filters
        ),
        base_params,
    )
    page_params = {
        **base_params,
        "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
        "month": request.GET.get("month", ""),
        "when": "past" if past else "",
    }
    return _render(
        request,
        "events/public/list.html",
        {
            "form": form,
            "page": page,
            "cards": [(event, availability[(event.pk, None)]) for event in shown],
            "past": past,
            "calendar": month_calendar,
            "filtered": bool(request.GET),
            "date_from": date_from,
            "date_to": date_to,
            "previous_page_url": _query(page_params, page=page.previous_page_number())
            if page.has_previous()
            else "",
            "next_page_url": _query(page_params, page=page.next_page_number())
            if page.has_next()
            else "",
        },
    )


# --- one event -------------------------------------------------------------------------------


@dataclass
class VenueProgramme:
    venue: Venue
    items: list[ProgrammeItem]


def _venues(event: Event) -> list[Venue]:
    venues: dict[int, Venue] = {}
    if event.venue is not None:
        venues[event.venue.pk] = event.venue
    for item in event.programme.all():
        venues.setdefault(item.venue.pk, item.venue)
    return list(venues.values())


def _programme_by_venue(event: Event) -> list[VenueProgramme]:
    groups: dict[int, VenueProgramme] = {}
    for item in event.programme.all():  # ordered by time
        groups.setdefault(item.venue.pk, VenueProgramme(item.venue, [])).items.append(item)
    return list(groups.values())


def _place(venue: Venue) -> dict[str, Any]:
    place: dict[str, Any] = {
        "@type": "Place",
        "name": venue.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": venue.address,
            "addressCountry": "JP",
        },
    }
    if venue.postal_code:
        place["address"]["postalCode"] = venue.postal_code
    if venue.map_url:
        place["hasMap"] = venue.map_url
    return place


def _json_ld(request: HttpRequest, event: Event, venues: list[Venue]) -> SafeString:
    association = getattr(request, "association", None)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": timezone.localtime(event.starts_at).isoformat(),
        "endDate": timezone.localtime(event.ends_at).isoformat(),
        "eventStatus": "https://schema.org/EventCancelled"
        if event.status == EventStatus.CANCELLED
        else "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "url": request.build_absolute_uri(reverse("events:detail", args=[event.pk])),
        "description": event.summary or strip_tags(clean_html(event.description))[:300],
        "isAccessibleForFree": True,
    }
    if venues:
        data["location"] = [_place(v) for v in venues] if len(venues) > 1 else _place(venues[0])
    if association is not None:
        data["organizer"] = {
            "@type": "Organization",
            "name": event.organiser or association.name,
            "url": request.build_absolute_uri("/"),
        }
    if event.image:
        data["image"] = [_image_url(request, event)]
    text = json.dumps(data, ensure_ascii=False)
    # As json_script does: nothing in the data can close the script element.
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(text)  # noqa: S308 - JSON with <, > and & escaped


@public
@cached_public_page("detail")
def event_detail(request: HttpRequest, event_pk: int) -> HttpResponse:
    event = access_event_by_id(_access(request), event_pk, with_co_hosts=True)
    venues = _venues(event)
    availability = events_availability([event])
    try:
        register_url = reverse("events:register", kwargs={"event_pk": event.pk})
    except NoReverseMatch:
        register_url = ""
    return _render(
        request,
        "events/public/detail.html",
        {
            "event": event,
            "description_html": mark_safe(clean_html(event.description)),  # noqa: S308
            "venues": venues,
            "programme": [
                (group.venue, [(item, availability[(event.pk, item.pk)]) for item in group.items])
                for group in _programme_by_venue(event)
            ],
            "availability": availability[(event.pk, None)],
            # A job fair lists its exhibitors and what they hire for, for everyone.
            "exhibitors": list(fair_booths(event=event))
            if event.kind == EventKind.JOB_FAIR
            else [],
            "co_hosts": list(event.co_hosts.all()),
            "json_ld": _json_ld(request, event, venues),
            "page_url": request.build_absolute_uri(reverse("events:detail", args=[event.pk])),
            "image_url": _image_url(request, event) if event.image else "",
            "is_cancelled": event.status == EventStatus.CANCELLED,
            "register_url": register_url,
        },
    )


# --- iCalendar -------------------------------------------------------------------------------

TOKYO = ZoneInfo("Asia/Tokyo")


def _event_uid(request: HttpRequest, event: Event) -> str:
    association = getattr(request, "association", None)
    slug = association.slug if association else "renkei"
    return f"event-{event.pk}@{slug}.renkei"


def _vevent(request: HttpRequest, event: Event) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", _event_uid(request, event))
    vevent.add("dtstamp", event.updated_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("summary", event.title)
    vevent.add("dtstart", event.starts_at.astimezone(TOKYO))
    vevent.add("dtend", event.ends_at.astimezone(TOKYO))
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    url = request.build_absolute_uri(reverse("events:detail", args=[event.pk]))
    vevent.add("url", url)
    text = event.summary or strip_tags(clean_html(event.description)).strip()
    vevent.add("description", f"{text}\n\n{url}".strip())
    if event.venue is not None:
        vevent.add("location", f"{event.venue.name} {event.venue.address}".strip())
    return vevent


def _calendar(request: HttpRequest, name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Renkei//Events//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Tokyo")
    return cal


def _ics_response(cal: icalendar.Calendar, filename: str) -> HttpResponse:
    cal.add_missing_timezones()
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@public
@cached_public_page("feed")
def event_feed(request: HttpRequest) -> HttpResponse:
    """All visible events from half a year ago on, cancelled ones marked CANCELLED."""
    association = getattr(request, "association", None)
    since = timezone.localdate() - timedelta(days=FEED_PAST_DAYS)
    events = (
        public_events(
            user_access=_access(request),
            filters=EventFilters(date_from=since),
            include_cancelled=True,
        )
        .prefetch_related(None)
        .order_by("starts_at", "pk")
    )
    cal = _calendar(request, association.name if association else "Renkei")
    for event in events:
        cal.add_component(_vevent(request, event))
    return _ics_response(cal, "events.ics")


@public
@cached_public_page("event-ics")
def event_ics(request: HttpRequest, event_pk: int) -> HttpResponse:
    event = access_event_by_id(_access(request), event_pk, with_programme=False)
    cal = _calendar(request, event.title)
    cal.add_component(_vevent(request, event))
    return _ics_response(cal, f"event-{event.pk}.ics")


@public
@cached_public_page("flyer")
def event_flyer(request: HttpRequest, event_pk: int) -> HttpResponse:
    """The event's A4 flyer (PDF) with a QR code to its page, for a notice board."""
    event = access_event_by_id(_access(request), event_pk)
    association = getattr(request, "association", None)
    pdf = render_flyer(
        event=event,
        page_url=request.build_absolute_uri(reverse("events:detail", args=[event.pk])),
        association_name=association.name if association else "",
        contact=association.contact_email if association else "",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="event-{event.pk}-flyer.pdf"'
    return response


def _image_url(request: HttpRequest, event: Event) -> str:
    return request.build_absolute_uri(reverse("events:image", kwargs={"event_pk": event.pk}))


@public
def event_image(request: HttpRequest, event_pk: int) -> FileResponse:
    """An event's image, served through Django: uploads are never public files."""
    event = access_event_by_id(_access(request), event_pk, with_programme=False)
    if not event.image:
        raise Http404
    response = FileResponse(event.image.open("rb"))
    if event.audience == Audience.PUBLIC:
        response["Cache-Control"] = "public, max-age=3600"
    else:
        # Members only: never kept by a shared cache, nor by the browser after log-out.
        response["Cache-Control"] = "private, no-store"
    return response
