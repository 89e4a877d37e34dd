"""Access helpers for filings (an office's month), for people and for an office's API token.

A caller files either as a person (their `Access`: `kpis.file` on their own approved
offices) or with an office's token (that office only). A filing of an office the caller does
not file for is not there for them (404): offices never see each other's raw rows. Asking to
file for an office one may not file for is refused (403), with a reason.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from association.access import object_in_scope_or_404
from association.permissions import Access
from kpis.models import OfficeApiToken, StaffingReport
from members.models import Office, OfficeStatus


def filing_office_ids(access: Access, *, token: OfficeApiToken | None = None) -> set[int]:
    """The approved offices the caller may file for: the token's office, or the person's."""
    if token is not None:
        return {token.office_id}
    ids = access.office_ids("kpis.file")
    return set(
        Office.objects.filter(pk__in=ids, status=OfficeStatus.APPROVED).values_list("pk", flat=True)
    )


def access_filing_by_id(
    access: Access,
    staffing_report_pk: object,
    *,
    token: OfficeApiToken | None = None,
    queryset: QuerySet[StaffingReport] | None = None,
) -> StaffingReport:
    """One filing of an office the caller files for; any other is a 404.

    `queryset` (of `StaffingReport.objects`) only says what to load along with it.
    """
    reports = StaffingReport.objects.all() if queryset is None else queryset
    return object_in_scope_or_404(
        reports.filter(office_id__in=filing_office_ids(access, token=token)), staffing_report_pk
    )


def access_filing_office_by_id(
    access: Access, office_pk: int | None, *, token: OfficeApiToken | None = None
) -> Office:
    """The office a new filing is for: the token's own, or one the person files for (else 403)."""
    if token is not None:
        if office_pk is not None and office_pk != token.office_id:
            raise PermissionDenied(_("This token files for its own office only."))
        return token.office
    if office_pk is None or office_pk not in filing_office_ids(access):
        raise PermissionDenied(_("You may not file for this office."))
    return Office.objects.get(pk=office_pk)
