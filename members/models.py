"""法人 (Corporation) and 事業所 (Office), both owned by one association."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from members.service_types import SERVICE_CODE_CHOICES

SERVICE_LABELS = dict(SERVICE_CODE_CHOICES)


class CorporationKind(models.TextChoices):
    SOCIAL_WELFARE = "social_welfare", _("Social welfare corporation (社会福祉法人)")
    MEDICAL = "medical", _("Medical corporation (医療法人)")
    STOCK_COMPANY = "stock_company", _("Stock company (株式会社)")
    LIMITED_COMPANY = "limited_company", _("Limited company (有限会社・合同会社)")
    NPO = "npo", _("NPO (特定非営利活動法人)")
    GENERAL_INCORPORATED = "general_incorporated", _("General incorporated association/foundation")
    COOPERATIVE = "cooperative", _("Cooperative (生活協同組合等)")
    LOCAL_GOVERNMENT = "local_government", _("Local government")
    OTHER = "other", _("Other")


class Corporation(models.Model):
    """A 法人 as a member of one association; the same 法人番号 may recur in another."""

    association = models.ForeignKey(
        "association.Association",
        on_delete=models.CASCADE,
        related_name="corporations",
        verbose_name=_("association"),
    )
    name = models.CharField(_("name"), max_length=200)
    kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=32, choices=CorporationKind.choices)
    corporate_number = models.CharField(_("corporate number"), max_length=13, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("corporation")
        verbose_name_plural = _("corporations")
        ordering = ["kana", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "corporate_number"],
                condition=~models.Q(corporate_number=""),
                name="corporation_number_unique_per_association",
            )
        ]

    def __str__(self) -> str:
        return self.name


class OfficeStatus(models.TextChoices):
    APPLIED = "applied", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Office(models.Model):
    """A 事業所: one provider number, one or more service types, member of one association."""

    association = models.ForeignKey(
        "association.Association",
        on_delete=models.CASCADE,
        related_name="offices",
        verbose_name=_("association"),
    )
    corporation = models.ForeignKey(
        Corporation,
        # RESTRICT: a corporation with offices cannot be deleted, but an association can.
        on_delete=models.RESTRICT,
        related_name="offices",
        verbose_name=_("corporation"),
    )
    name = models.CharField(_("name"), max_length=200)
    kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    provider_number = models.CharField(_("care-insurance provider number"), max_length=10)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OfficeStatus.choices, default=OfficeStatus.APPLIED
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Who asked to join through self-registration; gets office-admin rights on approval.
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="office_applications",
        verbose_name=_("applicant"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["kana", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "provider_number"],
                name="office_provider_number_unique_per_association",
            )
        ]
        indexes = [models.Index(fields=["association", "status"])]

    def __str__(self) -> str:
        return self.name


class OfficeService(models.Model):
    """A service type an office offers under its provider number."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="services", verbose_name=_("office")
    )
    service_code = models.CharField(_("service type"), max_length=2, choices=SERVICE_CODE_CHOICES)

    objects = ScopedManager(association="office__association")

    class Meta:
        verbose_name = _("office service")
        verbose_name_plural = _("office services")
        ordering = ["service_code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "service_code"], name="office_service_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """ "43 居宅介護支援": a dict lookup (get_FOO_display flattens all choices each call)."""
        return SERVICE_LABELS.get(self.service_code, self.service_code)


class Invitation(models.Model):
    """An invitation by email to a role: an office's staff (by its admin) or a city viewer
    (by an officer). The person signs up or logs in with the invited address to accept."""

    association = models.ForeignKey(
        "association.Association",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("association"),
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("office"),
    )
    email = models.EmailField(_("email"))
    kind = models.CharField(
        _("role"),
        max_length=32,
        choices=[
            ("office_admin", _("Office administrator")),
            ("office_staff", _("Office staff")),
            ("city_viewer", _("City viewer")),
        ],
        default="office_staff",
    )
    key = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="invitation_office_matches_kind",
                condition=models.Q(kind="city_viewer", office__isnull=True)
                | models.Q(kind__in=["office_admin", "office_staff"], office__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.email
