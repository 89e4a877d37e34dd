"""Public registration under a script: rate limits, a honeypot, a minimum fill time, bounded
fields and emails, and the officers' view of a burst. A person's single registration passes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from events.models import Event, Registration
from events.registration import client_fingerprint, registration_create, seats_taken
from tests.conftest import client_for
from tests.events.test_registration import form_shown_seconds_ago, make_event
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoped(tenant_a: Tenant) -> Iterator[Tenant]:
    mail.outbox.clear()
    with scope(association=tenant_a.association.pk):
        yield tenant_a


def citizen(tenant: Tenant, address: str = "192.0.2.10", **extra: Any) -> Client:
    return Client(HTTP_HOST=tenant.host, REMOTE_ADDR=address, **extra)


def form(n: int = 0, **changes: Any) -> dict[str, Any]:
    return {
        "name": f"参加者{n}",
        "email": f"person{n}@example.jp",
        "party_size": 1,
        "started": form_shown_seconds_ago(10),
        **changes,
    }


def job_fair(tenant: Tenant) -> Event:
    return make_event(tenant, capacity=200, kind="job_fair")


def test_sixty_scripted_posts_from_one_address_do_not_fill_a_job_fair(
    scoped: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    event = job_fair(scoped)
    url = reverse("events:register", args=[event.pk])
    bot = citizen(scoped)
    token = form_shown_seconds_ago(10)  # one page fetched, then replayed as fast as possible
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(60):
            answers.append(bot.post(url, form(n, party_size=5, started=token)).status_code)
    assert answers.count(302) == 5
    assert answers.count(429) == 55
    assert seats_taken(event=event, programme_item=None) == 25
    assert len(mail.outbox) == 5
    refused = bot.post(url, form(99)).content.decode()
    assert "Please wait a few minutes and try again" in refused
    # A neighbour on another connection registers as usual.
    assert citizen(scoped, "198.51.100.3").post(url, form(100)).status_code == 302


def test_sixty_posts_from_sixty_addresses_are_held_by_the_event_limit(
    scoped: Tenant, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    event = job_fair(scoped)
    url = reverse("events:register", args=[event.pk])
    answers = [
        citizen(scoped, "10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .post(url, form(n, party_size=5))
        .status_code
        for n in range(60)
    ]
    assert answers.count(302) == 30
    assert seats_taken(event=event, programme_item=None) == 150  # of 200: no waiting list
    assert not Registration.objects.filter(event=event, status="waiting").exists()


def test_every_field_is_bounded(scoped: Tenant) -> None:
    event = make_event(scoped)
    url = reverse("events:register", args=[event.pk])
    response = citizen(scoped).post(url, form(accessibility_needs="あ" * 222_222))
    assert response.status_code == 200
    assert 'href="#id_accessibility_needs"' in response.content.decode()
    for field, value in {
        "accessibility_needs": "x" * 1001,
        "name": "n" * 101,
        "kana": "k" * 101,
        "phone": "0" * 21,
        "email": "a" * 250 + "@example.jp",
    }.items():
        with pytest.raises(ValidationError) as refused:
            fields: dict[str, Any] = {"name": "名前", "email": "e@example.jp", field: value}
            registration_create(event=event, **fields)
        assert field in refused.value.message_dict
    assert not event.registrations.exists()


def test_honeypot_and_too_fast_submissions_are_refused(scoped: Tenant) -> None:
    event = make_event(scoped)
    url = reverse("events:register", args=[event.pk])
    person = citizen(scoped)
    page = person.get(url).content.decode()
    assert 'name="comment"' in page and "<div hidden>" in page
    filled_trap = person.post(url, form(comment="http://spam.example"))
    assert filled_trap.status_code == 200 and not event.registrations.exists()
    assert "Please leave this field empty." in filled_trap.content.decode()
    too_fast = person.post(url, form(started=form_shown_seconds_ago(0.5)))
    assert too_fast.status_code == 200 and not event.registrations.exists()
    assert "That was very quick" in too_fast.content.decode()
    forged = person.post(url, form(started="1700000000.000:forged"))
    assert forged.status_code == 200 and not event.registrations.exists()
    # The same person, having taken a few seconds as people do, is registered.
    assert person.post(url, form(started=form_shown_seconds_ago(4))).status_code == 302
    assert event.registrations.count() == 1


def test_party_size_is_capped_on_the_public_form(scoped: Tenant) -> None:
    event = make_event(scoped, capacity=50)
    url = reverse("events:register", args=[event.pk])
    response = citizen(scoped).post(url, form(party_size=6))
    assert response.status_code == 200 and not event.registrations.exists()
    # An officer taking a call may still enter a larger group.
    officer = client_for(scoped, scoped.users["officer"])
    officer.post(
        reverse("events:registrations", args=[event.pk]),
        {"action": "register", "name": "団体", "phone": "06-1111-2222", "party_size": 8},
    )
    assert event.registrations.get().party_size == 8


def test_email_greets_with_a_bounded_name_and_refuses_links(
    scoped: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    event = make_event(scoped)
    url = reverse("events:register", args=[event.pk])
    refused = citizen(scoped).post(url, form(name="Win money at http://spam.example"))
    assert refused.status_code == 200 and not event.registrations.exists()
    long_name = "山" * 40 + "ここから先は攻撃者の文"
    with django_capture_on_commit_callbacks(execute=True):
        assert citizen(scoped).post(url, form(name=long_name)).status_code == 302
    (message,) = mail.outbox
    body = str(message.body)
    greeting = body.splitlines()[0]
    assert greeting in {"Dear " + "山" * 29 + "…,", "山" * 29 + "… 様"}
    assert "攻撃者" not in body and "攻撃者" not in str(message.subject)


def test_client_hash_is_not_the_address(scoped: Tenant) -> None:
    event = make_event(scoped)
    citizen(scoped, "192.0.2.77").post(reverse("events:register", args=[event.pk]), form())
    registration = event.registrations.get()
    assert "192.0.2.77" not in registration.client_hash
    assert registration.client_hash == client_fingerprint(
        association_id=scoped.association.pk, address="192.0.2.77"
    )


def test_officers_see_a_burst_and_remove_it_in_one_action(
    scoped: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    event = make_event(scoped, capacity=4)
    url = reverse("events:register", args=[event.pk])
    bot = citizen(scoped, "203.0.113.50")
    for n in range(4):
        assert bot.post(url, form(n, name=f"偽名{n}")).status_code == 302
    family = citizen(scoped, "198.51.100.8")
    for n in range(2):  # a household registering two parties: not a burst
        family.post(url, form(10 + n, name=f"家族{n}"))
    assert event.registrations.filter(status="waiting").count() == 2
    officer = client_for(scoped, scoped.users["officer"])
    page_url = reverse("events:registrations", args=[event.pk])
    page = officer.get(page_url).content.decode()
    assert "Possible scripted registrations" in page
    burst_section = page.split('id="bursts-heading"')[1].split("</section>")[0]
    assert "偽名0" in burst_section and "偽名3" in burst_section and "家族" not in burst_section
    burst = [r.pk for r in event.registrations.filter(name__startswith="偽名")]
    fingerprint = event.registrations.get(name="偽名0").client_hash
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            page_url, {"action": "remove_burst", "client": fingerprint, "registration": burst}
        )
    assert response.status_code == 302
    assert not event.registrations.filter(name__startswith="偽名").exists()
    # The freed seats went to the family on the waiting list.
    assert set(event.registrations.values_list("status", flat=True)) == {"offered"}
    assert all("偽名" not in str(m.body) for m in mail.outbox if m.to[0].startswith("person"))
    assert "Possible scripted registrations" not in officer.get(page_url).content.decode()
    # Someone else's registrations cannot be removed by naming another fingerprint.
    family_ids = list(event.registrations.values_list("pk", flat=True))
    officer.post(
        page_url, {"action": "remove_burst", "client": fingerprint, "registration": family_ids}
    )
    assert event.registrations.count() == 2
