"""Beat tasks for registrations: expire waiting-list offers, purge old personal data."""

from __future__ import annotations

from celery import shared_task

from association.models import Association
from association.tasks import AssociationTask


@shared_task(base=AssociationTask)
def offers_expire(*, association_id: int) -> int:
    from events.registration import offers_expire as expire

    return expire()


@shared_task
def offers_expire_all() -> int:
    """Beat entry point (hourly): one expiry run per association."""
    ids = list(Association.objects.values_list("pk", flat=True))
    for association_id in ids:
        offers_expire.apply_async(kwargs={"association_id": association_id})
    return len(ids)


@shared_task(base=AssociationTask)
def registrations_purge(*, association_id: int) -> int:
    from events.registration import registrations_purge as purge

    return purge()


@shared_task
def registrations_purge_all() -> int:
    """Beat entry point (daily): one purge per association."""
    ids = list(Association.objects.values_list("pk", flat=True))
    for association_id in ids:
        registrations_purge.apply_async(kwargs={"association_id": association_id})
    return len(ids)
