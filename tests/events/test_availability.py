"""What a citizen sees before the form: places left, full with a waiting list, closed, over,
called off — on the list, the event's page and the form, kept fresh in the anonymous cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from events.models import Event, ProgrammeItem, Registration, Venue
from events.registration import offer_deadline, registration_cancel, registration_create
from events.selectors import Availability, events_availability, few_places
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def scoped(tenant_a: Tenant) -> Iterator[Tenant]:
    with scope(association=tenant_a.association.pk):
        yield tenant_a


def venue(tenant: Tenant) -> Venue:
    return Venue.objects.filter(association=tenant.association).first() or Venue.objects.create(
        association=tenant.association, name="会館", address="町1-1"
    )


def make_event(tenant: Tenant, title: str, *, days: float = 20, **extra: Any) -> Event:
    starts = timezone.now() + timedelta(days=days)
    fields: dict[str, Any] = {
        "association": tenant.association,
        "title": title,
        "kind": "study_session",
        "status": "published",
        "venue": venue(tenant),
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "registration_required": True,
        "capacity": 30,
        **extra,
    }
    return Event.objects.create(**fields)


def take(event: Event, people: int, item: ProgrammeItem | None = None) -> None:
    while people > 0:
        size = min(people, 10)
        registration_create(
            event=event, programme_item=item, name="申込者", email="a@example.jp", party_size=size
        )
        people -= size


def ja(tenant: Tenant) -> Client:
    return Client(HTTP_HOST=tenant.host, HTTP_ACCEPT_LANGUAGE="ja")


def state(event: Event, item: ProgrammeItem | None = None) -> Availability:
    event = Event.objects.prefetch_related("programme").get(pk=event.pk)
    return events_availability([event])[(event.pk, item.pk if item else None)]


def test_states_follow_places_dates_and_cancellation(scoped: Tenant) -> None:
    event = make_event(scoped, "勉強会", capacity=30)
    assert (state(event).state, state(event).seats_left) == (Availability.OPEN, 30)
    take(event, 30 - few_places(30))
    assert (state(event).state, state(event).seats_left) == (Availability.FEW, 3)
    take(event, 3)
    full = state(event)
    assert (full.state, full.seats_left) == (Availability.WAITING_LIST, 0)
    assert full.can_register and full.button_label == "キャンセル待ちに登録"
    # A party of 10 cancels and nobody waits: places are free again.
    first = Registration.objects.filter(event=event).order_by("pk").first()
    assert first is not None and first.party_size == 10
    registration_cancel(cancel_key=first.cancel_key)
    assert (state(event).state, state(event).seats_left) == (Availability.OPEN, 10)
    event.registration_closes_at = timezone.now() - timedelta(minutes=1)
    event.save()
    assert state(event).state == Availability.CLOSED and not state(event).can_register
    event.status = "cancelled"
    event.save()
    assert state(event).state == Availability.CANCELLED
    past = make_event(scoped, "終わった勉強会", days=-3)
    assert state(past).state == Availability.ENDED
    no_form = make_event(scoped, "自由参加", registration_required=False)
    assert state(no_form).state == Availability.NOT_NEEDED and state(no_form).label == ""
    unlimited = make_event(scoped, "定員なし", capacity=None)
    assert (state(unlimited).state, state(unlimited).seats_left) == (Availability.OPEN, None)


def test_programme_items_have_their_own_places(scoped: Tenant) -> None:
    festival = make_event(scoped, "福祉まつり", registration_required=False, capacity=None)
    workshop = ProgrammeItem.objects.create(
        event=festival,
        title="車いす体験",
        venue=venue(scoped),
        starts_at=festival.starts_at,
        ends_at=festival.starts_at + timedelta(hours=1),
        registration_required=True,
        capacity=4,
    )
    take(festival, 4, workshop)
    assert state(festival, workshop).state == Availability.WAITING_LIST
    assert state(festival).state == Availability.NOT_NEEDED


def test_list_and_page_show_it_in_japanese_and_the_anonymous_cache_follows(
    tenant_a: Tenant,
) -> None:
    with scope(association=tenant_a.association.pk):
        event = make_event(tenant_a, "満員になる勉強会", capacity=2)
    client = ja(tenant_a)
    list_url, page_url = reverse("events:list"), reverse("events:detail", args=[event.pk])
    assert "受付中" in client.get(list_url).content.decode()  # cached now
    assert "申し込む" in client.get(page_url).content.decode()
    with scope(association=tenant_a.association.pk):
        take(event, 2)
    listing = client.get(list_url).content.decode()
    page = client.get(page_url).content.decode()
    assert "満員（キャンセル待ち受付中）" in listing, "the cached list kept the old places"
    assert "満員（キャンセル待ち受付中）" in page
    assert "キャンセル待ちに登録" in page and ">申し込む<" not in page
    form = client.get(reverse("events:register", args=[event.pk])).content.decode()
    assert '<button type="submit">キャンセル待ちに登録</button>' in form


def test_past_events_are_kept_marked_and_listed_as_a_record(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        past = make_event(tenant_a, "昨年の就職フェア", days=-30)
        make_event(tenant_a, "来月の勉強会")
    client = ja(tenant_a)
    upcoming = client.get(reverse("events:list")).content.decode()
    assert "来月の勉強会" in upcoming and "昨年の就職フェア" not in upcoming
    record = client.get(reverse("events:list") + "?when=past").content.decode()
    assert "昨年の就職フェア" in record and "来月の勉強会" not in record
    assert "終了しました" in record
    page = client.get(reverse("events:detail", args=[past.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "このイベントは終了しました" in body
    assert reverse("events:register", args=[past.pk]) not in body


def test_the_list_reads_places_in_one_query_whatever_the_number_of_events(
    tenant_a: Tenant,
) -> None:
    def queries(count: int) -> int:
        with scope(association=tenant_a.association.pk):
            Event.objects.all().delete()
            for n in range(count):
                event = make_event(tenant_a, f"勉強会{n}", days=5 + n / 100, capacity=5)
                if n % 2:
                    take(event, 5)
        client = Client(HTTP_HOST=tenant_a.host, HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(tenant_a.users["office_staff"])  # logged in: nothing is cached
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("events:list")).content.decode()
        assert page.count("満員（キャンセル待ち受付中）") == min(count, 20) // 2
        return len(captured)

    assert queries(4) == queries(40)


def test_cancelled_registration_and_cancelled_event_are_told_apart(scoped: Tenant) -> None:
    from django.utils import translation

    from events.models import EventStatus, RegistrationStatus

    with translation.override("ja"):
        assert str(RegistrationStatus.CANCELLED.label) == "キャンセル済み"
        assert str(EventStatus.CANCELLED.label) == "中止"


def test_offers_end_at_a_sensible_hour_and_never_after_the_event_begins() -> None:
    night = datetime(2031, 5, 1, 3, 17, tzinfo=TOKYO)
    far = datetime(2031, 6, 1, 10, 0, tzinfo=TOKYO)
    deadline = timezone.localtime(offer_deadline(now=night, starts_at=far), TOKYO)
    assert deadline == datetime(2031, 5, 3, 21, 0, tzinfo=TOKYO)  # 48 h on, then 21:00
    evening = datetime(2031, 5, 1, 22, 30, tzinfo=TOKYO)
    deadline = timezone.localtime(offer_deadline(now=evening, starts_at=far), TOKYO)
    assert deadline == datetime(2031, 5, 4, 21, 0, tzinfo=TOKYO)
    soon = datetime(2031, 5, 2, 13, 0, tzinfo=TOKYO)
    assert offer_deadline(now=night, starts_at=soon) == soon


def test_form_marks_required_and_optional_and_normalises_the_phone(tenant_a: Tenant) -> None:
    from tests.events.test_registration import form_shown_seconds_ago

    with scope(association=tenant_a.association.pk):
        event = make_event(tenant_a, "電話で申し込む勉強会")
    client = ja(tenant_a)
    url = reverse("events:register", args=[event.pk])
    form = client.get(url).content.decode()
    assert '名前 <span class="field-mark field-mark-required">必須</span>' in form
    assert "いずれか必須" in form and ">任意</span>" in form
    data = {"name": "山田花子", "party_size": 1, "started": form_shown_seconds_ago(10)}
    wrong = client.post(url, {**data, "phone": "でんわ"})
    body = wrong.content.decode()
    assert 'href="#id_phone"' in body and "日本の電話番号として正しくありません" in body
    mail.outbox.clear()
    client.post(url, {**data, "phone": "０９０ー１２３４ー５６７８"})
    with scope(association=tenant_a.association.pk):
        assert Registration.objects.get(event=event).phone == "090-1234-5678"


def test_confirmation_mail_greets_with_sama_and_gives_start_and_end(
    scoped: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import translation

    event = make_event(scoped, "時間のある勉強会")
    mail.outbox.clear()
    with translation.override("ja"), django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, name="山田花子", email="hanako@example.jp")
    body = mail.outbox[-1].body
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    assert body.startswith("山田花子 様")
    assert f"{start:%H:%M}〜{end:%H:%M}" in body


def test_a_job_fair_lists_its_exhibitors_for_everyone_and_follows_new_booths(
    tenant_a: Tenant,
) -> None:
    from recruitment.services import job_fair_booth_create

    with scope(association=tenant_a.association.pk):
        fair = Event.objects.get(kind="job_fair", title__contains="就職フェア")
    client = ja(tenant_a)
    url = reverse("events:detail", args=[fair.pk])
    page = client.get(url).content.decode()  # anonymous: cached from here on
    assert "出展事業所" in page
    assert tenant_a.offices[0].name in page and "募集職種: 介護職員" in page
    assert tenant_a.offices[1].name not in page
    with scope(association=tenant_a.association.pk):
        job_fair_booth_create(
            event=fair, office=tenant_a.offices[1], hiring_for="看護師", open_positions=2
        )
    page = client.get(url).content.decode()
    assert tenant_a.offices[1].name in page and "募集人数 2 名" in page
