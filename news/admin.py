"""Officers write and publish articles here; every write goes through news.services (sanitised
body, validated image and links, cached public pages dropped)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from association.admin_site import TenantModelAdmin
from association.http import association_of
from news.models import Article, ArticleStatus
from news.services import article_delete, article_publish, article_save, article_unpublish


class ArticleAdminForm(forms.ModelForm):
    """The admin builds the model form per request (inside the association's scope); this
    only adds the check that an image is described."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("image") and not (cleaned.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        return cleaned


@admin.register(Article)
class ArticleAdmin(TenantModelAdmin):
    capability = "news.manage_all"
    form = ArticleAdminForm
    list_display = ["title", "date", "category", "status", "subcommittee"]
    list_filter = ["category", "status", "subcommittee"]
    list_select_related = ["subcommittee"]
    search_fields = ["title", "summary"]
    date_hierarchy = "date"
    ordering = ["-date", "-pk"]
    autocomplete_fields = ("event",)
    readonly_fields = ("published_at",)
    exclude = ("association", "created_by")  # type: ignore[assignment]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "date", "category", "status", "published_at"]}),
        (None, {"fields": ["summary", "body", "image", "image_alt"]}),
        (None, {"fields": ["event", "subcommittee"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        """Through `article_save` (and `article_publish` when published), like the member pages."""
        if not change:
            obj.association = association_of(request)
            obj.created_by = request.user  # type: ignore[assignment]
        publish = obj.status == ArticleStatus.PUBLISHED
        article_save(article=obj)
        if publish:
            article_publish(article=obj)

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        article_delete(article=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            article_delete(article=article)

    @admin.action(description=_("Publish the selected articles"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            article_publish(article=article)
        count = len(queryset)
        self.message_user(
            request,
            ngettext("%(count)d article published.", "%(count)d articles published.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected articles"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            article_unpublish(article=article)
        count = len(queryset)
        self.message_user(
            request,
            ngettext("%(count)d article unpublished.", "%(count)d articles unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )
