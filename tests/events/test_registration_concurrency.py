"""Two people take the last seat at the same moment: exactly one gets it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from django_scopes import scope

from events.models import Event, Registration, RegistrationStatus
from events.registration import registration_create
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_people_taking_the_last_seat_at_once(tenant_a: Tenant) -> None:
    association = tenant_a.association
    starts = timezone.now() + timedelta(days=10)
    with scope(association=association.pk):
        event = Event.objects.create(
            association=association,
            title="最後の一席",
            kind="study_session",
            status="published",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            registration_required=True,
            capacity=1,
        )
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def take_seat(name: str) -> None:
        try:
            with scope(association=association.pk):
                barrier.wait(timeout=10)
                results.append(registration_create(event=event, name=name, phone="06-0000-0000"))
        except Exception as error:
            results.append(error)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=take_seat, args=(n,)) for n in ("先着", "同時")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(isinstance(r, Registration) for r in results), results
    with scope(association=association.pk):
        statuses = sorted(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING]
