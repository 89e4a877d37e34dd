"""Access helpers for job-fair booths: an office's own booth, for those who manage the office."""

from __future__ import annotations

from association.access import object_in_scope_or_404, require_capability
from association.permissions import Access
from recruitment.models import JobFairBooth


def access_booth_by_id(access: Access, job_fair_booth_pk: object) -> JobFairBooth:
    """The booth, if the person manages its office (else 403); another association's is a 404."""
    booth = object_in_scope_or_404(
        JobFairBooth.objects.select_related("event", "office"), job_fair_booth_pk
    )
    require_capability(access, "office.manage", office_id=booth.office_id)
    return booth
