"""Pages for the two machine ways in: the filing upload (upload → preview → apply, and a
template to fill in) and the office admins' API tokens.

The uploaded bytes wait in the cache between preview and apply, under a random key bound to
the association and the user, so the apply submits exactly the file that was previewed.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from association.forms import SpreadsheetUploadForm, UploadStash
from association.permissions import requires
from core.calendar import add_months, month_start
from kpis.models import OfficeApiToken
from kpis.tokens import token_create, token_revoke, tokens_of
from kpis.upload import (
    EMPLOYMENT_TYPE_WORDS,
    JOB_CATEGORY_WORDS,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    UPLOAD_COLUMNS,
    FilingAction,
    UploadPlan,
    upload_apply,
    upload_plan,
    upload_read,
    upload_template,
)
from members.models import Office, OfficeStatus
from members.selectors import office_list


class FilingUploadForm(SpreadsheetUploadForm):
    file_label = gettext_lazy("Staffing file (CSV or XLSX)")


def _office_ids(request: HttpRequest) -> set[int]:
    """Offices the user files for: own office roles and every office of a head-office role."""
    return request.access.office_ids("kpis.file")  # type: ignore[attr-defined]


def _upload_page(
    request: HttpRequest, form: FilingUploadForm | None = None, status: int = 200
) -> HttpResponse:
    offices = Office.objects.filter(
        pk__in=_office_ids(request), status=OfficeStatus.APPROVED
    ).order_by("provider_number")
    context = {
        "form": form or FilingUploadForm(),
        "columns": UPLOAD_COLUMNS,
        "required": REQUIRED_COLUMNS,
        "job_words": [words[0] for words in JOB_CATEGORY_WORDS.values()],
        "employment_words": [words[0] for words in EMPLOYMENT_TYPE_WORDS.values()],
        "max_rows": MAX_ROWS,
        "offices": offices,
        "template_month": add_months(month_start(timezone.localdate()), -1),
    }
    return render(request, "kpis/upload/upload.html", context, status=status)


def _preview_page(
    request: HttpRequest,
    plan: UploadPlan,
    *,
    token: str,
    filename: str,
    apply_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "plan": plan,
        "counts": plan.counts,
        "token": token,
        "filename": filename,
        "apply_errors": apply_errors or [],
        "listed": [f for f in plan.filings if f.action != FilingAction.UNCHANGED],
        "unchanged": [f for f in plan.filings if f.action == FilingAction.UNCHANGED],
    }
    return render(request, "kpis/upload/preview.html", context, status=status)


@requires("kpis.file")
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form, the template and the columns a filing file may have."""
    return _upload_page(request)


@requires("kpis.file")
@require_http_methods(["GET", "POST"])
def upload_preview(request: HttpRequest) -> HttpResponse:
    """Read the uploaded file and show what applying it would do; writes nothing."""
    if request.method != "POST":
        return _upload_page(request)
    form = FilingUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    uploaded = form.cleaned_data["file"]
    data = uploaded.read()
    try:
        rows = upload_read(data=data, filename=uploaded.name)
    except ValidationError as error:
        form.add_error("file", error)
        return _upload_page(request, form, status=400)
    plan = upload_plan(rows=rows, office_ids=_office_ids(request))
    token = UploadStash(request, "kpis-filing").put(data=data, filename=uploaded.name)
    return _preview_page(request, plan, token=token, filename=uploaded.name)


@requires("kpis.file")
@require_http_methods(["GET", "POST"])
def upload_confirm(request: HttpRequest) -> HttpResponse:
    """Submit the previewed file: every office-month, or none."""
    if request.method != "POST":
        return _upload_page(request)
    token = request.POST.get("upload", "")
    stored = UploadStash(request, "kpis-filing").get(token)
    if stored is None:
        messages.error(
            request,
            _("The uploaded file is no longer kept (after one hour). Please upload it again."),
        )
        return redirect("kpis:upload")
    office_ids = _office_ids(request)
    try:
        plan = upload_apply(
            data=stored["data"],
            filename=stored["filename"],
            user=request.user,
            office_ids=office_ids,
            confirm_warnings=request.POST.get("confirm") == "on",
            expected_fingerprint=request.POST.get("fingerprint", ""),
        )
    except ValidationError as error:
        plan = upload_plan(
            rows=upload_read(data=stored["data"], filename=stored["filename"]),
            office_ids=office_ids,
        )
        return _preview_page(
            request,
            plan,
            token=token,
            filename=stored["filename"],
            apply_errors=error.messages,
            status=400,
        )
    UploadStash(request, "kpis-filing").discard(token)
    counts = plan.counts
    messages.success(
        request,
        _(
            "Filings submitted from %(filename)s: %(created)d new, %(updated)d updated, "
            "%(unchanged)d unchanged."
        )
        % {
            "filename": stored["filename"],
            "created": counts[FilingAction.CREATE],
            "updated": counts[FilingAction.UPDATE],
            "unchanged": counts[FilingAction.UNCHANGED],
        },
    )
    return redirect("kpis:upload")


@requires("kpis.file")
@never_cache
def upload_template_csv(request: HttpRequest) -> HttpResponse:
    """The header row, and lines for last month of every office the user files for."""
    month = add_months(month_start(timezone.localdate()), -1)
    data = upload_template(office_ids=sorted(_office_ids(request)), month=month)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="staffing-{month:%Y-%m}.csv"'
    return response


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
def office_tokens(request: HttpRequest, office_pk: int) -> HttpResponse:
    """An office's API tokens: list, create (the token is shown once) and revoke."""
    office = get_object_or_404(office_list(), pk=office_pk)
    if not request.access.can("kpis.tokens", office_id=office.pk):  # type: ignore[attr-defined]
        raise PermissionDenied
    form = TokenForm()
    created: tuple[OfficeApiToken, str] | None = None
    if request.method == "POST" and request.POST.get("action") == "revoke":
        token = get_object_or_404(tokens_of(office=office), pk=request.POST.get("token"))
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
