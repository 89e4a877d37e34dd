"""Public event pages: what visitors and members see, queries, caching, structured data."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from events.models import Event, ProgrammeItem, Venue
from events.services import clean_html, event_save, events_changed
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
FUTURE = datetime(2031, 5, 10, 10, 0, tzinfo=TOKYO)


def make_event(tenant: Tenant, title: str, **fields: Any) -> Event:
    with scope(association=tenant.association.pk):
        venue = Venue.objects.filter(association=tenant.association).first()
        values: dict[str, Any] = {
            "association": tenant.association,
            "title": title,
            "kind": "study_session",
            "status": "published",
            "audience": "public",
            "venue": venue,
            "starts_at": FUTURE,
            "ends_at": FUTURE + timedelta(hours=2),
        }
        values.update(fields)
        return Event.objects.create(**values)


def text(response: Any) -> str:
    return response.content.decode()


def test_list_shows_published_public_events_only(tenant_a: Tenant, tenant_b: Tenant) -> None:
    make_event(tenant_a, "公開の勉強会")
    make_event(tenant_a, "下書きの勉強会", status="draft")
    make_event(tenant_a, "会員限定の勉強会", audience="members")
    make_event(tenant_a, "部会の勉強会", audience="subcommittee")
    page = text(client_for(tenant_a).get(reverse("events:list")))
    assert "公開の勉強会" in page
    assert "下書きの勉強会" not in page
    assert "会員限定の勉強会" not in page
    assert "部会の勉強会" not in page
    assert tenant_b.marker not in page


def test_detail_of_draft_or_members_only_is_404_for_anonymous(tenant_a: Tenant) -> None:
    draft = make_event(tenant_a, "下書き", status="draft")
    members = make_event(tenant_a, "会員限定", audience="members")
    client = client_for(tenant_a)
    for event in (draft, members):
        assert client.get(reverse("events:detail", args=[event.pk])).status_code == 404
        assert client.get(reverse("events:ics", args=[event.pk])).status_code == 404


def test_members_only_events_shown_to_members(tenant_a: Tenant) -> None:
    members = make_event(tenant_a, "会員限定の研修")
    members.audience = "members"
    members.save()
    make_event(tenant_a, "下書きの研修", status="draft")
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    page = text(client.get(reverse("events:list")))
    assert "会員限定の研修" in page
    assert "下書きの研修" not in page
    assert client.get(reverse("events:detail", args=[members.pk])).status_code == 200
    assert "会員限定の研修" in text(client.get(reverse("events:feed")))


def test_other_associations_events_never_appear(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with scope(association=tenant_b.association.pk):
        b_event = Event.objects.get()
    client = client_for(tenant_a)
    assert client.get(reverse("events:detail", args=[b_event.pk])).status_code == 404
    assert client.get(reverse("events:ics", args=[b_event.pk])).status_code == 404
    for url in (reverse("events:list"), reverse("events:feed"), "/events/?month=2027-03"):
        assert tenant_b.marker not in text(client.get(url)), url


def test_filters_by_kind_area_and_day(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        okamachi = Venue.objects.create(
            association=tenant_a.association, name="岡町会館", area="岡町", address="岡町1"
        )
    make_event(tenant_a, "岡町の祭り", kind="festival", venue=okamachi)
    make_event(
        tenant_a,
        "別の日の勉強会",
        starts_at=FUTURE + timedelta(days=3),
        ends_at=FUTURE + timedelta(days=3, hours=1),
    )
    client = client_for(tenant_a)
    page = text(client.get(reverse("events:list"), {"kind": "festival"}))
    assert "岡町の祭り" in page and "別の日の勉強会" not in page
    page = text(client.get(reverse("events:list"), {"area": "岡町"}))
    assert "岡町の祭り" in page and "別の日の勉強会" not in page
    day = FUTURE.date().isoformat()
    page = text(client.get(reverse("events:list"), {"date_from": day, "date_to": day}))
    assert "岡町の祭り" in page and "別の日の勉強会" not in page


def test_calendar_is_a_table_linking_days_with_events(tenant_a: Tenant) -> None:
    make_event(tenant_a, "カレンダーの勉強会")
    page = text(client_for(tenant_a).get(reverse("events:list"), {"month": "2031-05"}))
    assert "<caption>" in page
    assert page.count('<th scope="col">') == 7
    assert "date_from=2031-05-10" in page
    assert "カレンダーの勉強会" in page  # the month filters the list too


def test_area_filter_matches_programme_venues(tenant_a: Tenant) -> None:
    festival = make_event(tenant_a, "商店街まつり", kind="festival", venue=None)
    with scope(association=tenant_a.association.pk):
        street = Venue.objects.create(
            association=tenant_a.association, name="商店街広場", area="豊中", address="豊中2"
        )
        ProgrammeItem.objects.create(
            event=festival,
            title="介護相談",
            venue=street,
            starts_at=FUTURE,
            ends_at=FUTURE + timedelta(hours=1),
        )
    page = text(client_for(tenant_a).get(reverse("events:list"), {"area": "豊中"}))
    assert "商店街まつり" in page


def test_detail_shows_programme_venues_kana_and_json_ld(tenant_a: Tenant) -> None:
    festival = make_event(
        tenant_a,
        "福祉まつり",
        title_kana="ふくしまつり",
        kind="festival",
        summary="介護の仕事を知る一日",
        description="<p>楽しい<script>alert(1)</script></p>",
    )
    with scope(association=tenant_a.association.pk):
        hall = Venue.objects.create(
            association=tenant_a.association,
            name="市民ホール",
            address="中央1-1",
            step_free=True,
            map_url="https://maps.example/hall",
        )
        ProgrammeItem.objects.create(
            event=festival,
            title="車いす体験",
            venue=hall,
            starts_at=FUTURE,
            ends_at=FUTURE + timedelta(hours=1),
        )
    response = client_for(tenant_a).get(reverse("events:detail", args=[festival.pk]))
    page = text(response)
    # Furigana over the kanji only: the kana of the title are left to be read as they are.
    assert "<ruby>福祉<rp>（</rp><rt>ふくし</rt><rp>）</rp></ruby>まつり" in page
    assert "車いす体験" in page and "市民ホール" in page and "中央1-1" in page
    assert 'href="https://maps.example/hall"' in page
    assert "<script>alert" not in page
    assert 'property="og:title" content="福祉まつり"' in page
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match
    data = json.loads(match.group(1))
    assert data["@type"] == "Event"
    assert data["name"] == "福祉まつり"
    assert data["startDate"].startswith("2031-05-10T10:00:00+09:00")
    assert data["eventStatus"] == "https://schema.org/EventScheduled"


def test_query_count_is_constant(tenant_a: Tenant) -> None:
    def counts(total: int) -> tuple[int, int, int]:
        with scope(association=tenant_a.association.pk):
            Event.objects.filter(title__startswith="量").delete()
            venue = Venue.objects.first()
            events = Event.objects.bulk_create(
                Event(
                    association=tenant_a.association,
                    title=f"量{i}",
                    kind="festival",
                    status="published",
                    venue=venue,
                    starts_at=FUTURE + timedelta(hours=i),
                    ends_at=FUTURE + timedelta(hours=i + 1),
                )
                for i in range(total)
            )
            ProgrammeItem.objects.bulk_create(
                ProgrammeItem(
                    event=event,
                    title="項目",
                    venue=venue,
                    starts_at=event.starts_at,
                    ends_at=event.ends_at,
                )
                for event in events
            )
        result = []
        for url in (
            reverse("events:list"),
            reverse("events:feed"),
            reverse("events:detail", args=[events[0].pk]),
        ):
            events_changed(tenant_a.association.pk)
            client = client_for(tenant_a)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            result.append(len(ctx))
        return (result[0], result[1], result[2])

    assert counts(20) == counts(500)


def test_anonymous_pages_are_cached_until_events_change(tenant_a: Tenant) -> None:
    event = make_event(tenant_a, "最初の題名")
    client = client_for(tenant_a)
    url = reverse("events:list")
    assert "最初の題名" in text(client.get(url))
    with scope(association=tenant_a.association.pk):
        Event.objects.filter(pk=event.pk).update(title="新しい題名")
    with CaptureQueriesContext(connection) as ctx:
        cached = text(client.get(url))
    assert "最初の題名" in cached
    assert not [q for q in ctx.captured_queries if "events_" in q["sql"]]
    events_changed(tenant_a.association.pk)
    assert "新しい題名" in text(client.get(url))


def test_cached_page_carries_the_visitors_own_csrf_token(tenant_a: Tenant) -> None:
    make_event(tenant_a, "トークンの勉強会")
    url = reverse("events:list")
    first = client_for(tenant_a)
    first.get(url)
    second = client_for(tenant_a)
    page = text(second.get(url))
    assert "__public_csrf_token__" not in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_members_are_not_served_the_anonymous_cache(tenant_a: Tenant) -> None:
    make_event(tenant_a, "会員向け", audience="members")
    url = reverse("events:list")
    assert "会員向け" not in text(client_for(tenant_a).get(url))
    assert "会員向け" in text(client_for(tenant_a, tenant_a.users["officer"]).get(url))


def test_event_save_sanitises_and_invalidates(tenant_a: Tenant) -> None:
    url = reverse("events:list")
    client = client_for(tenant_a)
    client.get(url)
    with scope(association=tenant_a.association.pk):
        event = Event(
            association=tenant_a.association,
            kind="open_meeting",
            status="published",
            starts_at=FUTURE,
            ends_at=FUTURE + timedelta(hours=1),
        )
        event_save(
            event,
            title="公開会議",
            description='<p onclick="x()">説明<a href="javascript:alert(1)">悪</a>'
            '<a href="https://example.jp">良</a></p><img src=x>',
        )
    assert event.published_at is not None
    assert "onclick" not in event.description and "javascript" not in event.description
    assert "<img" not in event.description
    assert '<a href="https://example.jp" rel="noopener">良</a>' in event.description
    assert "公開会議" in text(client.get(url))


def test_clean_html_keeps_allowed_markup() -> None:
    html = "<p>a<br><strong>b</strong><em>c</em></p><ul><li>d</li></ul><ol><li>e</li></ol>"
    assert clean_html(html) == html
    assert clean_html("<h1>x</h1><div>y</div>") == "xy"
