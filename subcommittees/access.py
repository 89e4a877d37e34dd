"""Access helpers for subcommittees, their meetings and their announcements.

Every member reads a subcommittee's page and its meetings (`members.directory`); running one
(`subcommittee.manage`) is for officers, and for a leader only in their own subcommittee.
Another association's row, or no row, is a 404; a row out of the person's reach is a 403.
"""

from __future__ import annotations

from association.access import object_in_scope_or_404, require_capability
from association.permissions import Access
from subcommittees.models import Announcement, Meeting, Subcommittee

READ = "members.directory"
MANAGE = "subcommittee.manage"


def _require(access: Access, *, manage: bool, subcommittee_id: int) -> None:
    if manage:
        require_capability(access, MANAGE, subcommittee_id=subcommittee_id)
    else:  # every member reads every subcommittee
        require_capability(access, READ)


def access_subcommittee_by_id(
    access: Access, subcommittee_pk: object, *, manage: bool = False
) -> Subcommittee:
    """A subcommittee to read (members), or to run when `manage` (its leader, officers)."""
    subcommittee = object_in_scope_or_404(Subcommittee.objects.all(), subcommittee_pk)
    _require(access, manage=manage, subcommittee_id=subcommittee.pk)
    return subcommittee


def access_meeting_by_id(access: Access, meeting_pk: object, *, manage: bool = False) -> Meeting:
    """A meeting to read (members), or to edit and take attendance of when `manage`."""
    meeting = object_in_scope_or_404(
        Meeting.objects.select_related("subcommittee", "created_by"), meeting_pk
    )
    _require(access, manage=manage, subcommittee_id=meeting.subcommittee_id)
    return meeting


def access_announcement_by_id(access: Access, announcement_pk: object) -> Announcement:
    """An announcement, for those who run its subcommittee (drafts are theirs alone)."""
    announcement = object_in_scope_or_404(
        Announcement.objects.select_related("subcommittee__association", "created_by", "queued_by"),
        announcement_pk,
    )
    require_capability(access, MANAGE, subcommittee_id=announcement.subcommittee_id)
    return announcement
