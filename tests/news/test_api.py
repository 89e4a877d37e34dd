"""/api/v1/news/: what the public news pages show, to partners' sites, without authentication."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from tests.api_errors import error_fields
from tests.conftest import client_for
from tests.news.test_articles import make_article
from tests.tenants import Tenant


def test_published_articles_of_the_host_association_only(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    story = make_article(
        tenant_a,
        "介護のしごと紹介：訪問介護の一日",
        category="care_work",
        summary="朝の訪問から夕方の記録まで。",
        body='<p onclick="steal()">利用者さんの家へ。</p><script>alert(1)</script>',
    )
    draft = make_article(tenant_a, "下書きのお知らせ", publish=False)
    foreign = make_article(tenant_b, "ベータのお知らせ")
    anonymous = client_for(tenant_a)
    listed = anonymous.get("/api/v1/news/")
    assert listed.status_code == 200
    titles = [article["title"] for article in listed.json()["results"]]
    assert story.title in titles and draft.title not in titles and foreign.title not in titles
    assert "body" not in listed.json()["results"][0]  # the list, like the page, has no body
    detail = anonymous.get(f"/api/v1/news/{story.pk}/").json()
    assert detail["url"] == f"http://{tenant_a.host}/news/{story.pk}/"
    assert detail["summary"] == "朝の訪問から夕方の記録まで。"
    assert "利用者さんの家へ。" in detail["body"]
    assert "onclick" not in detail["body"] and "<script" not in detail["body"]
    assert anonymous.get(f"/api/v1/news/{draft.pk}/").status_code == 404
    assert anonymous.get(f"/api/v1/news/{foreign.pk}/").status_code == 404
    # A member's session sees no more than a visitor (drafts stay in the editors' pages).
    officer = client_for(tenant_a, tenant_a.users["officer"])
    assert officer.get(f"/api/v1/news/{draft.pk}/").status_code == 404


def test_category_filter_is_checked(tenant_a: Tenant) -> None:
    make_article(tenant_a, "お知らせ一", category="notice")
    make_article(tenant_a, "活動報告一", category="report")
    anonymous = client_for(tenant_a)
    reports = anonymous.get("/api/v1/news/?category=report").json()["results"]
    assert {article["category"] for article in reports} == {"report"}
    refused = anonymous.get("/api/v1/news/?category=nonsense")
    assert refused.status_code == 400 and error_fields(refused) == {"category"}


def test_list_queries_do_not_grow_with_articles(tenant_a: Tenant) -> None:
    anonymous = client_for(tenant_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert anonymous.get("/api/v1/news/?limit=200").status_code == 200
        return len(captured)

    make_article(tenant_a, "一件目")
    few = queries()
    with scope(association=tenant_a.association.pk):
        for number in range(30):
            make_article(tenant_a, f"記事{number}")
    assert queries() == few > 0


def test_an_empty_filter_is_refused_naming_it(tenant_a: Tenant) -> None:
    """`?category=` is not "every category": the schema says a value, so a 400 names it (the
    same for the events' and jobs' filters, association.api.QueryParametersSerializer)."""
    anonymous = client_for(tenant_a)
    for url, name in (
        ("/api/v1/news/?category=", "category"),
        ("/api/v1/events/?when=", "when"),
        ("/api/v1/jobs/?working_style=%20", "working_style"),
    ):
        refused = anonymous.get(url)
        assert refused.status_code == 400 and error_fields(refused) == {name}, url
