"""Access helpers for articles (association.access explains the two steps).

Anyone reads a published article; a draft does not exist for the public (404). Editing is
for officers (`news.manage_all`: every article), and for a 部会 leader (`news.manage`) only
for the articles of their own 部会; an article of no 部会 is the officers'."""

from __future__ import annotations

from association.access import object_in_scope_or_404, require_capability
from association.permissions import Access
from news.models import Article, ArticleStatus


def access_published_article_by_id(article_pk: object) -> Article:
    return object_in_scope_or_404(
        Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related("event"), article_pk
    )


def require_article_manage(access: Access, *, subcommittee_id: int | None) -> None:
    """PermissionDenied unless the person may write an article of this 部会 (None: of the
    association as a whole)."""
    if subcommittee_id is None:
        require_capability(access, "news.manage_all")
    else:
        require_capability(access, "news.manage", subcommittee_id=subcommittee_id)


def access_article_by_id(access: Access, article_pk: object) -> Article:
    """An article to edit, published or not."""
    article = object_in_scope_or_404(
        Article.objects.select_related("subcommittee", "event"), article_pk
    )
    require_article_manage(access, subcommittee_id=article.subcommittee_id)
    return article


def led_subcommittee_ids(access: Access) -> list[int]:
    """The 部会 whose articles a leader writes (officers: see `news.manage_all`)."""
    return sorted(
        {
            role.subcommittee_id
            for role in access.roles
            if role.subcommittee_id
            and access.can("news.manage", subcommittee_id=role.subcommittee_id)
        }
    )
