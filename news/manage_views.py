"""Officers and 部会 leaders write and publish articles here (officers may use the admin too;
both call news.services)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from association.forms import add_service_errors
from association.http import AssociationRequest
from association.permissions import requires
from news.access import access_article_by_id, require_article_manage
from news.forms import ArticleForm
from news.models import Article, ArticleStatus
from news.selectors import manageable_articles
from news.services import article_publish, article_save, article_unpublish

SHOWN = 100


@requires("news.manage")
def manage_list(request: AssociationRequest) -> HttpResponse:
    """The articles this person may edit, newest first (the latest SHOWN)."""
    articles = manageable_articles(access=request.access)
    return render(
        request,
        "news/manage_list.html",
        {"articles": list(articles[:SHOWN]), "total": articles.count(), "shown": SHOWN},
    )


def _save(request: AssociationRequest, form: ArticleForm, article: Article) -> Article | None:
    """Save the form into `article`, then publish or unpublish as the button said."""
    fields = form.article_fields(article if article.pk else None)
    subcommittee = fields.get("subcommittee")
    require_article_manage(
        request.access, subcommittee_id=subcommittee.pk if subcommittee else None
    )
    action = request.POST.get("action", "save")
    try:
        article = article_save(article=article, **fields)
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    if action == "publish":
        article_publish(article=article)
        messages.success(request, _("The article is published."))
    elif action == "unpublish" and article.status == ArticleStatus.PUBLISHED:
        article_unpublish(article=article)
        messages.success(request, _("The article is no longer shown on the public site."))
    else:
        messages.success(request, _("The article is saved."))
    return article


@requires("news.manage")
def article_new(request: AssociationRequest) -> HttpResponse:
    form = ArticleForm(
        request.POST or None, request.FILES or None, access=request.access, article=None
    )
    if request.method == "POST" and form.is_valid():
        article = Article(association=request.association, created_by=request.user)  # type: ignore[misc]
        saved = _save(request, form, article)
        if saved is not None:
            return redirect("news:manage_edit", article_pk=saved.pk)
    return render(request, "news/article_form.html", {"form": form, "article": None})


@requires("news.manage")
def article_edit(request: AssociationRequest, article_pk: int) -> HttpResponse:
    article = access_article_by_id(request.access, article_pk)
    form = ArticleForm(
        request.POST or None, request.FILES or None, access=request.access, article=article
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, article)
        if saved is not None:
            return redirect("news:manage_edit", article_pk=saved.pk)
    return render(request, "news/article_form.html", {"form": form, "article": article})
