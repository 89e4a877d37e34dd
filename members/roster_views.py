"""Officers' roster pages: upload → preview → apply, and the export in the same columns.

The uploaded bytes wait in the cache between preview and apply, under a random key bound to
the association and the officer, so the apply imports exactly the file that was previewed.
"""

from __future__ import annotations

from typing import Literal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from association.forms import SpreadsheetUploadForm, UploadStash
from association.permissions import requires
from members.roster import (
    MAX_ROWS,
    ROSTER_COLUMNS,
    RosterPlan,
    roster_export,
    roster_import_apply,
    roster_plan,
    roster_read,
)


class RosterUploadForm(SpreadsheetUploadForm):
    file_label = gettext_lazy("Roster file (CSV or XLSX)")


def _upload_page(
    request: HttpRequest, form: RosterUploadForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form or RosterUploadForm(),
        "columns": ROSTER_COLUMNS,
        "max_rows": MAX_ROWS,
    }
    return render(request, "members/roster/roster.html", context, status=status)


def _preview_page(
    request: HttpRequest,
    plan: RosterPlan,
    *,
    token: str,
    filename: str,
    apply_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    counts = plan.counts
    context = {
        "plan": plan,
        "counts": counts,
        "token": token,
        "filename": filename,
        "apply_errors": apply_errors or [],
        "listed_rows": [row for row in plan.rows if row.action != "unchanged"],
        "unchanged_rows": [row for row in plan.rows if row.action == "unchanged"],
    }
    return render(request, "members/roster/preview.html", context, status=status)


@requires("members.import")
def roster(request: HttpRequest) -> HttpResponse:
    """The upload form, the export links and the columns a roster file may have."""
    return _upload_page(request)


@requires("members.import")
def roster_preview(request: HttpRequest) -> HttpResponse:
    """Read the uploaded file and show what an import would do; writes nothing."""
    if request.method != "POST":
        return _upload_page(request)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        rows = roster_read(data=data, filename=upload.name)
    except ValidationError as error:
        form.add_error("file", error)
        return _upload_page(request, form, status=400)
    plan = roster_plan(association=request.association, rows=rows)  # type: ignore[attr-defined]
    token = UploadStash(request, "roster").put(data=data, filename=upload.name)
    return _preview_page(request, plan, token=token, filename=upload.name)


@requires("members.import")
def roster_apply(request: HttpRequest) -> HttpResponse:
    """Import the previewed file, all rows or none."""
    if request.method != "POST":
        return _upload_page(request)
    token = request.POST.get("upload", "")
    stored = UploadStash(request, "roster").get(token)
    if stored is None:
        messages.error(
            request,
            _("The uploaded file is no longer kept (after one hour). Please upload it again."),
        )
        return redirect("members:roster")
    association = request.association  # type: ignore[attr-defined]
    try:
        plan = roster_import_apply(
            association=association,
            data=stored["data"],
            filename=stored["filename"],
            user=request.user,
            expected_fingerprint=request.POST.get("fingerprint", ""),
        )
    except ValidationError as error:
        plan = roster_plan(
            association=association,
            rows=roster_read(data=stored["data"], filename=stored["filename"]),
        )
        return _preview_page(
            request,
            plan,
            token=token,
            filename=stored["filename"],
            apply_errors=error.messages,
            status=400,
        )
    UploadStash(request, "roster").discard(token)
    counts = plan.counts
    messages.success(
        request,
        _(
            "Roster imported from %(filename)s: %(created)d offices registered, "
            "%(updated)d updated, %(unchanged)d unchanged."
        )
        % {
            "filename": stored["filename"],
            "created": counts["create"],
            "updated": counts["update"],
            "unchanged": counts["unchanged"],
        },
    )
    return redirect("members:roster")


def _export(request: HttpRequest, fmt: Literal["csv", "xlsx"]) -> HttpResponse:
    content_types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    association = request.association  # type: ignore[attr-defined]
    today = timezone.localdate().isoformat()
    response = HttpResponse(roster_export(fmt=fmt), content_type=content_types[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="roster-{association.slug}-{today}.{fmt}"'
    )
    return response


@requires("members.import")
@never_cache
def roster_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@requires("members.import")
@never_cache
def roster_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")
