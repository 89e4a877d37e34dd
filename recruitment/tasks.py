"""Beat tasks for joint recruitment: close expired postings (warning a week ahead) and delete
applicants' data after the retention period."""

from __future__ import annotations

from celery import shared_task

from association.tasks import AssociationTask, for_each_association


@shared_task(base=AssociationTask)
def postings_expire(*, association_id: int) -> list[int]:
    from recruitment.services import postings_expire as expire

    closed, warned = expire()
    return [closed, warned]


@shared_task
def postings_expire_all() -> int:
    """Beat entry point (daily): one expiry run per association."""
    return for_each_association(postings_expire)


@shared_task(base=AssociationTask)
def applications_purge(*, association_id: int) -> dict[str, int]:
    from recruitment.services import applications_purge as purge

    return purge()


@shared_task
def applications_purge_all() -> int:
    """Beat entry point (daily): one purge per association."""
    return for_each_association(applications_purge)


@shared_task(base=AssociationTask)
def posting_views_flush(*, association_id: int) -> int:
    from recruitment.services import posting_views_flush as flush

    return flush(association_id=association_id)


@shared_task
def posting_views_flush_all() -> int:
    """Beat entry point (every five minutes): posting views counted in Redis → database."""
    return for_each_association(posting_views_flush)
