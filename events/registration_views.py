"""Citizens register, cancel and take up offers without an account; officers run the lists."""

from __future__ import annotations

import csv
import time
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from association.client import client_address
from association.forms import add_service_errors
from association.http import AssociationRequest
from association.permissions import Access, public, requires
from events.access import (
    access_event_by_id,
    access_event_to_manage_by_id,
    access_registration_by_id,
)
from events.models import Event, ProgrammeItem, Registration
from events.models import RegistrationStatus as Status
from events.registration import (
    MAX_LENGTHS,
    MAX_PARTY_SIZE,
    client_fingerprint,
    registration_bursts,
    registration_cancel,
    registration_check_in,
    registration_create,
    registration_for_key,
    registration_offer_accept,
    registrations_remove_burst,
)
from events.selectors import events_availability

EVENT_ITSELF = "event"


class RegistrationForm(forms.Form):
    """The registration's fields, as a citizen or an officer taking a phone call fills them."""

    target = forms.ChoiceField(
        label=gettext_lazy("What would you like to attend?"),
        widget=forms.RadioSelect,
        required=False,
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=MAX_LENGTHS["name"])
    kana = forms.CharField(
        label=gettext_lazy("Name (kana)"),
        max_length=MAX_LENGTHS["kana"],
        required=False,
        help_text=gettext_lazy("So that we read your name correctly, e.g. やまだ はなこ."),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=MAX_LENGTHS["email"],
        required=False,
        help_text=gettext_lazy("We send the confirmation and the cancellation link here."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=MAX_LENGTHS["phone"],
        required=False,
        help_text=gettext_lazy("If you have no email address, we call you on this number."),
    )
    party_size = forms.IntegerField(
        label=gettext_lazy("Number of people"), min_value=1, max_value=MAX_PARTY_SIZE, initial=1
    )
    accessibility_needs = forms.CharField(
        label=gettext_lazy("Accessibility needs"),
        max_length=MAX_LENGTHS["accessibility_needs"],
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "e.g. wheelchair space, sign language, a seat near the front. Leave empty if none."
        ),
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.items = {
            str(item.pk): item for item in event.programme.all() if item.registration_required
        }
        choices: list[tuple[str, str]] = []
        if event.registration_required:
            choices.append((EVENT_ITSELF, event.title))
        choices += [
            (pk, f"{item.title} ({timezone.localtime(item.starts_at):%H:%M} {item.venue.name})")
            for pk, item in self.items.items()
        ]
        self.target_choices = choices
        self.fields["target"].choices = choices  # type: ignore[attr-defined]
        if len(choices) <= 1:
            self.fields["target"].widget = forms.HiddenInput()
            self.fields["target"].initial = choices[0][0] if choices else EVENT_ITSELF
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "type": "tel"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        choices = self.target_choices
        if not data.get("target"):
            if len(choices) == 1:
                data["target"] = choices[0][0]
            elif "target" not in self.errors:
                self.add_error("target", _("Please choose what you would like to attend."))
        if not data.get("email") and not data.get("phone") and "email" not in self.errors:
            self.add_error("email", _("Please enter an email address or a phone number."))
        return data

    def programme_item(self) -> ProgrammeItem | None:
        return self.items.get(self.cleaned_data.get("target") or "")

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "target"}
        return {**data, "programme_item": self.programme_item(), "event": self.event}


# A party larger than this registers by phone with the association (officers may enter up to
# MAX_PARTY_SIZE), so one scripted POST cannot take a row of seats.
PUBLIC_MAX_PARTY_SIZE = 5
STARTED_SALT = "events.registration.started"


def _fill_seconds() -> float:
    return float(getattr(settings, "EVENTS_REGISTRATION_MIN_SECONDS", 3))


