"""Job fairs: an office records its booth's outcome after the fair; the hires feed the filing
page's hint; officers see each fair's totals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from association.models import RoleKind
from association.services import role_grant
from core.calendar import month_start
from events.models import Event, EventKind, EventStatus, Venue
from recruitment.models import JobFairBooth
from recruitment.selectors import fair_totals, job_fair_hires
from recruitment.services import booth_outcome_record
from tests.conftest import client_for
from tests.tenants import Tenant, make_user

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def make_fair(
    tenant: Tenant,
    *,
    starts_at: datetime,
    status: str = EventStatus.PUBLISHED,
    offices: list[Any] | None = None,
) -> tuple[Event, list[JobFairBooth]]:
    with scope(association=tenant.association.pk):
        venue = Venue.objects.create(
            association=tenant.association, name="会場", address=f"{tenant.marker}町2-2"
        )
        event = Event.objects.create(
            association=tenant.association,
            title=f"{tenant.marker}就職フェア {starts_at:%Y-%m-%d}",
            kind=EventKind.JOB_FAIR,
            status=status,
            venue=venue,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
        )
        booths = [
            JobFairBooth.objects.create(event=event, office=office, open_positions=3)
            for office in (offices if offices is not None else tenant.offices[:2])
        ]
    return event, booths


def past() -> datetime:
    return timezone.now() - timedelta(days=3)


def outcome_url(booth: JobFairBooth) -> str:
    return reverse("recruitment:booth_outcome", kwargs={"job_fair_booth_pk": booth.pk})


def refreshed(tenant: Tenant, booth: JobFairBooth) -> JobFairBooth:
    with scope(association=tenant.association.pk):
        return JobFairBooth.objects.get(pk=booth.pk)


# --- recording the outcome -------------------------------------------------------------------


def test_office_admin_records_the_outcome_after_the_fair(tenant_a: Tenant) -> None:
    _event, (booth, _other) = make_fair(tenant_a, starts_at=past())
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    page = client.get(outcome_url(booth))
    assert page.status_code == 200
    assert 'name="interviews"' in page.content.decode()

    response = client.post(outcome_url(booth), {"interviews": "5", "hires": "２"})
    assert response.status_code == 302
    saved = refreshed(tenant_a, booth)
    assert (saved.interviews, saved.hires) == (5, 2)
    assert saved.outcome_recorded_at is not None
    # Listed on the office admin's booths page.
    listing = client.get(reverse("recruitment:my_booths")).content.decode()
    assert booth.event.title in listing and outcome_url(booth) in listing


def test_only_the_offices_admin_may_record(tenant_a: Tenant) -> None:
    _event, (booth, other_booth) = make_fair(tenant_a, starts_at=past())
    # The admin of another office of the same association: 403 on this booth, fine on theirs.
    other_admin = make_user("other-admin@alpha.example")
    with scope(association=tenant_a.association.pk):
        role_grant(
            association=tenant_a.association,
            user=other_admin,
            kind=RoleKind.OFFICE_ADMIN,
            office=tenant_a.offices[1],
        )
    client = client_for(tenant_a, other_admin)
    assert client.get(outcome_url(booth)).status_code == 403
    assert client.post(outcome_url(booth), {"interviews": 1, "hires": 1}).status_code == 403
    assert client.get(outcome_url(other_booth)).status_code == 200
    # Staff of the booth's office file figures but do not manage the office.
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    assert staff.post(outcome_url(booth), {"interviews": 1, "hires": 1}).status_code == 403
    assert client_for(tenant_a).get(outcome_url(booth)).status_code == 302
    assert refreshed(tenant_a, booth).outcome_recorded_at is None


def test_not_before_the_fair_has_ended(tenant_a: Tenant) -> None:
    _event, (booth, _other) = make_fair(tenant_a, starts_at=timezone.now() + timedelta(days=30))
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    page = client.get(outcome_url(booth)).content.decode()
    assert "once the job fair has ended" in page
    assert 'name="interviews"' not in page
    response = client.post(outcome_url(booth), {"interviews": "3", "hires": "1"})
    assert response.status_code == 200
    assert "once the job fair has ended" in response.content.decode()
    assert refreshed(tenant_a, booth).outcome_recorded_at is None
    # A fair under way has not ended either.
    _event, (running, _o) = make_fair(tenant_a, starts_at=timezone.now() - timedelta(hours=1))
    with scope(association=tenant_a.association.pk), pytest.raises(ValidationError):
        booth_outcome_record(
            booth=JobFairBooth.objects.select_related("event").get(pk=running.pk),
            interviews=1,
            hires=0,
            by=None,
        )


def test_hires_cannot_exceed_interviews(tenant_a: Tenant) -> None:
    _event, (booth, _other) = make_fair(tenant_a, starts_at=past())
    client = client_for(tenant_a, tenant_a.users["office_admin"])
    response = client.post(outcome_url(booth), {"interviews": "2", "hires": "3"})
    assert response.status_code == 200
    assert "Hires cannot be more than interviews" in response.content.decode()
    assert refreshed(tenant_a, booth).hires is None
    with scope(association=tenant_a.association.pk):
        with pytest.raises(ValidationError) as error:
            booth_outcome_record(booth=booth, interviews=1, hires=2, by=None)
        assert "hires" in error.value.message_dict


def test_a_cancelled_fair_records_nothing(tenant_a: Tenant) -> None:
    _event, (booth, _other) = make_fair(tenant_a, starts_at=past(), status=EventStatus.CANCELLED)
    with scope(association=tenant_a.association.pk), pytest.raises(ValidationError):
        booth_outcome_record(booth=booth, interviews=1, hires=1, by=None)


def test_another_associations_booth_is_not_found(tenant_a: Tenant, tenant_b: Tenant) -> None:
    _event, (booth_b, _other) = make_fair(tenant_b, starts_at=past())
    for role in ("office_admin", "officer", "corp_admin"):
        client = client_for(tenant_a, tenant_a.users[role])
        assert client.get(outcome_url(booth_b)).status_code == 404, role
        response = client.post(outcome_url(booth_b), {"interviews": 1, "hires": 1})
        assert response.status_code == 404, role
    # B's officer on A's host is not a member there.
    assert (
        client_for(tenant_a, tenant_b.users["officer"]).get(outcome_url(booth_b)).status_code == 403
    )
    assert refreshed(tenant_b, booth_b).outcome_recorded_at is None


# --- the hires feed the KPI channel figures --------------------------------------------------


def test_job_fair_hires_sums_the_offices_booths_of_fairs_held_that_month(
    tenant_a: Tenant,
) -> None:
    office, other_office = tenant_a.offices[:2]
    may = datetime(2026, 5, 10, 13, tzinfo=TOKYO)
    _e1, (b1, b1_other) = make_fair(tenant_a, starts_at=may)
    _e2, (b2, _b2_other) = make_fair(tenant_a, starts_at=datetime(2026, 5, 31, 23, tzinfo=TOKYO))
    _e3, (b3, _b3_other) = make_fair(tenant_a, starts_at=datetime(2026, 6, 1, 0, tzinfo=TOKYO))
    _e4, (b4, _b4_other) = make_fair(tenant_a, starts_at=may, status=EventStatus.CANCELLED)
    with scope(association=tenant_a.association.pk):
        for booth, hires in ((b1, 2), (b1_other, 4), (b2, 1), (b3, 5), (b4, 7)):
            JobFairBooth.objects.filter(pk=booth.pk).update(interviews=9, hires=hires)
        assert job_fair_hires(office_id=office.pk, month=date(2026, 5, 1)) == 3
        assert job_fair_hires(office_id=other_office.pk, month=date(2026, 5, 1)) == 4
        assert job_fair_hires(office_id=office.pk, month=date(2026, 6, 1)) == 5
        assert job_fair_hires(office_id=office.pk, month=date(2026, 4, 1)) == 0


def test_filing_page_shows_the_job_fair_hires_as_a_hint(tenant_a: Tenant) -> None:
    month = month_start(timezone.localdate())
    starts = datetime(month.year, month.month, 1, 0, 30, tzinfo=TOKYO)
    _event, (booth, _other) = make_fair(tenant_a, starts_at=starts)
    office = tenant_a.offices[0]
    url = reverse("kpis:filing", kwargs={"office_pk": office.pk}) + f"?month={month:%Y-%m}"
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    assert "job-fair-hint" not in client.get(url).content.decode()
    with scope(association=tenant_a.association.pk):
        JobFairBooth.objects.filter(pk=booth.pk).update(interviews=4, hires=3)
    page = client.get(url).content.decode()
    assert "job fairs this month: 3 hires" in page


# --- officers' totals ------------------------------------------------------------------------


def test_officer_sees_the_fairs_totals(tenant_a: Tenant, tenant_b: Tenant) -> None:
    event, booths = make_fair(tenant_a, starts_at=past(), offices=tenant_a.offices[:3])
    with scope(association=tenant_a.association.pk):
        booth_outcome_record(booth=booths[0], interviews=4, hires=2, by=None)
        booth_outcome_record(booth=booths[1], interviews=3, hires=1, by=None)
        totals = fair_totals(event=event)
    assert (totals.booths, totals.recorded, totals.interviews, totals.hires) == (3, 2, 7, 3)
    assert totals.open_positions == 9

    url = reverse("recruitment:fair_detail", kwargs={"event_pk": event.pk})
    officer = client_for(tenant_a, tenant_a.users["officer"])
    page = officer.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert '<dd id="total-interviews">7</dd>' in text
    assert '<dd id="total-hires">3</dd>' in text
    assert tenant_a.offices[2].name in text
    listing = officer.get(reverse("recruitment:fair_list")).content.decode()
    assert event.title in listing and url in listing
    assert client_for(tenant_a, tenant_a.users["office_admin"]).get(url).status_code == 403
    # Another association's fair is not found; a non-fair event neither.
    other, _b = make_fair(tenant_b, starts_at=past())
    assert (
        officer.get(reverse("recruitment:fair_detail", kwargs={"event_pk": other.pk})).status_code
        == 404
    )
    with scope(association=tenant_a.association.pk):
        Event.objects.filter(pk=event.pk).update(kind=EventKind.FESTIVAL)
    assert officer.get(url).status_code == 404
