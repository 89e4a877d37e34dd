"""/api/v1/events/: public, what the public list shows an anonymous visitor, places left."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from events.models import Event, ProgrammeItem, Registration
from tests.api_errors import error_fields
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _fair(tenant: Tenant) -> Event:
    with scope(association=tenant.association.pk):
        return Event.objects.get(kind="job_fair")


def _copy(event: Event, *, title: str, audience: str = "public") -> Event:
    """Another event like `event` (its venue), with a programme item at the same venue."""
    assert event.venue is not None
    copy = Event.objects.create(
        association=event.association,
        title=title,
        audience=audience,
        kind="seminar",
        status="published",
        venue=event.venue,
        starts_at=event.starts_at + timedelta(days=1),
        ends_at=event.ends_at + timedelta(days=1),
    )
    ProgrammeItem.objects.create(
        event=copy,
        title="講演",
        venue=event.venue,
        starts_at=copy.starts_at,
        ends_at=copy.ends_at,
        registration_required=True,
        capacity=10,
    )
    return copy


def test_events_with_programme_venues_and_places_left(tenant_a: Tenant, tenant_b: Tenant) -> None:
    fair = _fair(tenant_a)
    assert fair.venue is not None
    with scope(association=tenant_a.association.pk):
        Registration.objects.create(
            association=tenant_a.association,
            event=fair,
            name="参加者",
            party_size=2,
            status="confirmed",
            cancel_key="api-test",
        )
        members_only = _copy(fair, title="会員限定の研修", audience="members")
    # A session is not used here: even an officer gets the public view.
    for client in (client_for(tenant_a), client_for(tenant_a, tenant_a.users["officer"])):
        body = client.get("/api/v1/events/").json()
        assert [event["id"] for event in body["results"]] == [fair.pk]
        event = body["results"][0]
        assert event["venue"]["name"] == fair.venue.name
        assert event["availability"]["state"] == "open"
        assert event["availability"]["places_left"] == 48
        assert event["programme"][0]["venue"]["address"] == fair.venue.address
        assert event["programme"][0]["availability"]["state"] == "not_needed"
        assert tenant_b.marker not in json.dumps(body, ensure_ascii=False)
        assert client.get(f"/api/v1/events/{members_only.pk}/").status_code == 404
    anonymous = client_for(tenant_a)
    assert anonymous.get(f"/api/v1/events/{fair.pk}/").json()["title"] == fair.title
    assert anonymous.get(f"/api/v1/events/{_fair(tenant_b).pk}/").status_code == 404
    assert anonymous.get("/api/v1/events/?when=past").json()["count"] == 0
    refused = anonymous.get("/api/v1/events/?date_from=2027-04-01&date_to=2027-03-01")
    assert refused.status_code == 400 and "date_to" in error_fields(refused)
    assert anonymous.get("/api/v1/events/?kind=nonsense").status_code == 400


def test_the_list_takes_a_constant_number_of_queries(tenant_a: Tenant) -> None:
    fair = _fair(tenant_a)
    anonymous = client_for(tenant_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert anonymous.get("/api/v1/events/").status_code == 200
        return len(queries)

    before = count()
    with scope(association=tenant_a.association.pk):
        for n in range(3):
            _copy(fair, title=f"研修{n}")
    assert anonymous.get("/api/v1/events/").json()["count"] == 4
    assert count() == before
