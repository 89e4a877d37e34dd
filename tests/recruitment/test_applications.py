"""Applications without an account: the service's checks, the status link, withdrawal, the
retention purge, and the public form's abuse resistance (honeypot, fill time, rate limits)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from recruitment.forms import FORM_SALT
from recruitment.models import (
    ApplicationDeletion,
    ApplicationStatus,
    JobApplication,
    RecruitmentSettings,
)
from recruitment.services import (
    application_for_key,
    application_status_set,
    applications_purge,
    posting_close,
)
from tests.conftest import client_for
from tests.recruitment.jobs import apply, make_posting
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def test_submit_normalises_contact_stores_only_the_key_hash_and_mails_both(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    office = tenant_a.offices[0]
    office.email = "office1@alpha.example"
    office.save(update_fields=["email"])
    with scope(association=tenant_a.association.pk):
        posting = make_posting(office)
        with django_capture_on_commit_callbacks(execute=True):
            application, key = apply(
                posting, email="Hanako@EXAMPLE.com", phone="０９０－１２３４－５６７８"
            )
        assert application.phone == "090-1234-5678"
        assert application.email == "Hanako@example.com"
        assert key not in application.access_key_hash and len(application.access_key_hash) == 64
        assert application_for_key(key) == application
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "office1@alpha.example" in subjects
    acknowledgement = next(m for m in mail.outbox if m.to == ["Hanako@example.com"])
    assert key in acknowledgement.body  # the status link
    assert "hanako" not in next(m.body for m in mail.outbox if "office1@alpha.example" in m.to)


def test_submit_checks_consent_contact_kana_duplicates_and_closed_postings(
    tenant_a: Tenant,
) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
        for changes, field in (
            ({"consent": False}, "consent"),
            ({"email": "", "phone": ""}, "email"),
            ({"phone": "12345", "email": ""}, "phone"),
            ({"kana": "Yamada"}, "kana"),
            ({"message": "あ" * 1001}, "message"),
        ):
            with pytest.raises(ValidationError) as error:
                apply(posting, **changes)
            assert field in error.value.message_dict, changes
        apply(posting, phone="090-1111-2222", email="")
        with pytest.raises(ValidationError):  # same phone, same posting: a duplicate
            apply(posting, phone="09011112222", email="other@example.com")
        posting_close(posting=posting, by=None)
        with pytest.raises(ValidationError):
            apply(posting, email="late@example.com")


def test_status_changes_record_history_and_hire_date(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        application, _key = apply(make_posting(tenant_a.offices[0]))
        application_status_set(
            application=application, status="contacted", note="電話しました", by=None
        )
        hired_on = timezone.localdate() - timedelta(days=3)
        application_status_set(
            application=application, status="hired", happened_on=hired_on, by=None
        )
        application.refresh_from_db()
        assert application.status == ApplicationStatus.HIRED
        assert application.hired_on == hired_on
        assert application.seen_at is not None
        assert [n.status for n in application.history.all()] == ["contacted", "hired"]
        with pytest.raises(ValidationError):
            application_status_set(
                application=application,
                status="hired",
                happened_on=timezone.localdate() + timedelta(days=1),
                by=None,
            )


def test_withdrawal_deletes_at_once_and_keeps_a_count(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        application, key = apply(make_posting(tenant_a.offices[0]))
        application_status_set(application=application, status="contacted", by=None)
    client = client_for(tenant_a)
    url = reverse("jobs:application_status")
    page = client.get(url, {"key": key})
    assert page.status_code == 200 and "Withdraw" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    response = client.post(url, {"key": key})
    assert response.status_code == 200
    with scope(association=tenant_a.association.pk):
        assert not JobApplication.objects.filter(pk=application.pk).exists()
        deletion = ApplicationDeletion.objects.get()
        assert (deletion.reason, deletion.count) == ("withdrawn", 1)
    assert "not valid" in client.get(url, {"key": key}).content.decode()


def test_purge_after_the_retention_periods(tenant_a: Tenant) -> None:
    now = timezone.now()
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
        rejected, _ = apply(posting, email="a@example.com")
        fresh, _ = apply(posting, email="b@example.com")
        hired_old, _ = apply(posting, email="c@example.com")
        hired_recent, _ = apply(posting, email="d@example.com")
        for application in (hired_old, hired_recent):
            application_status_set(application=application, status="hired", by=None)
        ago = {rejected: 200, fresh: 150, hired_old: 400, hired_recent: 300}
        for application, days in ago.items():
            JobApplication.objects.filter(pk=application.pk).update(
                status_changed_at=now - timedelta(days=days)
            )
        assert applications_purge(now=now) == {"retention_not_hired": 1, "retention_hired": 1}
        left = set(JobApplication.objects.values_list("pk", flat=True))
        assert left == {fresh.pk, hired_recent.pk}
        # A longer retention set by the association keeps the rest.
        RecruitmentSettings.objects.filter(association=tenant_a.association).update(
            retention_months_not_hired=2
        )
        assert applications_purge(now=now) == {"retention_not_hired": 1}
        assert set(ApplicationDeletion.objects.values_list("reason", "count")) == {
            ("retention_not_hired", 1),
            ("retention_hired", 1),
        }


# --- the public form -------------------------------------------------------------------------


def _form(started_seconds_ago: int = 30, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "佐藤 次郎",
        "kana": "サトウ ジロウ",
        "email": "jiro@example.com",
        "phone": "",
        "age_band": "40s",
        "qualifications": ["shoninsha"],
        "preferred_start": "すぐ",
        "message": "",
        "consent": "on",
        "website": "",
        "started": signing.dumps(int(time.time()) - started_seconds_ago, salt=FORM_SALT),
    }
    data.update(changes)
    return data


def test_the_form_applies_and_shows_the_status_page(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    client = client_for(tenant_a)
    url = reverse("jobs:apply", kwargs={"job_posting_pk": posting.pk})
    page = client.get(url).content.decode()
    assert "Only this office" in page or "only this office" in page.lower()
    response = client.post(url, _form(), follow=True)
    assert response.status_code == 200
    assert "Your application has been sent" in response.content.decode()
    with scope(association=tenant_a.association.pk):
        assert JobApplication.objects.filter(posting=posting).count() == 1


def test_honeypot_fill_time_and_rate_limits(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    client = client_for(tenant_a)
    url = reverse("jobs:apply", kwargs={"job_posting_pk": posting.pk})
    assert "could not accept" in client.post(url, _form(website="http://spam")).content.decode()
    assert "very quick" in client.post(url, _form(started_seconds_ago=0)).content.decode()
    assert "expired" in client.post(url, _form(started="forged")).content.decode()
    with scope(association=tenant_a.association.pk):
        assert not JobApplication.objects.exists()
    # 3 tries so far from this address; the limit is 5 an hour, then a clear message.
    for index in range(2):
        response = client.post(url, _form(email=f"p{index}@example.com"), follow=True)
        assert response.status_code == 200
    limited = client.post(url, _form(email="p9@example.com"))
    assert limited.status_code == 429
    assert "Too many applications" in limited.content.decode()
    # Another address is not limited by this one ...
    other = client_for(tenant_a)
    response = other.post(url, _form(email="q@example.com"), REMOTE_ADDR="10.0.0.2", follow=True)
    assert response.status_code == 200
    with scope(association=tenant_a.association.pk):
        assert JobApplication.objects.count() == 3


def test_a_burst_against_one_posting_is_limited_across_addresses(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    url = reverse("jobs:apply", kwargs={"job_posting_pk": posting.pk})
    client = client_for(tenant_a)
    statuses = [
        client.post(url, _form(website="x"), REMOTE_ADDR=f"10.1.0.{i}").status_code
        for i in range(31)
    ]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
