"""Citizens' registrations: capacity, waiting list, offers, cancellation, retention, officers."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from events.models import Event, Registration, RegistrationStatus, Venue
from events.registration import (
    offers_expire,
    registration_cancel,
    registration_create,
    registration_offer_accept,
    registrations_purge,
)
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

S = RegistrationStatus


@pytest.fixture(autouse=True)
def _mail_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mail goes out on commit; these tests never commit, so send at once instead."""
    from types import SimpleNamespace

    monkeypatch.setattr(
        "association.tasks.transaction", SimpleNamespace(on_commit=lambda func: func())
    )


@pytest.fixture
def scoped(tenant_a: Tenant) -> Iterator[Tenant]:
    mail.outbox.clear()  # building the tenants sent invitations
    with scope(association=tenant_a.association.pk):
        yield tenant_a


def make_event(tenant: Tenant, *, capacity: int | None = 3, **extra: Any) -> Event:
    starts = timezone.now() + timedelta(days=20)
    venue = Venue.objects.filter(association=tenant.association).first() or Venue.objects.create(
        association=tenant.association, name="会館", address="町1-1"
    )
    fields: dict[str, Any] = {
        "association": tenant.association,
        "title": f"{tenant.marker}勉強会",
        "kind": "study_session",
        "status": "published",
        "venue": venue,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "registration_required": True,
        "capacity": capacity,
        **extra,
    }
    return Event.objects.create(**fields)


def register(event: Event, name: str, party_size: int = 1, **extra: Any) -> Registration:
    fields: dict[str, Any] = {"email": f"{name}@example.jp", **extra}
    return registration_create(event=event, name=name, party_size=party_size, **fields)


def form_shown_seconds_ago(seconds: float) -> str:
    """The public form's signed 'shown at' field, as if a person had it open that long."""
    from events.registration_views import STARTED_SALT

    return signing.TimestampSigner(salt=STARTED_SALT).sign(f"{time.time() - seconds:.3f}")


def status(registration: Registration) -> str:
    registration.refresh_from_db()
    return registration.status


def test_capacity_and_waiting_list_count_party_size(scoped: Tenant, mailoutbox: Any) -> None:
    event = make_event(scoped, capacity=3)
    family = register(event, "family", party_size=2)
    one = register(event, "one")
    late = register(event, "late")
    assert (family.status, one.status, late.status) == (S.CONFIRMED, S.CONFIRMED, S.WAITING)
    # The confirmation carries the cancellation link; the waiting one says so.
    assert family.cancel_key in mailoutbox[0].body
    assert "/events/cancel/?key=" in mailoutbox[0].body
    assert mailoutbox[2].to == ["late@example.jp"]
    assert "waiting list" in mailoutbox[2].subject.lower() or "キャンセル待ち" in str(
        mailoutbox[2].subject
    )


def test_party_larger_than_the_event_is_refused(scoped: Tenant) -> None:
    event = make_event(scoped, capacity=3)
    with pytest.raises(ValidationError) as error:
        register(event, "big", party_size=4)
    assert "party_size" in error.value.message_dict


def test_email_or_phone_is_required_and_phone_alone_is_enough(scoped: Tenant) -> None:
    event = make_event(scoped)
    with pytest.raises(ValidationError) as error:
        registration_create(event=event, name="no contact", party_size=1)
    assert "email" in error.value.message_dict
    registration = registration_create(
        event=event, name="電話のみ", phone="06-1234-5678", party_size=1
    )
    assert registration.status == S.CONFIRMED


@pytest.mark.parametrize(
    "change",
    [
        {"status": "draft"},
        {"status": "cancelled"},
        {"registration_closes_at": timezone.now() - timedelta(minutes=1)},
        {"registration_required": False},
    ],
)
def test_registration_closed(scoped: Tenant, change: dict[str, Any]) -> None:
    event = make_event(scoped, **change)
    with pytest.raises(ValidationError, match="closed"):
        register(event, "someone")


