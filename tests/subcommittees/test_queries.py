"""Subcommittee pages run a constant number of queries, however many offices there are."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from subcommittees.models import SubcommitteeKind
from subcommittees.services import meeting_attendance_set
from tests.conftest import client_for
from tests.subcommittees.helpers import add_meeting, add_office, add_staff, subcommittee_of
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def queries_of(tenant: Tenant, who: str, url: str) -> Callable[[], int]:
    client = client_for(tenant, tenant.users[who])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    count()  # warm up: session and first-request lookups
    return count


@pytest.mark.parametrize("page", ["detail", "list", "meeting_detail", "meeting_attendance"])
def test_query_count_does_not_grow_with_offices(tenant_a: Tenant, page: str) -> None:
    kyotaku = subcommittee_of(tenant_a, SubcommitteeKind.KYOTAKU)
    meeting = add_meeting(tenant_a, kyotaku)
    url = {
        "detail": reverse("subcommittees:detail", args=[kyotaku.pk]),
        "list": reverse("subcommittees:list"),
        "meeting_detail": reverse("subcommittees:meeting_detail", args=[meeting.pk]),
        "meeting_attendance": reverse("subcommittees:meeting_attendance", args=[meeting.pk]),
    }[page]
    count = queries_of(tenant_a, "leader", url)
    before = count()

    offices = [add_office(tenant_a, ["43", "46", "15"]) for _ in range(12)]
    for office in offices[:4]:
        add_staff(tenant_a, office)
    add_meeting(tenant_a, kyotaku, title="もう一つの会議")
    with scope(association=tenant_a.association.pk):
        meeting_attendance_set(
            meeting=meeting, statuses={office.pk: "attending" for office in offices[:6]}
        )

    assert count() == before
