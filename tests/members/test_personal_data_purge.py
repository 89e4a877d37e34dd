"""Refused applications and finished invitations are deleted once their purpose has ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from members.models import Corporation, Invitation, Office, OfficeStatus
from members.services import office_register, office_reject, personal_data_purge
from members.tasks import personal_data_purge_all
from tests.tenants import Tenant, corporate_number, make_user, provider_number

pytestmark = pytest.mark.django_db


def _refused(tenant: Tenant, serial: int, *, days_ago: int) -> Office:
    applicant = make_user(f"applicant{serial}@care.example")
    office = office_register(
        association=tenant.association,
        applicant=applicant,
        corporation_name=f"株式会社テスト{serial}",
        corporation_kind="stock_company",
        corporate_number=corporate_number(900000 + serial),
        name=f"却下事業所{serial}",
        provider_number=provider_number("20", 700 + serial),
        service_codes=["11"],
        email=f"office{serial}@care.example",
        phone="06-6000-0000",
    )
    office_reject(office=office, by=tenant.users["officer"], reason="対象外のため")
    Office.objects.filter(pk=office.pk).update(decided_at=timezone.now() - timedelta(days=days_ago))
    return office


def test_old_refusals_and_finished_invitations_are_deleted(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with scope(association=tenant_a.association.pk):
        old = _refused(tenant_a, 1, days_ago=120)
        recent = _refused(tenant_a, 2, days_ago=10)
        Invitation.objects.update(expires_at=timezone.now() - timedelta(days=60))
        counts = personal_data_purge()
        assert counts["offices"] >= 1 and counts["invitations"] >= 1
        assert not Office.objects.filter(pk=old.pk).exists()
        assert not Corporation.objects.filter(name="株式会社テスト1").exists()
        assert Office.objects.filter(pk=recent.pk).exists()
        assert Office.objects.filter(status=OfficeStatus.APPROVED).count() == 3
        assert not Invitation.objects.exists()
    # The other association is untouched by A's purge.
    with scope(association=tenant_b.association.pk):
        assert Invitation.objects.exists()


def test_beat_entry_purges_every_association(tenant_a: Tenant, tenant_b: Tenant) -> None:
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["personal-data-purge"]
    assert entry["task"] == "members.tasks.personal_data_purge_all"
    for tenant in (tenant_a, tenant_b):
        with scope(association=tenant.association.pk):
            Invitation.objects.update(expires_at=timezone.now() - timedelta(days=60))
    assert personal_data_purge_all() == 2  # tasks run inline in the test settings
    for tenant in (tenant_a, tenant_b):
        with scope(association=tenant.association.pk):
            assert not Invitation.objects.exists()
