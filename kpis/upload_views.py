"""Pages for the two machine ways in: the filing upload (upload → preview → apply through
association.import_views, progress of a large file, and a template to fill in) and the office
admins' API tokens.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from association.access import object_in_scope_or_404
from association.http import AssociationRequest
from association.import_views import SpreadsheetImportPages
from association.permissions import requires
from core.calendar import add_months, month_start
from core.spreadsheets import SpreadsheetUploadForm, download
from kpis.models import OfficeApiToken
from kpis.tokens import token_create, token_revoke, tokens_of
from kpis.upload import EMPLOYMENT_TYPES, JOB_CATEGORIES, FilingUploadImporter, upload_template
from members.access import access_office_by_id
from members.models import Office, OfficeStatus
from members.selectors import office_list


class FilingUploadForm(SpreadsheetUploadForm):
    file_label = gettext_lazy("Staffing file (CSV or XLSX)")


def _office_ids(request: AssociationRequest) -> set[int]:
    """Offices the user files for: own office roles and every office of a head-office role."""
    return request.access.office_ids("kpis.file")


class FilingUploadPages(SpreadsheetImportPages):
    importer = FilingUploadImporter()
    capability = "kpis.file"
    form_class = FilingUploadForm
    upload_template = "kpis/upload/upload.html"
    preview_template = "kpis/upload/preview.html"
    progress_heading = gettext_lazy("Staffing upload")
    upload_url = "kpis:upload"
    preview_url = "kpis:upload_preview"
    apply_url = "kpis:upload_apply"
    progress_url = "kpis:upload_progress"

    def import_context(self, request: AssociationRequest) -> dict[str, Any]:
        return {"office_ids": sorted(_office_ids(request))}

    def upload_context(self, request: AssociationRequest) -> dict[str, Any]:
        offices = Office.objects.filter(
            pk__in=_office_ids(request), status=OfficeStatus.APPROVED
        ).order_by("provider_number")
        return {
            "job_words": JOB_CATEGORIES.written_words,
            "employment_words": EMPLOYMENT_TYPES.written_words,
            "offices": offices,
            "template_month": add_months(month_start(timezone.localdate()), -1),
        }

    def success_message(self, *, counts: dict[str, int], filename: str) -> str:
        return _(
            "Filings submitted from %(filename)s: %(created)d new, %(updated)d updated, "
            "%(unchanged)d unchanged."
        ) % {
            "filename": filename,
            "created": counts["create"],
            "updated": counts["update"],
            "unchanged": counts["unchanged"],
        }


upload, upload_preview, upload_confirm, upload_progress = FilingUploadPages().as_views()


@requires("kpis.file")
@never_cache
def upload_template_csv(request: AssociationRequest) -> HttpResponse:
    """The header row, and lines for last month of every office the user files for."""
    month = add_months(month_start(timezone.localdate()), -1)
    data = upload_template(office_ids=sorted(_office_ids(request)), month=month)
    return download(data, fmt="csv", filename=f"staffing-{month:%Y-%m}.csv")


# --- API tokens ----------------------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What uses the token, for example the payroll system."),
    )


@requires("kpis.tokens")
@require_http_methods(["GET", "POST"])
@never_cache
def office_tokens(request: AssociationRequest, office_pk: int) -> HttpResponse:
    """An office's API tokens: list, create (the token is shown once) and revoke."""
    office = access_office_by_id(
        request.access,
        office_pk,
        capability="kpis.tokens",
        queryset=office_list(),
    )
    form = TokenForm()
    created: tuple[OfficeApiToken, str] | None = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        token = object_in_scope_or_404(
            tokens_of(office=office), request.POST.get("token"), field="token"
        )
        token_revoke(token=token, by=request.user)
        messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("kpis:office_tokens", office_pk=office.pk)
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                created = token_create(
                    office=office, name=form.cleaned_data["name"], created_by=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form = TokenForm()
    context = {
        "office": office,
        "tokens": tokens_of(office=office),
        "form": form,
        "created": created,
        "api_url": request.build_absolute_uri(reverse("api:filings")),
    }
    return render(request, "kpis/tokens/tokens.html", context, status=200)
