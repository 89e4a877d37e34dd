"""Job postings: the fields' rules, the lifecycle, copies for a head office, expiry."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from recruitment.models import JobPosting, PostingStatus
from recruitment.services import (
    jobs_version,
    posting_close,
    posting_copy_to_offices,
    posting_hide,
    posting_publish,
    posting_reopen,
    posting_save,
    postings_expire,
)
from tests.recruitment.jobs import make_posting, posting_fields
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def test_fixed_overtime_needs_hours_and_pay_and_pay_range_is_checked(tenant_a: Tenant) -> None:
    """固定残業代 must state its hours and amount together; pay max ≥ min; hourly vs monthly."""
    office = tenant_a.offices[0]
    with scope(association=tenant_a.association.pk):
        with pytest.raises(ValidationError) as error:
            posting_save(office=office, by=None, **posting_fields(fixed_overtime_hours=20))
        assert "fixed_overtime_pay" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            posting_save(office=office, by=None, **posting_fields(pay_min=250_000, pay_max=200_000))
        assert "pay_max" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            posting_save(office=office, by=None, **posting_fields(pay_kind="hourly"))
        assert "pay_min" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            posting_save(office=office, by=None, **posting_fields(welcome_tags=["free_lunch"]))
        assert "welcome_tags" in error.value.message_dict
        posting = posting_save(
            office=office,
            by=None,
            **posting_fields(
                fixed_overtime_hours=20,
                fixed_overtime_pay=30_000,
                description='<p onclick="x()">ok<script>alert(1)</script></p>',
            ),
        )
    assert posting.status == PostingStatus.DRAFT
    assert posting.description == "<p>ok</p>"


def test_lifecycle_publish_close_reopen_hide(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    with scope(association=tenant_a.association.pk):
        posting = make_posting(office, publish=False)
        version = jobs_version(tenant_a.association.pk)
        posting_publish(posting=posting, by=None)
        assert posting.status == PostingStatus.PUBLISHED and posting.published_at
        assert jobs_version(tenant_a.association.pk) != version  # the board's cache is dropped
        first_published = posting.published_at
        posting_close(posting=posting, by=None)
        assert JobPosting.objects.get(pk=posting.pk).status == PostingStatus.CLOSED
        with pytest.raises(ValidationError):
            posting_close(posting=posting, by=None)
        posting_reopen(posting=posting, by=None)
        posting.refresh_from_db()
        assert posting.status == PostingStatus.PUBLISHED
        assert posting.published_at == first_published  # datePosted does not move
        with pytest.raises(ValidationError):
            posting_hide(posting=posting, reason=" ", by=None)
        posting_hide(posting=posting, reason="給与の記載が不正確です", by=None)
        posting.refresh_from_db()
        assert posting.status == PostingStatus.HIDDEN
        with pytest.raises(ValidationError):
            posting_publish(posting=posting, by=None)
        with pytest.raises(ValidationError):
            posting_save(posting=posting, office=office, by=None, **posting_fields())


def test_publish_needs_a_future_expiry(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0], publish=False)
        JobPosting.objects.filter(pk=posting.pk).update(
            expires_on=timezone.localdate() - timedelta(days=1)
        )
        posting.refresh_from_db()
        with pytest.raises(ValidationError):
            posting_publish(posting=posting, by=None)


def test_head_office_copies_to_its_offices_only(tenant_a: Tenant) -> None:
    offices = tenant_a.offices
    with scope(association=tenant_a.association.pk):
        posting = make_posting(offices[0])
        copies = posting_copy_to_offices(
            posting=posting, office_ids=[offices[1].pk, offices[2].pk], by=None
        )
        assert sorted(c.office_id for c in copies) == sorted([offices[1].pk, offices[2].pk])
        assert all(c.status == PostingStatus.DRAFT and c.title == posting.title for c in copies)
        from members.models import Office

        stranger = Office.objects.exclude(corporation=offices[0].corporation).first()
        if stranger is None:
            from tests.tenants import build_matrix_objects

            stranger = build_matrix_objects(tenant_a).other["office"]
        with pytest.raises(ValidationError):
            posting_copy_to_offices(posting=posting, office_ids=[stranger.pk], by=None)


def test_expiry_closes_and_warns_a_week_ahead_once(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    today = timezone.localdate()
    office = tenant_a.offices[0]
    office.email = "office1@alpha.example"
    office.save(update_fields=["email"])
    with scope(association=tenant_a.association.pk):
        expired = make_posting(office, title="期限切れ")
        JobPosting.objects.filter(pk=expired.pk).update(expires_on=today - timedelta(days=1))
        soon = make_posting(office, title="もうすぐ締切", expires_on=today + timedelta(days=7))
        later = make_posting(office, title="まだ先", expires_on=today + timedelta(days=30))
        with django_capture_on_commit_callbacks(execute=True):
            assert postings_expire(today=today) == (1, 1)
        with django_capture_on_commit_callbacks(execute=True):
            assert postings_expire(today=today) == (0, 0)  # warned once only
        statuses = dict(JobPosting.objects.values_list("pk", "status"))
    assert statuses[expired.pk] == PostingStatus.CLOSED
    assert statuses[soon.pk] == statuses[later.pk] == PostingStatus.PUBLISHED
    assert len(mail.outbox) == 1
    assert "もうすぐ締切" in mail.outbox[0].subject
    assert "office1@alpha.example" in mail.outbox[0].to


@pytest.mark.django_db(transaction=True)
def test_expiry_beat_task_on_a_real_worker(tenant_a: Tenant, celery_worker: Path) -> None:
    """The beat entry point fans out per association; a real worker closes the posting."""
    from recruitment.tasks import postings_expire_all

    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
        JobPosting.objects.filter(pk=posting.pk).update(
            expires_on=timezone.localdate() - timedelta(days=2)
        )
    assert postings_expire_all() >= 1
    deadline = timezone.now() + timedelta(seconds=60)
    status = None
    while timezone.now() < deadline:
        with scope(association=tenant_a.association.pk):
            status = JobPosting.objects.get(pk=posting.pk).status
        if status == PostingStatus.CLOSED:
            break
        import time

        time.sleep(0.5)
    assert status == PostingStatus.CLOSED
