"""Officers' roster pages: upload → preview → apply (association.import_views), progress of a
large import, and the export in the same columns."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from association.http import AssociationRequest
from association.import_views import SpreadsheetImportPages
from association.permissions import requires
from core.spreadsheets import SpreadsheetUploadForm, download
from core.spreadsheets.writing import Format
from members.roster import RosterImporter, roster_export


class RosterUploadForm(SpreadsheetUploadForm):
    file_label = gettext_lazy("Roster file (CSV or XLSX)")


class RosterPages(SpreadsheetImportPages):
    importer = RosterImporter()
    capability = "members.import"
    form_class = RosterUploadForm
    upload_template = "members/roster/roster.html"
    preview_template = "members/roster/preview.html"
    progress_heading = gettext_lazy("Roster import")
    upload_url = "members:roster"
    preview_url = "members:roster_preview"
    apply_url = "members:roster_apply"
    progress_url = "members:roster_progress"

    def success_message(self, *, counts: dict[str, int], filename: str) -> str:
        return _(
            "Roster imported from %(filename)s: %(created)d offices registered, "
            "%(updated)d updated, %(unchanged)d unchanged."
        ) % {
            "filename": filename,
            "created": counts["create"],
            "updated": counts["update"],
            "unchanged": counts["unchanged"],
        }


roster, roster_preview, roster_apply, roster_progress = RosterPages().as_views()


def _export(request: AssociationRequest, fmt: Format) -> HttpResponse:
    association: Any = request.association
    today = timezone.localdate().isoformat()
    return download(
        roster_export(fmt=fmt), fmt=fmt, filename=f"roster-{association.slug}-{today}.{fmt}"
    )


@requires("members.import")
@never_cache
def roster_export_csv(request: AssociationRequest) -> HttpResponse:
    return _export(request, "csv")


@requires("members.import")
@never_cache
def roster_export_xlsx(request: AssociationRequest) -> HttpResponse:
    return _export(request, "xlsx")