def test_cancel_offers_the_seat_to_the_next_waiting_that_fits(
    scoped: Tenant, mailoutbox: Any
) -> None:
    event = make_event(scoped, capacity=2)
    first = register(event, "first", party_size=2)
    big = register(event, "big", party_size=2)  # waits
    small = register(event, "small")  # waits
    mailoutbox.clear()
    cancelled = registration_cancel(cancel_key=first.cancel_key)
    assert cancelled.status == S.CANCELLED
    assert status(big) == S.OFFERED  # the first waiting fits: offered, the seats are held
    assert status(small) == S.WAITING
    big.refresh_from_db()
    assert big.offer_expires_at is not None
    # At least 48 hours, ending at 21:00 local time (not in the middle of the night).
    hours = (big.offer_expires_at - timezone.now()).total_seconds() / 3600
    assert 47.9 < hours <= 48 + 24
    assert timezone.localtime(big.offer_expires_at).strftime("%H:%M") == "21:00"
    offer = next(m for m in mailoutbox if m.to == ["big@example.jp"])
    assert f"/events/offer/?key={big.cancel_key}" in offer.body
    assert f"/events/cancel/?key={big.cancel_key}" in offer.body
    accepted = registration_offer_accept(cancel_key=big.cancel_key)
    assert accepted.status == S.CONFIRMED


def test_a_smaller_party_further_down_takes_what_fits(scoped: Tenant) -> None:
    event = make_event(scoped, capacity=2)
    one = register(event, "one")
    register(event, "two")
    big = register(event, "big", party_size=2)
    small = register(event, "small")
    registration_cancel(cancel_key=one.cancel_key)
    assert (status(big), status(small)) == (S.WAITING, S.OFFERED)


def test_expired_offer_passes_the_seat_on(scoped: Tenant, mailoutbox: Any) -> None:
    event = make_event(scoped, capacity=2)
    first = register(event, "first", party_size=2)
    slow = register(event, "slow", party_size=2)
    next_one = register(event, "next", party_size=2)
    registration_cancel(cancel_key=first.cancel_key)
    assert status(slow) == S.OFFERED
    slow.refresh_from_db()
    assert slow.offer_expires_at is not None
    assert offers_expire(now=slow.offer_expires_at - timedelta(minutes=1)) == 0
    later = slow.offer_expires_at + timedelta(minutes=1)
    assert offers_expire(now=later) == 1
    assert status(slow) == S.CANCELLED
    assert status(next_one) == S.OFFERED
    with pytest.raises(ValidationError):
        registration_offer_accept(cancel_key=slow.cancel_key, now=later)
    assert any(m.to == ["next@example.jp"] and "/events/offer/" in m.body for m in mailoutbox)


def test_offer_cannot_be_accepted_after_it_expired(scoped: Tenant) -> None:
    event = make_event(scoped, capacity=1)
    first = register(event, "first")
    second = register(event, "second")
    registration_cancel(cancel_key=first.cancel_key)
    second.refresh_from_db()
    assert second.offer_expires_at is not None
    with pytest.raises(ValidationError):
        registration_offer_accept(
            cancel_key=second.cancel_key, now=second.offer_expires_at + timedelta(minutes=1)
        )


def test_cancel_link_needs_no_account_and_only_the_right_key(scoped: Tenant) -> None:
    event = make_event(scoped)
    registration = register(event, "citizen")
    client = client_for(scoped)
    url = reverse("events:cancel")
    wrong = client.get(url, {"key": "wrong"})
    assert wrong.status_code == 200
    assert "citizen" not in wrong.content.decode()
    client.post(url, {"key": "wrong"})
    client.post(url, {"key": ""})
    assert status(registration) == S.CONFIRMED
    page = client.get(url, {"key": registration.cancel_key})
    assert event.title in page.content.decode()
    assert status(registration) == S.CONFIRMED  # GET changes nothing
    response = client.post(url, {"key": registration.cancel_key})
    assert response.status_code == 200
    assert status(registration) == S.CANCELLED


def test_register_page_posts_and_shows_the_result(scoped: Tenant, mailoutbox: Any) -> None:
    event = make_event(scoped, capacity=1)
    client = client_for(scoped)
    url = reverse("events:register", args=[event.pk])
    page = client.get(url).content.decode()
    assert "<fieldset" in page and "<legend" in page
    assert "purpose-heading" in page
    data = {
        "name": "山田花子",
        "kana": "やまだはなこ",
        "phone": "",
        "email": "",
        "party_size": 1,
        "started": form_shown_seconds_ago(10),
    }
    invalid = client.post(url, data)
    assert invalid.status_code == 200
    assert 'href="#id_email"' in invalid.content.decode()
    response = client.post(url, {**data, "email": "hanako@example.jp"}, follow=True)
    assert response.status_code == 200
    registration = Registration.objects.get(event=event)
    assert registration.status == S.CONFIRMED
    assert registration.get_status_display() in response.content.decode()
    waiting = client.post(url, {**data, "phone": "090-1234-0000"}, follow=True)
    assert str(S.WAITING.label) in waiting.content.decode()


