"""Public news pages: the list (category filter, pages), one article (Open Graph, canonical
link), its image and the Atom feed. No login; anonymous pages are cached per association under
the `news` version, which every article write bumps (news.services.news_changed)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from association.permissions import public
from association.public_cache import cached_public_page, render_public
from news.access import access_published_article_by_id
from news.models import Article, ArticleCategory
from news.selectors import published_articles

PAGE_SIZE = 10
MAX_PAGE = 1000
FEED_SIZE = 30
CACHE_SECONDS = 600


def _list_query(request: HttpRequest, version: int) -> dict[str, str]:
    """Only a known category and a page number in range make a cache key."""
    query: dict[str, str] = {}
    if request.GET.get("category", "") in ArticleCategory.values:
        query["category"] = request.GET["category"]
    page = request.GET.get("page", "")
    if page.isascii() and page.isdigit() and 1 < int(page) <= MAX_PAGE:
        query["page"] = str(int(page))
    return query


def _cached(name: str, query: Any = None) -> Any:
    return cached_public_page("news:public", name, "news", CACHE_SECONDS, query)


def _page_url(category: str, page: int) -> str:
    params = {k: v for k, v in (("category", category), ("page", page if page > 1 else "")) if v}
    return reverse("news:list") + ("?" + urlencode(params) if params else "")


def article_description(article: Article) -> str:
    """The summary, or the body's first words: for lists, shared links and the feed."""
    if article.summary:
        return article.summary
    text = " ".join(strip_tags(article.body).split())
    return text[:120] + ("…" if len(text) > 120 else "")


def image_url(request: HttpRequest, article: Article) -> str:
    return request.build_absolute_uri(reverse("news:image", kwargs={"article_pk": article.pk}))


@public
@_cached("list", _list_query)
def article_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    category = category if category in ArticleCategory.values else ""
    page = Paginator(published_articles(category=category), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render_public(
        request,
        "news/list.html",
        {
            "page": page,
            "articles": list(page.object_list),
            "category": category,
            "category_label": ArticleCategory(category).label if category else "",
            "categories": [
                (value, label, _page_url(value, 1)) for value, label in ArticleCategory.choices
            ],
            "canonical_url": request.build_absolute_uri(_page_url(category, page.number)),
            "previous_page_url": _page_url(category, page.previous_page_number())
            if page.has_previous()
            else "",
            "next_page_url": _page_url(category, page.next_page_number())
            if page.has_next()
            else "",
        },
    )


@public
@_cached("detail")
def article_detail(request: HttpRequest, article_pk: int) -> HttpResponse:
    article = access_published_article_by_id(article_pk)
    page_url = request.build_absolute_uri(reverse("news:detail", kwargs={"article_pk": article.pk}))
    event = article.event
    return render_public(
        request,
        "news/detail.html",
        {
            "article": article,
            # Sanitised when saved (news.services.article_body_clean).
            "body_html": mark_safe(article.body),  # noqa: S308
            "description": article_description(article),
            "page_url": page_url,
            "image_url": image_url(request, article) if article.image else "",
            # Only a published, public event is linked (never a 404 for the reader).
            "event": event
            if event is not None and event.status == "published" and event.audience == "public"
            else None,
        },
    )


@public
def article_image(request: HttpRequest, article_pk: int) -> FileResponse:
    """A published article's image, served through Django (uploads are never public files)."""
    article = access_published_article_by_id(article_pk)
    if not article.image:
        raise Http404
    response = FileResponse(article.image.open("rb"))
    response["Cache-Control"] = "public, max-age=3600"
    return response


class ArticleFeed(Feed):
    """The newest published articles as Atom."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # One instance serves every request: nothing of a request is kept on it.
        return getattr(request, "association", None)

    def title(self, association: Any) -> str:
        name = association.name if association else "Renkei"
        return _("News from %(name)s") % {"name": name}

    def subtitle(self, association: Any) -> str:
        return _("Notices, activity reports and stories of care work.")

    def link(self) -> str:
        return reverse("news:list")

    def feed_url(self) -> str:
        return reverse("news:feed")

    def items(self) -> list[Article]:
        return list(published_articles().defer(None)[:FEED_SIZE])

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.body

    def item_link(self, item: Article) -> str:
        return reverse("news:detail", kwargs={"article_pk": item.pk})

    def item_pubdate(self, item: Article) -> Any:
        return item.published_at or timezone.make_aware(datetime.combine(item.date, time.min))

    def item_updateddate(self, item: Article) -> Any:
        return item.updated_at

    def item_categories(self, item: Article) -> list[str]:
        return [str(item.get_category_display())]


_feed = ArticleFeed()


@public
@_cached("feed")
def article_feed(request: HttpRequest) -> HttpResponse:
    return _feed(request)
