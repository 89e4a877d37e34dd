"""Articles on the association's public site: お知らせ, 活動報告 and 介護のしごと紹介 (stories
of care work). Written and published by officers, and by a 部会's leader for their 部会."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from core.images import validate_image_upload

MAX_BODY_CHARS = 20_000


class ArticleCategory(models.TextChoices):
    NOTICE = "notice", _("Notice (お知らせ)")
    REPORT = "report", _("Activity report (活動報告)")
    CARE_WORK = "care_work", _("Care work stories (介護のしごと紹介)")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Article(models.Model):
    association = models.ForeignKey(
        "association.Association", on_delete=models.CASCADE, related_name="articles"
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), default=timezone.localdate)
    category = models.CharField(
        _("category"),
        max_length=16,
        choices=ArticleCategory.choices,
        default=ArticleCategory.NOTICE,
    )
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("One or two sentences for the list, search engines and shared links."),
    )
    # Sanitised HTML (news.services.article_body_clean) — never rendered unsanitised.
    body = models.TextField(_("body"), max_length=MAX_BODY_CHARS)
    image = models.ImageField(
        _("image"), upload_to="news/", blank=True, validators=[validate_image_upload]
    )
    image_alt = models.CharField(
        _("image text alternative"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it. Required with an image."),
    )
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("related event"),
    )
    subcommittee = models.ForeignKey(
        "subcommittees.Subcommittee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("subcommittee"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(association="association")

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["association", "status", "-date", "-id"])]

    def __str__(self) -> str:
        return self.title
