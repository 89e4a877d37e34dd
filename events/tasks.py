"""Beat tasks for registrations: expire waiting-list offers, purge old personal data."""

from __future__ import annotations

from celery import shared_task

from association.tasks import AssociationTask, for_each_association


@shared_task(base=AssociationTask)
def offers_expire(*, association_id: int) -> int:
    from events.registration import offers_expire as expire

    return expire()


@shared_task
def offers_expire_all() -> int:
    """Beat entry point (hourly): one expiry run per association."""
    return for_each_association(offers_expire)


@shared_task(base=AssociationTask)
def registrations_purge(*, association_id: int) -> int:
    from events.registration import registrations_purge as purge

    return purge()


@shared_task
def registrations_purge_all() -> int:
    """Beat entry point (daily): one purge per association."""
    return for_each_association(registrations_purge)
