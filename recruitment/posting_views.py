"""Member pages for joint recruitment: an office's postings and the applications they bring.

Only the office's people and its head office reach a posting or an application here
(recruitment.access); officers see counts on the overview and may hide a posting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from association.forms import add_service_errors
from association.http import AssociationRequest
from association.permissions import requires
from core.calendar import add_months, month_start, wareki_month
from members.models import Office, OfficeStatus
from recruitment.access import (
    access_application_by_id,
    access_posting_by_id,
    access_posting_to_hide_by_id,
)
from recruitment.forms import ApplicationStatusForm, HideForm, PhotoForm, PostingForm
from recruitment.models import (
    ApplicationStatus,
    JobPosting,
    PostingStatus,
    Qualification,
)
from recruitment.selectors import (
    applications_of_offices,
    joint_recruitment,
    posting_overview,
    postings_of_offices,
    recruitment_figures,
)
from recruitment.services import (
    POSTING_FIELDS,
    application_mark_seen,
    application_status_set,
    posting_close,
    posting_copy_to_offices,
    posting_hide,
    posting_photo_add,
    posting_photo_delete,
    posting_publish,
    posting_reopen,
    posting_save,
    posting_unhide,
)
from subcommittees.models import Subcommittee


def _office_ids(request: AssociationRequest) -> set[int]:
    return request.access.office_ids("recruitment.post")


def _offices(request: AssociationRequest) -> QuerySet[Office]:
    return Office.objects.filter(pk__in=_office_ids(request), status=OfficeStatus.APPROVED)


def _save(request: AssociationRequest, form: PostingForm, posting: JobPosting | None) -> Any:
    data = {name: form.cleaned_data.get(name) for name in POSTING_FIELDS}
    for name in ("allowances", "work_days", "smoking_note", "area", "nearest_station"):
        data[name] = data[name] or ""
    return posting_save(
        posting=posting, office=form.cleaned_data["office"], by=request.user, **data
    )


@requires("recruitment.post")
@require_http_methods(["GET"])
def posting_list(request: AssociationRequest) -> HttpResponse:
    """The postings of the offices the person works for, with new applications counted."""
    return render(
        request,
        "recruitment/postings/list.html",
        {"postings": list(postings_of_offices(office_ids=_office_ids(request)))},
    )


@requires("recruitment.post")
@require_http_methods(["GET", "POST"])
def posting_create(request: AssociationRequest) -> HttpResponse:
    form = PostingForm(request.POST or None, offices=_offices(request))
    if request.method == "POST" and form.is_valid():
        try:
            posting = _save(request, form, None)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The posting has been saved as a draft."))
            return redirect("recruitment:posting_detail", job_posting_pk=posting.pk)
    return render(request, "recruitment/postings/form.html", {"form": form, "posting": None})


@requires("recruitment.post")
@require_http_methods(["GET", "POST"])
def posting_detail(request: AssociationRequest, job_posting_pk: int) -> HttpResponse:
    """Edit a posting, publish, close or re-open it, and add photos."""
    posting = access_posting_by_id(request.access, job_posting_pk)
    action = request.POST.get("action", "save")
    form = PostingForm(
        request.POST if action == "save" else None,
        instance=posting,
        initial={"office": posting.office_id},
        offices=_offices(request) | Office.objects.filter(pk=posting.office_id),
    )
    photo_form = PhotoForm(
        request.POST if action == "photo" else None,
        request.FILES if action == "photo" else None,
    )
    if request.method == "POST":
        try:
            if action == "save" and form.is_valid():
                _save(request, form, posting)
                messages.success(request, _("The posting has been saved."))
                return redirect("recruitment:posting_detail", job_posting_pk=posting.pk)
            if action == "photo" and photo_form.is_valid():
                posting_photo_add(
                    posting=posting,
                    image=photo_form.cleaned_data["image"],
                    alt=photo_form.cleaned_data["alt"],
                    by=request.user,
                )
                messages.success(request, _("The photo has been added."))
                return redirect("recruitment:posting_detail", job_posting_pk=posting.pk)
            if action == "delete_photo":
                try:
                    photo_id = int(request.POST.get("photo", ""))
                except ValueError:
                    photo_id = 0
                try:
                    posting_photo_delete(posting=posting, photo_id=photo_id, by=request.user)
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("The photo has been removed."))
                return redirect("recruitment:posting_detail", job_posting_pk=posting.pk)
            transitions: dict[str, Callable[..., JobPosting]] = {
                "publish": posting_publish,
                "close": posting_close,
                "reopen": posting_reopen,
            }
            if action in transitions:
                transitions[action](posting=posting, by=request.user)
                messages.success(
                    request,
                    _("The posting is now: %(status)s.") % {"status": posting.get_status_display()},
                )
                return redirect("recruitment:posting_detail", job_posting_pk=posting.pk)
        except ValidationError as error:
            add_service_errors(photo_form if action == "photo" else form, error)
    return render(
        request,
        "recruitment/postings/form.html",
        {
            "form": form,
            "photo_form": photo_form,
            "posting": posting,
            "photos": list(posting.photos.all()),
            "can_copy": len(_office_ids(request)) > 1,
        },
    )


@requires("recruitment.post")
@require_http_methods(["GET", "POST"])
def posting_copy(request: AssociationRequest, job_posting_pk: int) -> HttpResponse:
    """A head office copies a posting to other offices of the corporation, as drafts."""
    posting = access_posting_by_id(request.access, job_posting_pk)
    offices = list(
        _offices(request)
        .filter(corporation_id=posting.office.corporation_id)
        .exclude(pk=posting.office_id)
    )
    error = ""
    if request.method == "POST":
        allowed = {office.pk for office in offices}
        try:
            chosen = {int(value) for value in request.POST.getlist("offices")}
        except ValueError:
            chosen = set()
        if not chosen:
            error = _("Choose at least one office.")
        elif not chosen <= allowed:
            raise PermissionDenied
        else:
            copies = posting_copy_to_offices(posting=posting, office_ids=chosen, by=request.user)
            messages.success(
                request,
                _("%(count)d draft postings have been made. Check and publish each one.")
                % {"count": len(copies)},
            )
            return redirect("recruitment:posting_list")
    return render(
        request,
        "recruitment/postings/copy.html",
        {"posting": posting, "offices": offices, "error": error},
    )


@requires("recruitment.post")
@require_http_methods(["GET"])
def application_list(request: AssociationRequest) -> HttpResponse:
    try:
        posting_id = int(request.GET.get("posting", "") or 0) or None
    except ValueError:
        posting_id = None
    applications = applications_of_offices(office_ids=_office_ids(request), posting_id=posting_id)
    page, query = _page(request, applications)
    return render(
        request,
        "recruitment/applications/list.html",
        {"applications": page.object_list, "page": page, "query": query},
    )


LIST_PAGE_SIZE = 50


def _page(request: AssociationRequest, items: QuerySet[Any]) -> tuple[Page[Any], str]:
    """One page of a long list (50 rows), and the other GET parameters for its links."""
    page = Paginator(items, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@requires("recruitment.post")
@require_http_methods(["GET", "POST"])
def application_detail(request: AssociationRequest, job_application_pk: int) -> HttpResponse:
    """One application: opening it marks it seen; the office records each step with a date."""
    application = access_application_by_id(request.access, job_application_pk)
    application_mark_seen(application=application)
    form = ApplicationStatusForm(request.POST or None, initial={"status": application.status})
    if request.method == "POST" and form.is_valid():
        try:
            application_status_set(
                application=application,
                status=form.cleaned_data["status"],
                happened_on=form.cleaned_data["happened_on"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The application has been updated."))
            return redirect("recruitment:application_detail", job_application_pk=application.pk)
    return render(
        request,
        "recruitment/applications/detail.html",
        {
            "application": application,
            "posting": application.posting,
            "history": list(application.history.all()),
            "qualifications": [
                Qualification(code).label
                for code in application.qualifications
                if code in Qualification.values
            ],
            "form": form,
        },
    )


@requires("association.manage")
@require_http_methods(["GET"])
def posting_overview_page(request: AssociationRequest) -> HttpResponse:
    """Officers: every posting with its status and counts (no applicant is ever shown)."""
    figures = recruitment_figures()
    page, query = _page(request, posting_overview())
    return render(
        request,
        "recruitment/postings/overview.html",
        {
            "postings": page.object_list,
            "page": page,
            "query": query,
            "figures": figures,
            "by_status": [
                (label, figures.applications_by_status.get(value, 0))
                for value, label in ApplicationStatus.choices
            ],
        },
    )


@requires("association.manage")
@require_http_methods(["GET", "POST"])
def posting_hide_page(request: AssociationRequest, job_posting_pk: int) -> HttpResponse:
    """Officers take a posting off the board, with a reason the office sees."""
    posting = access_posting_to_hide_by_id(request.access, job_posting_pk)
    if request.method == "POST" and request.POST.get("action") == "unhide":
        try:
            posting_unhide(
                posting=posting, by=request.user, base_url=request.build_absolute_uri("/")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("The posting is back with its office, which has been told by email.")
            )
        return redirect("recruitment:posting_overview")
    form = HideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            posting_hide(posting=posting, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The posting has been hidden."))
            return redirect("recruitment:posting_overview")
    return render(
        request,
        "recruitment/postings/hide.html",
        {"posting": posting, "form": form, "hidden": posting.status == PostingStatus.HIDDEN},
    )


FIGURE_COLUMNS = (
    ("postings", gettext_lazy("Postings published")),
    ("views", gettext_lazy("Page views")),
    ("applications", gettext_lazy("Applications")),
    ("hires_posting", gettext_lazy("Hires via postings")),
    ("hires_fair", gettext_lazy("Hires via job fairs")),
)


def _figure_row(
    label: str, figures: Any, *, scope: int | None = None, months: Any = None
) -> dict[str, Any]:
    values = [figures.total(name, scope=scope, months=months) for name, _l in FIGURE_COLUMNS]
    return {
        "label": label,
        "values": values,
        "cells": [
            (label, value) for (_n, label), value in zip(FIGURE_COLUMNS, values, strict=True)
        ],
        "hires": values[3] + values[4],
    }


@requires("association.manage")
@require_http_methods(["GET"])
def figures_page(request: AssociationRequest) -> HttpResponse:
    """Officers: joint recruitment over the last 12 months by month, 部会 and channel, the
    time to hire and the job fairs: counts only, never an applicant. A fixed number of
    queries whatever the number of postings (recruitment.selectors.joint_recruitment)."""
    last = month_start(timezone.localdate())
    figures = joint_recruitment(first=add_months(last, -11), last=last, with_fairs=True)
    by_subcommittee = [
        _figure_row(name, figures, scope=pk)
        for pk, name in Subcommittee.objects.order_by("pk").values_list("pk", "name")
    ]
    return render(
        request,
        "recruitment/figures.html",
        {
            "figures": figures,
            "columns": [label for _name, label in FIGURE_COLUMNS],
            "period": f"{wareki_month(figures.first)}～{wareki_month(figures.last)}",
            "total": _figure_row(_("All offices"), figures),
            # Months with nothing to count are left out (the page says so): a phone reads on.
            "by_month": [
                row
                for month in reversed(figures.months)
                if any((row := _figure_row(wareki_month(month), figures, months={month}))["values"])
            ],
            "by_subcommittee": by_subcommittee,
        },
    )
