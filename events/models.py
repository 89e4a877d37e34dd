"""Events, venues, programme items and citizens' registrations, owned by one association."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_scopes import ScopedManager


class EventKind(models.TextChoices):
    STUDY_SESSION = "study_session", _("Study session (勉強会)")
    JOB_FAIR = "job_fair", _("Job fair (就職フェア)")
    FESTIVAL = "festival", _("Festival")
    HANDS_ON = "hands_on", _("Hands-on welfare event")
    EQUIPMENT_FAIR = "equipment_fair", _("Care equipment fair")
    OPEN_MEETING = "open_meeting", _("Open meeting")
    SUBCOMMITTEE = "subcommittee", _("Subcommittee event")


class Audience(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    MEMBERS = "members", _("Member offices only")
    SUBCOMMITTEE = "subcommittee", _("One subcommittee")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")


class Venue(models.Model):
    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="venues"
    )
    name = models.CharField(_("name"), max_length=200)
    kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    area = models.CharField(_("area"), max_length=100, blank=True, help_text=_("e.g. 岡町"))
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300)
    access_notes = models.TextField(_("how to get there"), blank=True)
    step_free = models.BooleanField(_("step-free access"), default=False)
    accessible_toilet = models.BooleanField(_("accessible toilet"), default=False)
    parking = models.BooleanField(_("parking"), default=False)
    accessibility_notes = models.TextField(_("accessibility notes"), blank=True)
    map_url = models.URLField(_("map link"), blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["kana", "name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    title_kana = models.CharField(_("title (kana)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    subcommittee = models.ForeignKey(
        "subcommittees.Subcommittee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("subcommittee"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Sanitised HTML (events.services.clean_html) — never rendered unsanitised.
    description = models.TextField(_("description"), blank=True)
    image = models.ImageField(_("image"), upload_to="events/", blank=True)
    image_alt = models.CharField(_("image text alternative"), max_length=300, blank=True)
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    co_hosts = models.ManyToManyField(
        "members.Office", blank=True, related_name="co_hosted_events", verbose_name=_("co-hosts")
    )
    venue = models.ForeignKey(
        Venue,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("main venue"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    registration_required = models.BooleanField(_("registration required"), default=False)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes at"), null=True, blank=True
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["association", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="event_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ProgrammeItem(models.Model):
    """One item of an event's programme, at a venue and time, maybe with its own registration."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="programme")
    title = models.CharField(_("title"), max_length=200)
    title_kana = models.CharField(_("title (kana)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    venue = models.ForeignKey(
        Venue, on_delete=models.RESTRICT, related_name="programme_items", verbose_name=_("venue")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    registration_required = models.BooleanField(_("registration required"), default=False)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)

    objects = ScopedManager(association="event__association")

    class Meta:
        verbose_name = _("programme item")
        verbose_name_plural = _("programme items")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.title


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    OFFERED = "offered", _("Offered a place")
    # "キャンセル済み": the person cancelled; never 「中止」, which says the event is called off.
    CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")


class Registration(models.Model):
    """A citizen's registration for an event (or one programme item of it)."""

    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="registrations"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    programme_item = models.ForeignKey(
        ProgrammeItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="registrations",
    )
    name = models.CharField(_("name"), max_length=100)
    kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    party_size = models.PositiveSmallIntegerField(_("number of people"), default=1)
    accessibility_needs = models.TextField(_("accessibility needs"), max_length=1000, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=RegistrationStatus.choices)
    # The cancellation link's secret: no account needed to cancel.
    cancel_key = models.CharField(max_length=64, unique=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # A keyed hash (events.registration.client_fingerprint) of the address a public
    # registration was sent from, so officers can spot a scripted burst; never the address
    # itself, and deleted with the registration. Empty for officers' phone-ins.
    client_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["event", "programme_item", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"
