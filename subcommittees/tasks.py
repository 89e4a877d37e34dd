from celery import shared_task

from association.tasks import AssociationTask
from subcommittees.models import Announcement
from subcommittees.services import announcement_emails_send


@shared_task(base=AssociationTask, bind=True, max_retries=3)
def announcement_emails(self: AssociationTask, *, association_id: int, announcement_id: int) -> int:
    """Email one queued announcement to its subcommittee's office staff (safe to run twice)."""
    # The scoped manager finds only this association's announcements: another's id is None.
    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None:
        return 0
    try:
        return announcement_emails_send(announcement=announcement)
    except OSError as error:  # the mail server is away: nothing was claimed, try again later
        raise self.retry(exc=error, countdown=300) from error
