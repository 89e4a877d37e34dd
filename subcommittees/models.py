"""The four 部会 of an association and the mapping from service types to them."""

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
