"""Member pages: self-registration, decisions, directory, office profile and staff."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from association.access import object_in_scope_or_404
from association.forms import add_service_errors
from association.http import AssociationRequest
from association.models import Role
from association.permissions import Access, authenticated, requires
from members.access import access_office_by_id, access_office_profile_by_id
from members.forms import (
    DecisionForm,
    DirectoryFilterForm,
    InvitationForm,
    OfficeProfileForm,
    OfficeRegistrationForm,
)
from members.models import Invitation
from members.selectors import applications_of, office_directory, office_list, office_staff
from members.services import (
    invitation_accept as invitation_accept_service,
)
from members.services import (
    office_approve,
    office_invitation_create,
    office_register,
    office_reject,
    office_staff_remove,
    office_update,
)

DIRECTORY_PAGE_SIZE = 50


def _access(request: AssociationRequest) -> Access:
    return request.access


@authenticated
@require_http_methods(["GET", "POST"])
def register(request: AssociationRequest) -> HttpResponse:
    form = OfficeRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            office = office_register(
                association=request.association,
                applicant=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you. %(office)s has applied; an officer will review it.")
                % {"office": office.name},
            )
            return redirect("members:applications")
    return render(request, "members/register.html", {"form": form})


@authenticated
def applications(request: AssociationRequest) -> HttpResponse:
    return render(
        request, "members/applications.html", {"offices": applications_of(user=request.user)}
    )


@requires("members.approve")
@require_http_methods(["GET", "POST"])
def application_decide(request: AssociationRequest, office_pk: int) -> HttpResponse:
    office = access_office_by_id(
        _access(request), office_pk, capability="members.approve", queryset=office_list()
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                office_approve(office=office, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("%(office)s approved.") % {"office": office.name})
            else:
                office_reject(office=office, by=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("%(office)s rejected.") % {"office": office.name})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("association:dashboard")
    return render(request, "members/decide.html", {"office": office, "form": form})


@requires("members.directory")
def directory(request: AssociationRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    offices = office_directory(
        query=filters.get("q", ""),
        service_code=filters.get("service_code", ""),
        subcommittee_id=filters.get("subcommittee") or None,
    )
    page = Paginator(offices, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/directory.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@authenticated
def my_offices(request: AssociationRequest) -> HttpResponse:
    """The offices this person works for: one, or all of a corporation's for a head office."""
    access = request.access
    offices = office_list().filter(pk__in=access.own_office_ids).order_by("kana", "name", "pk")
    return render(
        request,
        "members/my_offices.html",
        {"offices": offices, "managed": access.managed_office_ids},
    )


@requires("members.directory")
def office_detail(request: AssociationRequest, office_pk: int) -> HttpResponse:
    access = _access(request)
    office = access_office_profile_by_id(access, office_pk)
    context = {
        "office": office,
        "can_manage": access.can("office.manage", office_id=office.pk),
        "can_file": access.can("kpis.file", office_id=office.pk),
        "can_review": access.can("kpis.view_all"),
    }
    return render(request, "members/office_detail.html", context)


@requires("office.manage")
@require_http_methods(["GET", "POST"])
def office_edit(request: AssociationRequest, office_pk: int) -> HttpResponse:
    office = access_office_by_id(
        _access(request), office_pk, capability="office.manage", queryset=office_list()
    )
    initial = {
        field: getattr(office, field)
        for field in ("name", "kana", "postal_code", "address", "phone", "email", "capacity")
    }
    initial["service_codes"] = [s.service_code for s in office.services.all()]
    form = OfficeProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = office_update(office=office, changes=form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if changed:
                messages.success(request, _("The office profile has been saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("members:office", office_pk=office.pk)
    return render(request, "members/office_edit.html", {"office": office, "form": form})


@requires("office.manage")
@require_http_methods(["GET", "POST"])
def office_staff_page(request: AssociationRequest, office_pk: int) -> HttpResponse:
    office = access_office_by_id(
        _access(request), office_pk, capability="office.manage", queryset=office_list()
    )
    form = InvitationForm()
    if request.method == "POST" and request.POST.get("action") == "remove":
        role = object_in_scope_or_404(
            Role.objects.filter(office=office), request.POST.get("role"), field="role"
        )
        try:
            office_staff_remove(office=office, role=role)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(email)s was removed.") % {"email": role.user.email})
        return redirect("members:office_staff", office_pk=office.pk)
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                office_invitation_create(
                    office=office,
                    email=form.cleaned_data["email"],
                    kind=form.cleaned_data["kind"],
                    invited_by=request.user,
                    accept_url=request.build_absolute_uri(reverse("members:invitation")),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("An invitation was sent to %(email)s.")
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("members:office_staff", office_pk=office.pk)
    pending = Invitation.objects.filter(office=office, accepted_at__isnull=True)
    return render(
        request,
        "members/office_staff.html",
        {
            "office": office,
            "staff": office_staff(office=office),
            "invitations": pending,
            "form": form,
        },
    )


@authenticated
@require_http_methods(["GET", "POST"])
def invitation_accept(request: AssociationRequest) -> HttpResponse:
    key = request.POST.get("key") or request.GET.get("key", "")
    invitation = (
        Invitation.objects.select_related("office", "association").filter(key=key).first()
        if key
        else None
    )
    if request.method == "POST":
        try:
            role = invitation_accept_service(key=key, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if role.office is None:  # a city viewer
                messages.success(request, _("You can now read the association's reports."))
                return redirect("reports:list")
            messages.success(
                request, _("You have joined %(office)s.") % {"office": role.office.name}
            )
            return redirect("members:office", office_pk=role.office_id)
    return render(request, "members/invitation_accept.html", {"invitation": invitation, "key": key})
