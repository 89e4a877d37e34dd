"""The city's report pages and the officers' controls: list, progress, publish, downloads,
the figures as HTML tables with an SVG chart, and the list of city viewers.

Files are streamed through Django after the permission check (never a public media URL).
City viewers see published revisions only, with small cells suppressed; officers see every
revision and the unsuppressed figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from association.access import object_in_scope_or_404
from association.forms import add_service_errors
from association.http import AssociationRequest
from association.mail import send_templated_mail
from association.models import Role, RoleKind
from association.permissions import requires
from association.services import role_grant, role_revoke
from core.calendar import add_months, wareki_month
from kpis.charts import ChartSvg, rate_chart
from members.services import city_viewer_invitation_create
from reports.access import access_report_by_id
from reports.charts import report_charts
from reports.content import REPORT_TITLES, suppress
from reports.forms import BuildForm, PublishForm, ViewerInviteForm
from reports.models import MonthlyReport, MonthlyReportStatus
from reports.presenter import ReportView, present
from reports.progress import build_progress
from reports.services import monthly_report_publish, monthly_report_request
from reports.summary import summary_sentences

# Japanese names for the downloaded files and emails, whatever the page's language.
KIND_FILE_NAMES: dict[str, str] = dict(REPORT_TITLES)
FILE_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
OPEN_STATUSES = (
    MonthlyReportStatus.BUILDING,
    MonthlyReportStatus.DRAFT,
    MonthlyReportStatus.FAILED,
)


def _is_officer(request: AssociationRequest) -> bool:
    """Officers (and operators) manage reports and see unsuppressed figures."""
    return bool(request.access.can("kpis.manage"))


@dataclass
class MonthGroup:
    month: date
    label: str
    reports: list[MonthlyReport] = field(default_factory=list)


def _published_by_month(reports: Iterable[MonthlyReport]) -> list[MonthGroup]:
    """The newest published revision of each month and kind, months newest first."""
    groups: dict[date, MonthGroup] = {}
    seen: set[tuple[date, str]] = set()
    for report in sorted(reports, key=lambda r: (r.month, r.kind, r.revision), reverse=True):
        if (report.month, report.kind) in seen:
            continue
        seen.add((report.month, report.kind))
        group = groups.setdefault(
            report.month, MonthGroup(month=report.month, label=wareki_month(report.month))
        )
        group.reports.append(report)
    for group in groups.values():
        group.reports.sort(key=lambda r: r.kind)
    return sorted(groups.values(), key=lambda g: g.month, reverse=True)


def _default_build_month() -> date:
    from django.utils import timezone

    return add_months(timezone.localdate().replace(day=1), -1)


@requires("reports.view")
def report_list(request: AssociationRequest) -> HttpResponse:
    officer = _is_officer(request)
    published = MonthlyReport.objects.filter(status=MonthlyReportStatus.PUBLISHED)
    context: dict[str, Any] = {
        "months": _published_by_month(published),
        "officer": officer,
        "is_city_viewer": RoleKind.CITY_VIEWER in request.access.role_kinds,
    }
    if officer:
        context["open_reports"] = [
            {
                "report": report,
                "label": wareki_month(report.month),
                "progress": build_progress(report),
            }
            for report in MonthlyReport.objects.filter(status__in=OPEN_STATUSES).order_by(
                "-month", "kind", "-revision"
            )[:50]
        ]
        context["build_form"] = BuildForm(initial={"month": _default_build_month()})
        context["can_manage_viewers"] = request.access.can("association.manage")
    return render(request, "reports/pages/list.html", context)


@requires("reports.view")
def report_detail(request: AssociationRequest, monthly_report_pk: int) -> HttpResponse:
    """Status and progress of one revision; static/js/report-progress.js keeps the progress
    in place from `report_progress` while it builds (without script, a refresh button)."""
    report = access_report_by_id(request.access, monthly_report_pk)
    officer = _is_officer(request)
    context = {
        "report": report,
        "progress": build_progress(report),
        "label": wareki_month(report.month),
        "officer": officer,
        "publish_form": PublishForm(initial={"notify": True}) if officer else None,
        "rebuild_form": BuildForm(initial={"month": report.month, "kind": report.kind})
        if officer
        else None,
    }
    return render(request, "reports/pages/detail.html", context)


@requires("reports.view")
def report_progress(request: AssociationRequest, monthly_report_pk: int) -> HttpResponse:
    """The progress fragment of the detail page, polled while the revision builds."""
    report = access_report_by_id(request.access, monthly_report_pk)
    response = render(
        request,
        "reports/pages/_progress.html",
        {"report": report, "progress": build_progress(report)},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@requires("kpis.manage")
@require_http_methods(["GET", "POST"])
def report_build(request: AssociationRequest) -> HttpResponse:
    """Build or rebuild one month's report: a new draft revision, built in the background."""
    form = BuildForm(
        request.POST if request.method == "POST" else None,
        initial={"month": _default_build_month()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = monthly_report_request(
                association=request.association,
                month=form.cleaned_data["month"],
                kind=form.cleaned_data["kind"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            names = {"report": report.get_kind_display(), "month": wareki_month(report.month)}
            report.refresh_from_db()  # built already where tasks run inline (no broker)
            if build_progress(report).running:
                message = _(
                    "The %(report)s for %(month)s is queued and built in the background; "
                    "this page shows how far it has got."
                )
            else:
                message = _("The %(report)s for %(month)s is built: check the draft below.")
            messages.success(request, message % names)
            return redirect("reports:detail", monthly_report_pk=report.pk)
    return render(request, "reports/pages/build.html", {"form": form})


def _city_viewer_emails() -> list[str]:
    """One address per city viewer of the association in scope."""
    roles = Role.objects.filter(kind=RoleKind.CITY_VIEWER).select_related("user")
    return sorted({role.user.email for role in roles if role.user.is_active and role.user.email})


def notify_city_viewers(request: AssociationRequest, report: MonthlyReport) -> int:
    """One email per city viewer (nobody sees the others' addresses)."""
    context = {
        "association": request.association,
        "report": report,
        "kind": KIND_FILE_NAMES.get(report.kind, report.get_kind_display()),
        "month": wareki_month(report.month),
        "url": request.build_absolute_uri(reverse("reports:list")),
    }
    emails = _city_viewer_emails()
    for email in emails:
        send_templated_mail(template="reports/email/published", context=context, to=[email])
    return len(emails)


@requires("kpis.manage")
@require_http_methods(["GET", "POST"])
def report_publish(request: AssociationRequest, monthly_report_pk: int) -> HttpResponse:
    report = access_report_by_id(request.access, monthly_report_pk, capability="kpis.manage")
    form = PublishForm(request.POST if request.method == "POST" else None, initial={"notify": True})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                report = monthly_report_publish(report=report, by=request.user)
                sent = notify_city_viewers(request, report) if form.cleaned_data["notify"] else None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The %(report)s for %(month)s is published.")
                % {"report": report.get_kind_display(), "month": wareki_month(report.month)},
            )
            if sent is not None:
                messages.info(
                    request, _("Emails sent to city viewers: %(count)d.") % {"count": sent}
                )
            return redirect("reports:list")
    context = {"report": report, "label": wareki_month(report.month), "form": form}
    return render(request, "reports/pages/publish.html", context)


def _download_name(report: MonthlyReport, extension: str) -> str:
    name = report.association.short_name or report.association.name
    kind = KIND_FILE_NAMES.get(report.kind, report.kind)
    stem = f"{name}_{kind}_{wareki_month(report.month)}_第{report.revision}版"
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", stem) + f".{extension}"


def _content_disposition(report: MonthlyReport, extension: str) -> str:
    """An ASCII fallback and the Japanese name as RFC 5987 `filename*`."""
    fallback = f"renkei-{report.kind}-{report.month:%Y-%m}-r{report.revision}.{extension}"
    japanese = quote(_download_name(report, extension), safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{japanese}"


def _download(request: AssociationRequest, monthly_report_pk: int, extension: str) -> FileResponse:
    report = access_report_by_id(request.access, monthly_report_pk, capability="reports.download")
    stored = getattr(report, extension)
    if not stored:
        raise Http404("This revision has no such file.")
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing.") from error
    response = FileResponse(handle, content_type=FILE_TYPES[extension])
    response["Content-Disposition"] = _content_disposition(report, extension)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@requires("reports.download")
def report_pdf(request: AssociationRequest, monthly_report_pk: int) -> FileResponse:
    return _download(request, monthly_report_pk, "pdf")


@requires("reports.download")
def report_xlsx(request: AssociationRequest, monthly_report_pk: int) -> FileResponse:
    return _download(request, monthly_report_pk, "xlsx")


# --- figures: the report's `data` (reports/content.py's snapshot) as HTML --------------------


def figure_chart(view: ReportView) -> ChartSvg | None:
    """Rolling 12-month separation and hiring rates over the report's 24 months (suppressed or
    missing values leave gaps); None when there is nothing to draw."""
    points = view.trend_24 or view.trend_12
    if len(points) < 2 or not any(v is not None for _m, values in points for v in values.values()):
        return None
    metrics = (("separation_rate", _("Separation rate")), ("hire_rate", _("Hiring rate")))
    return rate_chart(points, metrics)


@requires("reports.view")
def report_figures(request: AssociationRequest, monthly_report_pk: int) -> HttpResponse:
    """The report's figures as HTML: suppressed for city viewers, in full for officers."""
    report = access_report_by_id(request.access, monthly_report_pk)
    officer = _is_officer(request)
    association = request.association
    data: Any = report.data if isinstance(report.data, dict) else {}
    if not officer and data:
        data = suppress(data, threshold=association.suppression_threshold)
    view = present(data)
    context = {
        "report": report,
        "label": wareki_month(report.month),
        "officer": officer,
        "figures": view,
        "title": view.title or report.get_kind_display(),
        "chart": figure_chart(view),
        # The PDF's first page and charts, from the same (suppressed for the city) content.
        "sentences": summary_sentences(data),
        "charts": report_charts(data, width=720),
        "threshold": association.suppression_threshold,
    }
    return render(request, "reports/pages/figures.html", context)


# --- city viewers ------------------------------------------------------------------------------


@requires("association.manage")
@require_http_methods(["GET", "POST"])
def viewers(request: AssociationRequest) -> HttpResponse:
    """City-viewer accounts: add a person with a confirmed account by email, or revoke."""
    association = request.association
    form = ViewerInviteForm()
    if request.method == "POST" and request.POST.get("action") == "revoke":
        role: Role = object_in_scope_or_404(
            Role.objects.filter(kind=RoleKind.CITY_VIEWER).select_related("user"),
            request.POST.get("role"),
            field="role",
        )
        role_revoke(role=role)
        messages.success(
            request, _("%(email)s can no longer see the reports.") % {"email": role.user.email}
        )
        return redirect("reports:viewers")
    if request.method == "POST":
        form = ViewerInviteForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"].strip()
            address = (
                EmailAddress.objects.filter(email__iexact=email, verified=True)
                .select_related("user")
                .first()
            )
            if address is None or not address.user.is_active:
                # No account yet: an invitation; the role is granted when they accept it.
                city_viewer_invitation_create(
                    association=association,
                    email=email,
                    invited_by=request.user,
                    accept_url=request.build_absolute_uri(reverse("members:invitation")),
                )
                messages.success(
                    request,
                    _(
                        "%(email)s has no account yet: an invitation was sent. They become a "
                        "city viewer when they sign up with this address and accept it."
                    )
                    % {"email": email},
                )
                return redirect("reports:viewers")
            else:
                role_grant(association=association, user=address.user, kind=RoleKind.CITY_VIEWER)
                messages.success(
                    request,
                    _("%(email)s can now see the published reports at %(url)s.")
                    % {"email": email, "url": request.build_absolute_uri(reverse("reports:list"))},
                )
                return redirect("reports:viewers")
    roles = (
        Role.objects.filter(kind=RoleKind.CITY_VIEWER)
        .select_related("user")
        .order_by("user__email")
    )
    return render(request, "reports/pages/viewers.html", {"roles": roles, "form": form})
