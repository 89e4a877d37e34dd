"""The iCalendar feeds, read back with the icalendar library."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django_scopes import scope

from events.models import Event
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
FUTURE = datetime(2031, 5, 10, 10, 0, tzinfo=TOKYO)


def _feed(tenant: Tenant, url: str | None = None) -> icalendar.Calendar:
    response = client_for(tenant).get(url or reverse("events:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def _events(cal: icalendar.Calendar) -> dict[str, Any]:
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def test_feed_lists_visible_events_with_stable_uids(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        common = {
            "association": tenant_a.association,
            "kind": "study_session",
            "starts_at": FUTURE,
            "ends_at": FUTURE + timedelta(hours=2),
        }
        Event.objects.create(title="公開", status="published", **common)
        Event.objects.create(title="中止", status="cancelled", **common)
        Event.objects.create(title="下書き", status="draft", **common)
        Event.objects.create(title="会員", status="published", audience="members", **common)

    cal = _feed(tenant_a)
    events = _events(cal)
    # the tenant's job fair, the published and the cancelled event
    assert set(events) == {f"{tenant_a.marker}就職フェア", "公開", "中止"}
    assert len(cal.walk("VEVENT")) == 3
    assert str(events["中止"]["STATUS"]) == "CANCELLED"
    assert str(events["公開"]["STATUS"]) == "CONFIRMED"
    start = events["公開"].decoded("DTSTART")
    assert start == FUTURE
    assert cal.walk("VTIMEZONE"), "Asia/Tokyo times come with their VTIMEZONE"
    assert tenant_b.marker not in client_for(tenant_a).get(reverse("events:feed")).content.decode()

    uid = str(events["公開"]["UID"])
    with scope(association=tenant_a.association.pk):
        Event.objects.filter(title="公開").update(title="公開(改)")
    from events.services import events_changed

    events_changed(tenant_a.association.pk)
    again = _events(_feed(tenant_a))
    assert str(again["公開(改)"]["UID"]) == uid


def test_one_event_ics(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        event = Event.objects.get()
    cal = _feed(tenant_a, reverse("events:ics", args=[event.pk]))
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent.decoded("DTSTART") == event.starts_at
    assert vevent.decoded("DTEND") == event.ends_at
    feed_uids = {str(e["UID"]) for e in _feed(tenant_a).walk("VEVENT")}
    assert str(vevent["UID"]) in feed_uids