class PublicRegistrationForm(RegistrationForm):
    """The public form, with two quiet checks against scripts that a person never notices: a
    field hidden from people (`comment`, which only a bot fills in) and the signed time the form
    was shown (`started`; sent back sooner than EVENTS_REGISTRATION_MIN_SECONDS is a script)."""

    comment = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_size"].max_value = PUBLIC_MAX_PARTY_SIZE  # type: ignore[attr-defined]
        self.fields["party_size"].validators = [
            v for v in self.fields["party_size"].validators if not isinstance(v, MaxValueValidator)
        ] + [MaxValueValidator(PUBLIC_MAX_PARTY_SIZE)]
        self.fields["party_size"].widget.attrs["max"] = PUBLIC_MAX_PARTY_SIZE
        self.fields["party_size"].help_text = _(
            "For a group of more than %(max)d, please call us."
        ) % {"max": PUBLIC_MAX_PARTY_SIZE}
        self.fields["started"].initial = signing.TimestampSigner(salt=STARTED_SALT).sign(
            f"{time.time():.3f}"
        )

    def clean_comment(self) -> str:
        if self.cleaned_data.get("comment"):
            raise ValidationError(_("Please leave this field empty."))
        return ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        token = data.get("started") or ""
        try:
            shown_at = float(
                signing.TimestampSigner(salt=STARTED_SALT).unsign(token, max_age=timedelta(days=1))
            )
        except (signing.BadSignature, ValueError):
            self._fresh_start()
            self.add_error(
                None,
                _("This page had been open too long. Please check your details and send again."),
            )
            return data
        if time.time() - shown_at < _fill_seconds():
            self.add_error(
                None, _("That was very quick. Please check your details and press Register again.")
            )
        return data

    def _fresh_start(self) -> None:
        """A new signed time for the form shown again, so the next send is judged afresh."""
        if isinstance(self.data, QueryDict):
            data = self.data.copy()
            data["started"] = self.fields["started"].initial
            self.data = data

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        kwargs.pop("comment", None)
        kwargs.pop("started", None)
        return kwargs


def _rate_limited(request: AssociationRequest, event: Event) -> bool:
    """Count one public registration against the sender's address and against the event; true
    when either is over its limit (settings EVENTS_REGISTRATION_RATE_PER_ADDRESS, _PER_EVENT)."""
    address_limited = is_ratelimited(
        request,
        group="events.register.address",
        key=lambda _group, req: f"{request.association.pk}:{client_address(req)}",
        rate=settings.EVENTS_REGISTRATION_RATE_PER_ADDRESS,
        increment=True,
    )
    event_limited = is_ratelimited(
        request,
        group="events.register.event",
        key=lambda _group, _req: str(event.pk),
        rate=settings.EVENTS_REGISTRATION_RATE_PER_EVENT,
        increment=not address_limited,
    )
    return address_limited or event_limited


