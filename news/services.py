"""Article writes: sanitised bodies, draft → published, and the public pages' cache version.

Every write drops the association's cached news pages and its home page (both read the
`news` version), now and again after commit, so a page rendered from the old rows while the
transaction was open does not stay cached."""

from __future__ import annotations

import re
from typing import Any

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import linebreaks
from django.utils.translation import gettext as _

from association.public_cache import public_changed, public_version
from news.models import MAX_BODY_CHARS, Article, ArticleStatus

# Stories need sub-headings, quotes and lists; nothing that runs, loads or styles.
ALLOWED_TAGS = {"p", "br", "h2", "h3", "ul", "ol", "li", "strong", "em", "blockquote", "a"}
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
BLOCK_MARKUP = re.compile(r"<\s*(p|h2|h3|ul|ol|blockquote|br)\b", re.IGNORECASE)


def article_body_clean(text: str) -> str:
    """The body HTML that may be rendered: script and style elements go with their content,
    every attribute but a link's href goes (event handlers, style, class), links get
    rel="noopener noreferrer" and only web, mail and phone addresses. Text typed without
    paragraph markup becomes paragraphs (an empty line between them) and line breaks."""
    text = text or ""
    if not BLOCK_MARKUP.search(text):
        text = linebreaks(text)
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def news_version(association_id: int | None) -> int:
    """The association's public news version (association.public_cache)."""
    return public_version("news", association_id)


def news_changed(association_id: int | None) -> None:
    """Articles changed: the news pages, the feed and the home page are stale, now and after
    the transaction commits."""
    public_changed("news", association_id)
    transaction.on_commit(lambda: public_changed("news", association_id))


def _check(article: Article) -> None:
    errors: dict[str, str] = {}
    if article.image and not article.image_alt.strip():
        errors["image_alt"] = _("Describe the image for people who cannot see it.")
    if article.event is not None and article.event.association_id != article.association_id:
        errors["event"] = _("Choose an event of this association.")
    subcommittee = article.subcommittee
    if subcommittee is not None and subcommittee.association_id != article.association_id:
        errors["subcommittee"] = _("Choose a subcommittee of this association.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def article_save(*, article: Article, **fields: Any) -> Article:
    """Create or update an article (a new one is a draft until `article_publish`): body
    bounded and sanitised, image bounded and described, event and 部会 of the same
    association; the public pages are dropped."""
    for name, value in fields.items():
        setattr(article, name, value)
    if len(article.body or "") > MAX_BODY_CHARS:
        raise ValidationError(
            {
                "body": _("The text is too long: at most %(count)d characters.")
                % {"count": MAX_BODY_CHARS}
            }
        )
    article.body = article_body_clean(article.body)
    article.full_clean()
    _check(article)
    article.save()
    news_changed(article.association_id)
    return article


@transaction.atomic
def article_publish(*, article: Article) -> Article:
    """Show the article on the public site (the first publication time is kept)."""
    article.status = ArticleStatus.PUBLISHED
    if article.published_at is None:
        article.published_at = timezone.now()
    article.save(update_fields=["status", "published_at", "updated_at"])
    news_changed(article.association_id)
    return article


@transaction.atomic
def article_unpublish(*, article: Article) -> Article:
    """Take the article off the public site (back to a draft)."""
    article.status = ArticleStatus.DRAFT
    article.save(update_fields=["status", "updated_at"])
    news_changed(article.association_id)
    return article


@transaction.atomic
def article_delete(*, article: Article) -> None:
    association_id = article.association_id
    article.delete()
    news_changed(association_id)
