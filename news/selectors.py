"""Reads of articles that the public pages, the feed, the sitemap and the home page share."""

from __future__ import annotations

from django.db.models import QuerySet

from association.permissions import Access
from news.access import led_subcommittee_ids
from news.models import Article, ArticleStatus


def published_articles(*, category: str = "") -> QuerySet[Article]:
    """Published articles, newest first, with what a list shows (no body) and its 部会."""
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    if category:
        articles = articles.filter(category=category)
    return articles.select_related("subcommittee").defer("body").order_by("-date", "-pk")


def latest_articles(*, count: int) -> list[Article]:
    return list(published_articles()[:count])


def manageable_articles(*, access: Access) -> QuerySet[Article]:
    """Articles this person may edit: all for officers, their 部会's for a leader."""
    articles = Article.objects.select_related("subcommittee").defer("body")
    if access.can("news.manage_all"):
        return articles.order_by("-date", "-pk")
    return articles.filter(subcommittee_id__in=led_subcommittee_ids(access)).order_by(
        "-date", "-pk"
    )
