"""/api/v1/news/: the association's published articles for partners' sites.

Public (no authentication): exactly what the public news pages show (`published_articles`,
`access_published_article_by_id`); a draft or another association's article is a 404. The body
is the sanitised HTML the article page shows (news.services.article_body_clean).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from association.api import QueryParametersSerializer
from association.permissions import AccessPolicy
from news.access import access_published_article_by_id
from news.models import Article, ArticleCategory
from news.selectors import published_articles


class ArticleSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The article's public page.")
    image_url = serializers.SerializerMethodField(allow_null=True)
    subcommittee = serializers.CharField(
        source="subcommittee.name", allow_null=True, default=None, read_only=True
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "date",
            "category",
            "summary",
            "subcommittee",
            "event",
            "url",
            "image_url",
            "image_alt",
        ]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, article: Article) -> str:
        return self._absolute(reverse("news:detail", kwargs={"article_pk": article.pk}))

    def get_image_url(self, article: Article) -> str | None:
        if not article.image:
            return None
        return self._absolute(reverse("news:image", kwargs={"article_pk": article.pk}))


class ArticleDetailSerializer(ArticleSerializer):
    body = serializers.CharField(read_only=True, help_text="Sanitised HTML, as on the page.")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body"]


class ArticleFilterSerializer(QueryParametersSerializer):
    category = serializers.ChoiceField(choices=ArticleCategory.choices, required=False)


class PublicNewsView(generics.GenericAPIView):
    access_policy = AccessPolicy(public=True)
    authentication_classes: list[Any] = []
    serializer_class = ArticleSerializer
    queryset = Article.objects.none()


class ArticleListView(PublicNewsView):
    """Published articles, newest first, as the news list shows them (no body)."""

    def get_queryset(self) -> QuerySet[Article]:
        query = ArticleFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return published_articles(category=query.validated_data.get("category", ""))

    @extend_schema(parameters=[ArticleFilterSerializer], responses=ArticleSerializer(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ArticleDetailView(PublicNewsView):
    """One published article with its body; a draft is not there (404)."""

    serializer_class = ArticleDetailSerializer

    @extend_schema(
        responses={
            200: ArticleDetailSerializer,
            404: OpenApiResponse(description="No such article."),
        }
    )
    def get(self, request: Request, article_pk: int) -> Response:
        return Response(self.get_serializer(access_published_article_by_id(article_pk)).data)
