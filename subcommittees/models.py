"""The four 部会 of an association, the mapping from service types to them, and their work:
meetings with per-office attendance, and announcements emailed to member offices' staff."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from members.service_types import SERVICE_CODE_CHOICES


class SubcommitteeKind(models.TextChoices):
    KYOTAKU = "kyotaku", _("In-home care planning (居宅部会)")
    TSUSHO = "tsusho", _("Day services (通所部会)")
    HOUMON = "houmon", _("Home-visit services (訪問部会)")
    NYUSHO = "nyusho", _("Residential care (入所部会)")


class Subcommittee(models.Model):
    association = models.ForeignKey(
        "association.Association",
        on_delete=models.CASCADE,
        related_name="subcommittees",
        verbose_name=_("association"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SubcommitteeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("subcommittee")
        verbose_name_plural = _("subcommittees")
        ordering = ["association", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "kind"], name="subcommittee_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServiceTypeMapping(models.Model):
    """Which 部会 an office offering a service type belongs to, per association.

    Membership is derived from this table and the offices' services, never stored, so
    changing either changes membership at once.
    """

    association = models.ForeignKey(
        "association.Association",
        on_delete=models.CASCADE,
        related_name="service_type_mappings",
        verbose_name=_("association"),
    )
    service_code = models.CharField(_("service type"), max_length=2, choices=SERVICE_CODE_CHOICES)
    subcommittee = models.ForeignKey(
        Subcommittee,
        on_delete=models.CASCADE,
        related_name="service_type_mappings",
        verbose_name=_("subcommittee"),
    )

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("service type mapping")
        verbose_name_plural = _("service type mappings")
        ordering = ["service_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "service_code"], name="service_type_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_code} → {self.subcommittee}"


class Meeting(models.Model):
    """A subcommittee meeting: when, where (a place, an online link or both), agenda, minutes."""

    subcommittee = models.ForeignKey(
        Subcommittee,
        on_delete=models.CASCADE,
        related_name="meetings",
        verbose_name=_("subcommittee"),
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(association="subcommittee__association")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["subcommittee", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                name="meeting_ends_after_start",
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
            )
        ]

    def __str__(self) -> str:
        return self.title


class AttendanceStatus(models.TextChoices):
    ATTENDING = "attending", _("Will attend")
    ABSENT = "absent", _("Absent")
    ATTENDED = "attended", _("Attended")


class MeetingAttendance(models.Model):
    """One office's attendance at one meeting; no row means nothing recorded yet."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("meeting")
    )
    office = models.ForeignKey(
        "members.Office",
        on_delete=models.CASCADE,
        related_name="meeting_attendances",
        verbose_name=_("office"),
    )
    status = models.CharField(_("status"), max_length=16, choices=AttendanceStatus.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedManager(association="meeting__subcommittee__association")

    class Meta:
        verbose_name = _("meeting attendance")
        verbose_name_plural = _("meeting attendances")
        ordering = ["meeting", "office"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "office"], name="meeting_attendance_one_per_office"
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id} · {self.get_status_display()}"


class Announcement(models.Model):
    """A message from a subcommittee to its member offices' staff, emailed once.

    A draft until someone sends it (`queued_at`); `sent_at` is set when the emails went out,
    and guards against sending twice.
    """

    subcommittee = models.ForeignKey(
        Subcommittee,
        on_delete=models.CASCADE,
        related_name="announcements",
        verbose_name=_("subcommittee"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    queued_at = models.DateTimeField(_("send requested at"), null=True, blank=True)
    queued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    objects = ScopedManager(association="subcommittee__association")

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["subcommittee", "sent_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_draft(self) -> bool:
        return self.queued_at is None
