"""Subcommittee pages: the list, one subcommittee's offices, meetings and announcements, and the
pages its managers (officers anywhere, a leader for their own) use to run it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from association.forms import add_service_errors
from association.http import AssociationRequest
from association.permissions import Access, requires
from subcommittees.access import (
    access_announcement_by_id,
    access_meeting_by_id,
    access_subcommittee_by_id,
)
from subcommittees.forms import AnnouncementForm, AttendanceForm, MeetingForm
from subcommittees.selectors import (
    announcement_recipient_emails,
    announcements_sent,
    announcements_unsent,
    attendance_counts,
    meeting_attendance_sheet,
    meetings_past,
    meetings_upcoming,
    subcommittee_office_list,
    subcommittee_overview,
)
from subcommittees.services import (
    announcement_create,
    announcement_email_render,
    announcement_send,
    announcement_update,
    meeting_attendance_set,
    meeting_create,
    meeting_update,
)


def _access(request: AssociationRequest) -> Access:
    return request.access


def _can_manage(request: AssociationRequest, subcommittee_id: int) -> bool:
    return _access(request).can("subcommittee.manage", subcommittee_id=subcommittee_id)


# --- for members --------------------------------------------------------------------------


@requires("members.directory")
def subcommittee_list(request: AssociationRequest) -> HttpResponse:
    subcommittees = list(subcommittee_overview(now=timezone.now()))
    for subcommittee in subcommittees:
        subcommittee.can_manage = _can_manage(request, subcommittee.pk)  # type: ignore[attr-defined]
    return render(request, "subcommittees/subcommittee_list.html", {"subcommittees": subcommittees})


OFFICES_PAGE_SIZE = 50


@requires("members.directory")
def subcommittee_detail(request: AssociationRequest, subcommittee_pk: int) -> HttpResponse:
    subcommittee = access_subcommittee_by_id(_access(request), subcommittee_pk)
    now = timezone.now()
    can_manage = _can_manage(request, subcommittee.pk)
    context = {
        "subcommittee": subcommittee,
        "can_manage": can_manage,
        # A 部会 can have a few hundred offices: a page at a time.
        "office_page": Paginator(
            subcommittee_office_list(subcommittee=subcommittee), OFFICES_PAGE_SIZE
        ).get_page(request.GET.get("page")),
        "upcoming": list(meetings_upcoming(subcommittee=subcommittee, now=now)),
        "past": list(meetings_past(subcommittee=subcommittee, now=now)),
        "announcements": list(announcements_sent(subcommittee=subcommittee)),
        "unsent": list(announcements_unsent(subcommittee=subcommittee)) if can_manage else [],
    }
    return render(request, "subcommittees/subcommittee_detail.html", context)


@requires("members.directory")
def meeting_detail(request: AssociationRequest, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting_by_id(_access(request), meeting_pk)
    context = {
        "meeting": meeting,
        "subcommittee": meeting.subcommittee,
        "can_manage": _can_manage(request, meeting.subcommittee_id),
        "sheet": list(meeting_attendance_sheet(meeting=meeting)),
        "counts": attendance_counts(meeting=meeting),
    }
    return render(request, "subcommittees/meeting_detail.html", context)


# --- for the subcommittee's managers ------------------------------------------------------


@requires("subcommittee.manage")
def meeting_new(request: AssociationRequest, subcommittee_pk: int) -> HttpResponse:
    subcommittee = access_subcommittee_by_id(_access(request), subcommittee_pk, manage=True)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_create(
                subcommittee=subcommittee, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting has been scheduled."))
            return redirect("subcommittees:meeting_detail", meeting_pk=meeting.pk)
    return render(
        request,
        "subcommittees/meeting_form.html",
        {"form": form, "subcommittee": subcommittee, "meeting": None},
    )


@requires("subcommittee.manage")
def meeting_edit(request: AssociationRequest, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting_by_id(_access(request), meeting_pk, manage=True)
    initial = {name: getattr(meeting, name) for name in MeetingForm.base_fields}
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = meeting_update(meeting=meeting, changes=form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, _("The meeting has been saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("subcommittees:meeting_detail", meeting_pk=meeting.pk)
    return render(
        request,
        "subcommittees/meeting_form.html",
        {"form": form, "subcommittee": meeting.subcommittee, "meeting": meeting},
    )


@requires("subcommittee.manage")
def meeting_attendance(request: AssociationRequest, meeting_pk: int) -> HttpResponse:
    meeting = access_meeting_by_id(_access(request), meeting_pk, manage=True)
    offices = list(meeting_attendance_sheet(meeting=meeting))
    form = AttendanceForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        try:
            changed = meeting_attendance_set(meeting=meeting, statuses=form.statuses())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Attendance saved (%(count)d offices changed).") % {"count": changed},
            )
            return redirect("subcommittees:meeting_detail", meeting_pk=meeting.pk)
    return render(
        request,
        "subcommittees/meeting_attendance.html",
        {"form": form, "meeting": meeting, "subcommittee": meeting.subcommittee},
    )


@requires("subcommittee.manage")
def announcement_new(request: AssociationRequest, subcommittee_pk: int) -> HttpResponse:
    subcommittee = access_subcommittee_by_id(_access(request), subcommittee_pk, manage=True)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = announcement_create(
                subcommittee=subcommittee, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Check it, then send it."))
            return redirect("subcommittees:announcement_detail", announcement_pk=announcement.pk)
    return render(
        request,
        "subcommittees/announcement_form.html",
        {"form": form, "subcommittee": subcommittee, "announcement": None},
    )


@requires("subcommittee.manage")
def announcement_edit(request: AssociationRequest, announcement_pk: int) -> HttpResponse:
    announcement = access_announcement_by_id(_access(request), announcement_pk)
    if not announcement.is_draft:
        messages.info(request, _("This announcement has already been sent and cannot be edited."))
        return redirect("subcommittees:announcement_detail", announcement_pk=announcement.pk)
    form = AnnouncementForm(
        request.POST or None,
        initial={"subject": announcement.subject, "body": announcement.body},
    )
    if request.method == "POST" and form.is_valid():
        try:
            announcement_update(announcement=announcement, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("subcommittees:announcement_detail", announcement_pk=announcement.pk)
    return render(
        request,
        "subcommittees/announcement_form.html",
        {"form": form, "subcommittee": announcement.subcommittee, "announcement": announcement},
    )


@requires("subcommittee.manage")
def announcement_detail(request: AssociationRequest, announcement_pk: int) -> HttpResponse:
    """A draft's preview with its recipients and the send button; afterwards, its status."""
    announcement = access_announcement_by_id(_access(request), announcement_pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            announcement_send(announcement=announcement, sent_by=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request, _("The announcement is being sent. The emails go out in a few minutes.")
            )
            return redirect("subcommittees:announcement_detail", announcement_pk=announcement.pk)
    recipients = (
        announcement_recipient_emails(subcommittee=announcement.subcommittee)
        if announcement.is_draft
        else []
    )
    email_subject, email_body = announcement_email_render(announcement=announcement)
    context = {
        "announcement": announcement,
        "subcommittee": announcement.subcommittee,
        "recipient_count": len(recipients),
        "email_subject": email_subject,
        "email_body": email_body,
        "errors": errors,
    }
    return render(request, "subcommittees/announcement_detail.html", context)