def test_draft_event_register_page_is_404(scoped: Tenant) -> None:
    event = make_event(scoped, status="draft")
    assert client_for(scoped).get(reverse("events:register", args=[event.pk])).status_code == 404


@pytest.mark.parametrize("days", [90, 30])
def test_registrations_purged_after_retention(scoped: Tenant, days: int) -> None:
    """The association sets how long registrations are kept after the event."""
    scoped.association.registration_retention_days = days
    scoped.association.save(update_fields=["registration_retention_days"])
    REGISTRATION_RETENTION_DAYS = days
    now = timezone.now()
    old = make_event(scoped)
    recent = make_event(scoped)
    kept = register(recent, "recent")
    gone = register(old, "old")
    Event.objects.filter(pk=old.pk).update(
        starts_at=now - timedelta(days=REGISTRATION_RETENTION_DAYS + 2),
        ends_at=now - timedelta(days=REGISTRATION_RETENTION_DAYS + 1),
    )
    Event.objects.filter(pk=recent.pk).update(
        starts_at=now - timedelta(days=REGISTRATION_RETENTION_DAYS),
        ends_at=now - timedelta(days=REGISTRATION_RETENTION_DAYS - 1),
    )
    assert registrations_purge(now=now) == 1
    assert not Registration.objects.filter(pk=gone.pk).exists()
    assert Registration.objects.filter(pk=kept.pk).exists()


def test_purge_task_runs_per_association(tenant_a: Tenant, tenant_b: Tenant) -> None:
    from events.tasks import registrations_purge_all

    assert registrations_purge_all() == 2


def test_officer_csv_has_this_events_registrations_only(scoped: Tenant, tenant_b: Tenant) -> None:
    event = make_event(scoped)
    other = make_event(scoped)
    register(event, "=mine", kana="みん", accessibility_needs="車いす")
    register(other, "theirs")
    client = client_for(scoped, scoped.users["officer"])
    response = client.get(reverse("events:registrations_csv", args=[event.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert rows[1][2] == "'=mine"  # no formula injection
    assert "車いす" in rows[1]
    assert "theirs" not in response.content.decode()


def test_other_associations_event_is_404(scoped: Tenant, tenant_b: Tenant) -> None:
    with scope(association=tenant_b.association.pk):
        theirs = Event.objects.order_by("pk").first()
    assert theirs is not None
    officer = client_for(scoped, scoped.users["officer"])
    for name in ("registrations", "registrations_csv", "registrations_print", "register"):
        assert officer.get(reverse(f"events:{name}", args=[theirs.pk])).status_code == 404


def test_officer_list_phone_in_and_check_in(scoped: Tenant) -> None:
    event = make_event(scoped, capacity=1)
    register(event, "ウェブ太郎")
    client = client_for(scoped, scoped.users["officer"])
    url = reverse("events:registrations", args=[event.pk])
    response = client.post(
        url, {"action": "register", "name": "電話花子", "phone": "06-1111-2222", "party_size": 1}
    )
    assert response.status_code == 302
    phoned = Registration.objects.get(name="電話花子")
    assert phoned.registered_by == scoped.users["officer"]
    assert phoned.status == S.WAITING and phoned.email == ""
    page = client.get(url).content.decode()
    assert "ウェブ太郎" in page and "電話花子" in page
    web = Registration.objects.get(name="ウェブ太郎")
    client.post(url, {"action": "check_in", "registration": web.pk})
    web.refresh_from_db()
    assert web.checked_in_at is not None
    printed = client.get(reverse("events:registrations_print", args=[event.pk])).content.decode()
    assert "ウェブ太郎" in printed and "電話花子" not in printed
    # Citizens and other roles cannot reach the officers' pages.
    assert client_for(scoped, scoped.users["office_admin"]).get(url).status_code == 403


def test_status_page_for_key(scoped: Tenant) -> None:
    event = make_event(scoped)
    registration = register(event, "citizen")
    page = client_for(scoped).get(reverse("events:registration"), {"key": registration.cancel_key})
    assert re.search(r"/events/cancel/\?key=", page.content.decode())
