"""A real Celery worker on Redis runs a tenant task inside its association's scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from members.tasks import pending_applications_digest
from tests.tenants import Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_reads_only_its_associations_data(
    tenant_a: Tenant, tenant_b: Tenant, celery_worker: Path
) -> None:
    result = pending_applications_digest.apply_async(
        kwargs={"association_id": tenant_a.association.pk}
    )
    assert result.get(timeout=60) == 1  # A has one pending office, B has two

    mails = list(celery_worker.iterdir())
    assert len(mails) == 1
    message = mails[0].read_text(encoding="utf-8")
    assert tenant_a.users["officer"].email in message
    pending = tenant_a.offices[-1]
    assert pending.provider_number in message
    assert tenant_b.marker not in message
    for office in tenant_b.offices:
        assert office.provider_number not in message


def test_worker_refuses_a_task_without_association(tenant_a: Tenant, celery_worker: Path) -> None:
    """Sent by name (no signature check at the caller), the worker's base task still refuses."""
    from config.celery import app

    result = app.send_task(pending_applications_digest.name, kwargs={})
    with pytest.raises(TypeError, match="association_id"):
        result.get(timeout=60)
    assert not list(celery_worker.iterdir())
