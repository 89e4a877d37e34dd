from celery import shared_task

from association.models import Association
from association.tasks import AssociationTask, for_each_association
from members.services import pending_applications_digest_send


@shared_task(base=AssociationTask, bind=True, max_retries=3)
def pending_applications_digest(self: AssociationTask, *, association_id: int) -> int:
    association = Association.objects.get(pk=association_id)
    try:
        return pending_applications_digest_send(association=association)
    except OSError as error:  # the mail server is away: try again later
        raise self.retry(exc=error, countdown=300) from error


@shared_task
def pending_applications_digest_all() -> int:
    """Beat entry point: one digest task per association."""
    return for_each_association(pending_applications_digest)


@shared_task(base=AssociationTask)
def personal_data_purge(*, association_id: int) -> dict[str, int]:
    from members.services import personal_data_purge as purge

    return purge()


@shared_task
def personal_data_purge_all() -> int:
    """Beat entry point: one purge per association."""
    return for_each_association(personal_data_purge)
