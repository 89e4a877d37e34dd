"""Officers manage events in the admin: a programme on the event, descriptions sanitised,
public caches dropped."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from events.models import Event, Venue
from events.services import events_version
from recruitment.models import JobFairBooth
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _inline_management(prefix: str, total: int) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _venue(tenant: Tenant) -> Venue:
    with scope(association=tenant.association.pk):
        return Venue.objects.create(
            association=tenant.association, name="岡町・桜塚商店街", address="豊中市岡町北1丁目"
        )


def test_officer_creates_an_event_with_a_programme_item_and_a_sanitised_description(
    tenant_a: Tenant,
) -> None:
    venue = _venue(tenant_a)
    client = client_for(tenant_a, tenant_a.users["officer"])
    assert client.get(reverse("admin:events_event_add")).status_code == 200
    version = events_version(tenant_a.association.pk)
    data = {
        "title": "いきてゆくフェス",
        "title_kana": "いきてゆくふぇす",
        "kind": "festival",
        "status": "published",
        "audience": "public",
        "summary": "まちなかのお祭り",
        "description": '<p onclick="steal()">ようこそ<script>alert("x")</script></p>'
        '<a href="javascript:alert(1)">link</a>',
        "organiser": "連絡会",
        "venue": str(venue.pk),
        "starts_at_0": "2026-11-07",
        "starts_at_1": "10:00",
        "ends_at_0": "2026-11-07",
        "ends_at_1": "16:00",
        "capacity": "",
        **_inline_management("programme", 1),
        "programme-0-title": "介護食の試食会",
        "programme-0-venue": str(venue.pk),
        "programme-0-starts_at_0": "2026-11-07",
        "programme-0-starts_at_1": "12:00",
        "programme-0-ends_at_0": "2026-11-07",
        "programme-0-ends_at_1": "13:00",
        "programme-0-registration_required": "on",
        "programme-0-capacity": "30",
        **_inline_management("booths", 0),
    }
    response = client.post(reverse("admin:events_event_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    with scope(association=tenant_a.association.pk):
        event = Event.objects.get(title="いきてゆくフェス")
        assert event.association_id == tenant_a.association.pk
        assert "<script>" not in event.description
        assert "alert" not in event.description
        assert "onclick" not in event.description
        assert "javascript:" not in event.description
        assert "<p>ようこそ</p>" in event.description
        assert event.published_at is not None
        items = list(event.programme.all())
        assert [(i.title, i.venue_id, i.capacity, i.registration_required) for i in items] == [
            ("介護食の試食会", venue.pk, 30, True)
        ]
    # The association's public pages are rebuilt.
    assert events_version(tenant_a.association.pk) != version

    # Editing keeps it sanitised; the changelist filters and searches.
    change = reverse("admin:events_event_change", args=[event.pk])
    assert client.get(change).status_code == 200
    listing = client.get(
        reverse("admin:events_event_changelist"), {"kind": "festival", "q": "フェス"}
    )
    assert listing.status_code == 200 and "いきてゆくフェス" in listing.content.decode()


def test_officer_adds_booths_to_a_job_fair_but_not_their_outcome(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        fair = Event.objects.get(kind="job_fair")
        existing = list(fair.booths.values_list("pk", flat=True))
    client = client_for(tenant_a, tenant_a.users["officer"])
    change = reverse("admin:events_event_change", args=[fair.pk])
    page = client.get(change).content.decode()
    assert 'name="booths-TOTAL_FORMS"' in page
    assert 'name="booths-0-hires"' not in page  # outcomes are the offices' to record

    with scope(association=tenant_a.association.pk):
        programme = list(fair.programme.all())
    data: dict[str, Any] = {
        "title": fair.title,
        "kind": "job_fair",
        "status": "published",
        "audience": "public",
        "venue": str(fair.venue_id),
        "starts_at_0": timezone.localtime(fair.starts_at).strftime("%Y-%m-%d"),
        "starts_at_1": "13:00",
        "ends_at_0": timezone.localtime(fair.ends_at).strftime("%Y-%m-%d"),
        "ends_at_1": "16:00",
        "registration_required": "on",
        "capacity": "50",
        "programme-TOTAL_FORMS": str(len(programme)),
        "programme-INITIAL_FORMS": str(len(programme)),
        "programme-MIN_NUM_FORMS": "0",
        "programme-MAX_NUM_FORMS": "1000",
        "booths-TOTAL_FORMS": str(len(existing) + 1),
        "booths-INITIAL_FORMS": str(len(existing)),
        "booths-MIN_NUM_FORMS": "0",
        "booths-MAX_NUM_FORMS": "1000",
    }
    for index, item in enumerate(programme):
        local_start = timezone.localtime(item.starts_at)
        local_end = timezone.localtime(item.ends_at)
        data |= {
            f"programme-{index}-id": str(item.pk),
            f"programme-{index}-event": str(fair.pk),
            f"programme-{index}-title": item.title,
            f"programme-{index}-venue": str(item.venue_id),
            f"programme-{index}-starts_at_0": local_start.strftime("%Y-%m-%d"),
            f"programme-{index}-starts_at_1": local_start.strftime("%H:%M"),
            f"programme-{index}-ends_at_0": local_end.strftime("%Y-%m-%d"),
            f"programme-{index}-ends_at_1": local_end.strftime("%H:%M"),
        }
    for index, pk in enumerate(existing):
        with scope(association=tenant_a.association.pk):
            booth = JobFairBooth.objects.get(pk=pk)
        data |= {
            f"booths-{index}-id": str(pk),
            f"booths-{index}-event": str(fair.pk),
            f"booths-{index}-office": str(booth.office_id),
            f"booths-{index}-hiring_for": booth.hiring_for,
            f"booths-{index}-open_positions": str(booth.open_positions),
        }
    new = len(existing)
    data |= {
        f"booths-{new}-event": str(fair.pk),
        f"booths-{new}-office": str(tenant_a.offices[1].pk),
        f"booths-{new}-hiring_for": "訪問介護員",
        f"booths-{new}-open_positions": "2",
        f"booths-{new}-hires": "99",  # ignored: read-only here
    }
    response = client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with scope(association=tenant_a.association.pk):
        added = JobFairBooth.objects.get(event=fair, office=tenant_a.offices[1])
    assert (added.hiring_for, added.open_positions, added.hires) == ("訪問介護員", 2, None)


def test_other_roles_do_not_reach_the_event_admin(tenant_a: Tenant) -> None:
    for role in ("office_admin", "leader", "city"):
        client = client_for(tenant_a, tenant_a.users[role])
        response = client.get(reverse("admin:events_event_add"))
        assert response.status_code == 302, role
