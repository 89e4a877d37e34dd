"""The pages every spreadsheet import has: upload → preview → apply, and a progress page.

An app describes its import by subclassing `SpreadsheetImportPages` (which `Importer`, which
capability, templates, URL names, the words of its success message) and routes the views of
`as_views()`. The uploaded bytes wait in the stash between preview and apply, under a random
key bound to the association and the user, so the apply reads exactly the file that was
previewed. A file of more rows than `settings.SPREADSHEET_BACKGROUND_ROWS` is applied by a
Celery task (association.import_jobs); the uploader follows it on the progress page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from association.http import AssociationRequest
from association.import_jobs import import_job_for, import_job_progress, import_job_start
from association.models import ImportJobStatus
from association.permissions import requires
from core.spreadsheets import (
    ApplyOptions,
    Importer,
    ImportPlan,
    ImportRun,
    SpreadsheetUploadForm,
    UploadStash,
)

View = Callable[..., HttpResponseBase]


class ImportViews(NamedTuple):
    upload: View
    preview: View
    apply: View
    progress: View


class SpreadsheetImportPages:
    importer: Importer
    capability: str
    form_class: type[SpreadsheetUploadForm] = SpreadsheetUploadForm
    upload_template: str
    preview_template: str  # extends includes/spreadsheet_preview.html
    progress_template = "includes/spreadsheet_progress.html"
    progress_heading: str | Promise
    # URL names: the upload page, the preview, the apply and the progress page.
    upload_url: str
    preview_url: str
    apply_url: str
    progress_url: str

    # --- what an import says about itself ------------------------------------------------

    def upload_context(self, request: AssociationRequest) -> dict[str, Any]:
        """More for the upload page's template (help on columns, offices …)."""
        return {}

    def import_context(self, request: AssociationRequest) -> dict[str, Any]:
        """What the importer needs from the request besides the file (JSON-able)."""
        return {}

    def success_message(self, *, counts: dict[str, int], filename: str) -> str:
        raise NotImplementedError

    def apply_options(self, request: AssociationRequest) -> ApplyOptions:
        return {
            "fingerprint": request.POST.get("fingerprint", ""),
            "confirm": request.POST.get("confirm") == "on",
        }

    # --- pages ---------------------------------------------------------------------------

    def upload_page(
        self,
        request: AssociationRequest,
        form: SpreadsheetUploadForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "form": form or self.form_class(),
            "preview_url": reverse(self.preview_url),
            "columns": self.importer.columns,
            "required": self.importer.required,
            "max_rows": self.importer.max_rows,
            **self.upload_context(request),
        }
        return render(request, self.upload_template, context, status=status)

    def preview_page(
        self,
        request: AssociationRequest,
        plan: ImportPlan,
        *,
        token: str,
        filename: str,
        rows: int,
        apply_errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            "plan": plan,
            "counts": plan.counts,
            "token": token,
            "filename": filename,
            "apply_errors": apply_errors or [],
            "listed": plan.listed,
            "unchanged": plan.unchanged,
            "apply_url": reverse(self.apply_url),
            "upload_url": reverse(self.upload_url),
            "in_background": rows > settings.SPREADSHEET_BACKGROUND_ROWS,
        }
        return render(request, self.preview_template, context, status=status)

    def _association(self, request: AssociationRequest) -> Any:
        return request.association

    def _plan(self, request: AssociationRequest, rows: list[dict[str, Any]]) -> ImportPlan:
        return self.importer.plan(
            association=self._association(request),
            rows=rows,
            context=self.import_context(request),
        )

    # --- views ---------------------------------------------------------------------------

    def upload(self, request: AssociationRequest) -> HttpResponse:
        """The upload form and the columns a file may have."""
        return self.upload_page(request)

    def preview(self, request: AssociationRequest) -> HttpResponse:
        """Read the uploaded file and show what applying it would do; writes nothing."""
        if request.method != "POST":
            return self.upload_page(request)
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.upload_page(request, form, status=400)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            rows = self.importer.read(data=data, filename=upload.name)
        except ValidationError as error:
            form.add_error("file", error)
            return self.upload_page(request, form, status=400)
        plan = self._plan(request, rows)
        token = UploadStash(request, self.importer.kind).put(
            data=data, filename=upload.name, rows=len(rows)
        )
        return self.preview_page(request, plan, token=token, filename=upload.name, rows=len(rows))

    def apply(self, request: AssociationRequest) -> HttpResponse:
        """Apply the previewed file: all of it or nothing; a large one in the background."""
        if request.method != "POST":
            return self.upload_page(request)
        stash = UploadStash(request, self.importer.kind)
        token = request.POST.get("upload", "")
        stored = stash.get(token)
        if stored is None:
            messages.error(
                request,
                _(
                    "The uploaded file is no longer kept (after one hour, or after three newer "
                    "uploads). Please upload it again."
                ),
            )
            return redirect(self.upload_url)
        data, filename, rows = stored["data"], stored["filename"], stored.get("rows", 0)
        context = self.import_context(request)
        options = self.apply_options(request)
        if rows > settings.SPREADSHEET_BACKGROUND_ROWS:
            job = import_job_start(
                association=self._association(request),
                user=request.user,
                importer=self.importer,
                data=data,
                filename=filename,
                rows=rows,
                context=context,
                options=options,
            )
            stash.discard(token)
            return redirect(f"{reverse(self.progress_url)}?job={job.pk}")
        try:
            plan = self.importer.apply(
                ImportRun(
                    association=self._association(request),
                    user=request.user,
                    data=data,
                    filename=filename,
                    context=context,
                    options=options,
                )
            )
        except ValidationError as error:
            plan = self._plan(request, self.importer.read(data=data, filename=filename))
            return self.preview_page(
                request,
                plan,
                token=token,
                filename=filename,
                rows=rows,
                apply_errors=error.messages,
                status=400,
            )
        stash.discard(token)
        messages.success(request, self.success_message(counts=plan.counts, filename=filename))
        return redirect(self.upload_url)

    def progress(self, request: AssociationRequest) -> HttpResponse:
        """How far the user's background apply is (`?job=<id>`, else their latest)."""
        try:
            job_id = int(request.GET["job"]) if request.GET.get("job") else None
        except ValueError as error:
            raise Http404 from error
        job = import_job_for(user=request.user, kind=self.importer.kind, job_id=job_id)
        done, total = import_job_progress(job) if job else (0, 0)
        context = {
            "heading": self.progress_heading,
            "job": job,
            "done": done,
            "total": total,
            "percent": round(100 * done / total) if total else 0,
            "running": job is not None
            and job.status in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING),
            "failed": job is not None and job.status == ImportJobStatus.FAILED,
            "result": self.success_message(counts=job.counts, filename=job.filename)
            if job is not None and job.status == ImportJobStatus.DONE
            else "",
            "upload_url": reverse(self.upload_url),
        }
        return render(request, self.progress_template, context)

    def as_views(self) -> ImportViews:
        """The four views, each behind the import's capability."""
        guard = requires(self.capability)
        return ImportViews(
            upload=guard(self.upload),
            preview=guard(require_http_methods(["GET", "POST"])(self.preview)),
            apply=guard(require_http_methods(["GET", "POST"])(self.apply)),
            progress=guard(never_cache(require_safe(self.progress))),
        )
