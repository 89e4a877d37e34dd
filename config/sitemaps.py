"""`/sitemap.xml` and `/robots.txt` of each association's public site: open job postings,
public events and published news, on the host the request came in on, with their last change.
Both are cached per association like the other public pages and go stale when a posting, an
event or an article changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from association.permissions import public
from association.public_cache import cached_public_page
from events.models import Event
from events.selectors import visible_events
from events.services import events_version
from news.models import Article
from news.selectors import published_articles
from news.services import news_version
from recruitment.models import JobPosting
from recruitment.selectors import open_postings
from recruitment.services import jobs_version


class PagesSitemap(Sitemap):
    """The home page, the two public lists and the accessibility statement."""

    changefreq = "daily"

    def items(self) -> list[str]:
        return [
            "association:home",
            "events:list",
            "jobs:list",
            "news:list",
            "association:accessibility",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class JobPostingSitemap(Sitemap):
    """Open postings only: a closed one stays reachable but is no longer offered to crawlers."""

    changefreq = "daily"
    limit = 5000

    def items(self) -> Any:
        return open_postings().only("pk", "updated_at").order_by("pk")

    def location(self, item: JobPosting) -> str:
        return reverse("jobs:detail", kwargs={"job_posting_pk": item.pk})

    def lastmod(self, item: JobPosting) -> datetime:
        return item.updated_at


class EventSitemap(Sitemap):
    """Published events open to everyone (members-only and cancelled ones are left out)."""

    changefreq = "weekly"
    limit = 5000

    def items(self) -> Any:
        return visible_events(None, include_cancelled=False).only("pk", "updated_at").order_by("pk")

    def location(self, item: Event) -> str:
        return reverse("events:detail", kwargs={"event_pk": item.pk})

    def lastmod(self, item: Event) -> datetime:
        return item.updated_at


class ArticleSitemap(Sitemap):
    """Published news articles and stories."""

    changefreq = "monthly"
    limit = 5000

    def items(self) -> Any:
        return published_articles().select_related(None).only("pk", "updated_at").order_by("pk")

    def location(self, item: Article) -> str:
        return reverse("news:detail", kwargs={"article_pk": item.pk})

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at


SITEMAPS: dict[str, type[Sitemap[Any]] | Sitemap[Any]] = {
    "pages": PagesSitemap,
    "jobs": JobPostingSitemap,
    "events": EventSitemap,
    "news": ArticleSitemap,
}


def _public_version(association_id: int | None) -> int:
    """Changes whenever the job board's, the events' or the news' version does."""
    versions = (jobs_version(association_id), events_version(association_id))
    return hash((*versions, news_version(association_id))) & (2**62 - 1)


def _sitemap_page(request: HttpRequest) -> dict[str, str]:
    page = request.GET.get("p", "")
    return {"p": page} if page.isascii() and page.isdigit() and 1 < int(page) <= 100 else {}


@public
@require_http_methods(["GET", "HEAD"])
@cached_public_page("site:public", "sitemap", _public_version, query=lambda r, _v: _sitemap_page(r))
def sitemap(request: HttpRequest) -> HttpResponse:
    response = sitemap_view(request, sitemaps=SITEMAPS)
    response.render()
    return response


ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /accounts/
Disallow: /api/
Disallow: /members/
Disallow: /kpis/
Disallow: /reports/
Disallow: /recruitment/
Disallow: /subcommittees/
Disallow: /jobs/application/
Disallow: /news/manage/
Sitemap: {sitemap}
"""


@public
@require_http_methods(["GET", "HEAD"])
@cached_public_page("site:public", "robots", _public_version)
def robots(request: HttpRequest) -> HttpResponse:
    sitemap_url = request.build_absolute_uri(reverse("sitemap"))
    return HttpResponse(ROBOTS.format(sitemap=sitemap_url), content_type="text/plain")
