"""Access helpers for recruitment: an office's own booths, postings and applications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from association.access import object_in_scope_or_404, require_capability
from association.permissions import Access
from members.access import require_token_office
from recruitment.models import JobApplication, JobFairBooth, JobPosting, PostingStatus

if TYPE_CHECKING:
    from kpis.models import OfficeApiToken

PUBLIC_STATUSES = (PostingStatus.PUBLISHED, PostingStatus.CLOSED)


def access_booth_by_id(access: Access, job_fair_booth_pk: object) -> JobFairBooth:
    """The booth, if the person manages its office (else 403); another association's is a 404."""
    booth = object_in_scope_or_404(
        JobFairBooth.objects.select_related("event", "office"), job_fair_booth_pk
    )
    require_capability(access, "office.manage", office_id=booth.office_id)
    return booth


def access_posting_by_id(
    access: Access, job_posting_pk: object, *, token: OfficeApiToken | None = None
) -> JobPosting:
    """A posting, for the people of its office and its head office, or its office's API
    `token` (else 403); another association's is a 404. Officers are not let in: they hide
    postings in the admin."""
    posting = object_in_scope_or_404(
        JobPosting.objects.select_related("office", "office__corporation"), job_posting_pk
    )
    if token is not None:
        require_token_office(token, posting.office_id)
    else:
        require_capability(access, "recruitment.post", office_id=posting.office_id)
    return posting


def access_application_by_id(access: Access, job_application_pk: object) -> JobApplication:
    """An application, only for the people of the posting's office and its head office.
    Nobody else (officers included) sees an applicant: 403; another association's: 404."""
    application = object_in_scope_or_404(
        JobApplication.objects.select_related("posting", "posting__office"), job_application_pk
    )
    require_capability(access, "recruitment.post", office_id=application.posting.office_id)
    return application


def public_posting_by_id(job_posting_pk: object) -> JobPosting:
    """A posting on the public board: published, or closed (still reachable, marked as ended).
    Drafts and hidden postings do not exist for the public (404)."""
    return object_in_scope_or_404(
        JobPosting.objects.filter(status__in=PUBLIC_STATUSES).select_related(
            "office", "office__corporation"
        ),
        job_posting_pk,
    )


def access_posting_to_hide_by_id(access: Access, job_posting_pk: object) -> JobPosting:
    """Any posting of the association, for officers (association.manage) to hide."""
    posting = object_in_scope_or_404(JobPosting.objects.select_related("office"), job_posting_pk)
    require_capability(access, "association.manage")
    return posting