def _cell(value: Any) -> Any:
    """Keep a spreadsheet from reading a citizen's text as a formula."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def _base_url(request: AssociationRequest) -> str:
    return request.build_absolute_uri("/")


def _access(request: AssociationRequest) -> Access:
    return request.access


@public
@never_cache
@require_http_methods(["GET", "POST"])
def register(request: AssociationRequest, event_pk: int) -> HttpResponse:
    event = access_event_by_id(_access(request), event_pk)
    chosen = request.GET.get("item", "")
    form = PublicRegistrationForm(
        request.POST or None, event=event, initial={"target": chosen} if chosen else None
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request, event):
            form.add_error(
                None,
                _(
                    "Many registrations have just been sent from your connection or for this "
                    "event. Please wait a few minutes and try again, or call the association."
                ),
            )
            status = 429
        else:
            try:
                registration = registration_create(
                    **form.service_kwargs(),
                    client_hash=client_fingerprint(
                        association_id=event.association_id, address=client_address(request)
                    ),
                    base_url=_base_url(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect(f"{reverse('events:registration')}?key={registration.cancel_key}")
    availability = events_availability([event])
    targets: list[ProgrammeItem | None] = [None] if event.registration_required else []
    targets += list(form.items.values())
    seats = [
        (item or event, availability[(event.pk, item.pk if item else None)]) for item in targets
    ]
    open_targets = [state for _target, state in seats if state.can_register]
    return render(
        request,
        "events/registration/register.html",
        {
            "event": event,
            "form": form,
            "is_open": bool(open_targets),
            "seats": seats,
            # The button says what will happen: a place, or a place on the waiting list.
            "button_label": open_targets[0].button_label
            if len(open_targets) == 1
            else _("Register"),
        },
        status=status,
    )


@public
@never_cache
def registration_status(request: AssociationRequest) -> HttpResponse:
    registration = registration_for_key(request.GET.get("key", ""))
    return render(request, "events/registration/status.html", {"registration": registration})


@public
@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request: AssociationRequest) -> HttpResponse:
    key = request.POST.get("key") or request.GET.get("key", "")
    registration = registration_for_key(key)
    if request.method == "POST":
        try:
            registration = registration_cancel(cancel_key=key, base_url=_base_url(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your registration has been cancelled."))
    return render(
        request, "events/registration/cancel.html", {"registration": registration, "key": key}
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def offer(request: AssociationRequest) -> HttpResponse:
    key = request.POST.get("key") or request.GET.get("key", "")
    registration = registration_for_key(key)
    if request.method == "POST":
        try:
            registration = registration_offer_accept(cancel_key=key, base_url=_base_url(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your place is confirmed."))
            return redirect(f"{reverse('events:registration')}?key={key}")
    return render(
        request,
        "events/registration/offer.html",
        {"registration": registration, "key": key, "now": timezone.now()},
    )


# --- officers


class PhoneInForm(RegistrationForm):
    """The same fields, filled in by an officer for someone who phoned."""


def _registrations(event: Event) -> QuerySet[Registration]:
    order = Case(
        When(status=Status.CONFIRMED, then=Value(0)),
        When(status=Status.OFFERED, then=Value(1)),
        When(status=Status.WAITING, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        Registration.objects.filter(event=event)
        .select_related("programme_item", "registered_by")
        .annotate(order=order)
        .order_by("order", "programme_item__starts_at", "created_at", "pk")
    )


@requires("association.manage")
@require_http_methods(["GET", "POST"])
def registrations(request: AssociationRequest, event_pk: int) -> HttpResponse:
    event = access_event_to_manage_by_id(
        _access(request), event_pk, queryset=Event.objects.prefetch_related("programme__venue")
    )
    form = PhoneInForm(
        request.POST if request.POST.get("action") == "register" else None, event=event
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action in {"check_in", "undo_check_in"}:
            registration = access_registration_by_id(
                _access(request), event, request.POST.get("registration", "")
            )
            registration_check_in(registration=registration, undo=action == "undo_check_in")
            messages.success(
                request,
                (
                    _("%(name)s is checked in.")
                    if action == "check_in"
                    else _("Check-in of %(name)s undone.")
                )
                % {"name": registration.name},
            )
            return redirect(
                reverse("events:registrations", args=[event.pk]) + f"#r{registration.pk}"
            )
        if action == "remove_burst":
            removed = registrations_remove_burst(
                event=event,
                client_hash=request.POST.get("client", ""),
                registration_ids=[
                    int(pk)
                    for pk in request.POST.getlist("registration")
                    if pk.isascii() and pk.isdigit()
                ],
                base_url=_base_url(request),
            )
            messages.success(
                request,
                ngettext(
                    "%(count)d registration removed.", "%(count)d registrations removed.", removed
                )
                % {"count": removed},
            )
            return redirect("events:registrations", event_pk=event.pk)
        if action == "register" and form.is_valid():
            try:
                registration = registration_create(
                    **form.service_kwargs(),
                    registered_by=request.user,
                    base_url=_base_url(request),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is registered: %(status)s.")
                    % {"name": registration.name, "status": registration.get_status_display()},
                )
                return redirect("events:registrations", event_pk=event.pk)
    rows = list(_registrations(event))
    return render(
        request,
        "events/registration/officer_list.html",
        {
            "event": event,
            "form": form,
            "confirmed": [r for r in rows if r.status == Status.CONFIRMED],
            "offered": [r for r in rows if r.status == Status.OFFERED],
            "waiting": [r for r in rows if r.status == Status.WAITING],
            "cancelled": [r for r in rows if r.status == Status.CANCELLED],
            "bursts": registration_bursts(rows),
        },
    )


@requires("association.manage")
def registrations_print(request: AssociationRequest, event_pk: int) -> HttpResponse:
    event = access_event_to_manage_by_id(_access(request), event_pk)
    rows = [r for r in _registrations(event) if r.status == Status.CONFIRMED]
    return render(
        request,
        "events/registration/print.html",
        {"event": event, "rows": rows, "people": sum(r.party_size for r in rows)},
    )


@requires("association.manage")
def registrations_csv(request: AssociationRequest, event_pk: int) -> HttpResponse:
    event = access_event_to_manage_by_id(_access(request), event_pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registrations-{event.pk}.csv"'
    response.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Programme item"),
            _("Status"),
            _("Name"),
            _("Name (kana)"),
            _("Email"),
            _("Phone"),
            _("Number of people"),
            _("Accessibility needs"),
            _("Registered at"),
            _("Registered by"),
            _("Checked in at"),
        ]
    )
    for r in _registrations(event):
        writer.writerow(
            [
                _cell(value)
                for value in (
                    r.programme_item.title if r.programme_item else "",
                    r.get_status_display(),
                    r.name,
                    r.kana,
                    r.email,
                    r.phone,
                    r.party_size,
                    r.accessibility_needs,
                    f"{timezone.localtime(r.created_at):%Y-%m-%d %H:%M}",
                    r.registered_by.email if r.registered_by else "",
                    f"{timezone.localtime(r.checked_in_at):%Y-%m-%d %H:%M}"
                    if r.checked_in_at
                    else "",
                )
            ]
        )
    return response
