"""News (issue 14): sanitised bodies, bounded and described images, who may write which
article, publish → the home page and the list change at once, the Atom feed, Open Graph, and
query counts that do not grow with the number of articles, events and postings."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from core.images import MAX_IMAGE_BYTES, validate_image_upload
from events.models import Event
from news.models import Article, ArticleStatus
from news.services import article_body_clean, article_publish, article_save, article_unpublish
from recruitment.models import JobPosting
from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.tenants import Tenant, _logo_png

pytestmark = pytest.mark.django_db


def text(response: Any) -> str:
    return response.content.decode()


def make_article(tenant: Tenant, title: str, *, publish: bool = True, **fields: Any) -> Article:
    with scope(association=tenant.association.pk):
        article = article_save(
            article=Article(association=tenant.association),
            title=title,
            category=fields.pop("category", "notice"),
            body=fields.pop("body", "<p>本文です。</p>"),
            **fields,
        )
        return article_publish(article=article) if publish else article


# --- sanitising and bounds ------------------------------------------------------------------


def test_body_keeps_story_markup_and_drops_scripts_and_event_handlers() -> None:
    dirty = (
        '<h2 onclick="steal()">見出し</h2><p style="color:red" class="x">本文'
        "<script>alert(1)</script></p>"
        '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">悪い</a>'
        '<a href="https://example.jp/" onmouseover="alert(4)" target="_blank">良い</a>'
        "<iframe src='https://evil.example'></iframe><style>body{}</style>"
    )
    clean = article_body_clean(dirty)
    assert "<h2>見出し</h2>" in clean
    assert "<p>本文</p>" in clean
    for bad in (
        "script",
        "alert",
        "onerror",
        "onclick",
        "onmouseover",
        "style",
        "iframe",
        "<img",
        "javascript:",
        "class=",
        "target=",
    ):
        assert bad not in clean, bad
    assert '<a href="https://example.jp/" rel="noopener noreferrer">良い</a>' in clean


def test_plain_text_becomes_paragraphs() -> None:
    assert article_body_clean("一段落目\n二行目\n\n二段落目 <b>x</b> & 1 < 2") == (
        "<p>一段落目<br>二行目</p>\n\n<p>二段落目 x &amp; 1 &lt; 2</p>"
    )


def test_article_bounds_and_image_text_alternative(tenant_a: Tenant) -> None:
    png = _logo_png()
    with scope(association=tenant_a.association.pk):
        with pytest.raises(ValidationError) as error:
            article_save(
                article=Article(association=tenant_a.association),
                title="画像だけ",
                body="本文",
                image=SimpleUploadedFile("a.png", png, "image/png"),
            )
        assert "image_alt" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            article_save(
                article=Article(association=tenant_a.association), title="長い", body="あ" * 20_001
            )
        assert "body" in error.value.message_dict
        assert not Article.objects.filter(title__in=["画像だけ", "長い"]).exists()
    # Too many bytes, or not a picture at all.
    for name, data in (
        ("big.png", png[:8] + b"\0" * MAX_IMAGE_BYTES),
        ("page.png", b"<html><script>alert(1)</script></html>"),
    ):
        with pytest.raises(ValidationError):
            validate_image_upload(SimpleUploadedFile(name, data, "image/png"))
    validate_image_upload(SimpleUploadedFile("ok.png", png, "image/png"))


# --- who writes what ------------------------------------------------------------------------


def test_leader_writes_and_publishes_only_for_their_own_subcommittee(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
        nyusho = Subcommittee.objects.get(kind=SubcommitteeKind.NYUSHO)
    theirs = make_article(tenant_a, "入所部会の記事", subcommittee=nyusho)
    whole = make_article(tenant_a, "連絡会の記事")
    leader = client_for(tenant_a, tenant_a.users["leader"])
    form = {"title": "書き換え", "date": "2026-11-01", "category": "report", "body": "改ざん"}
    for article in (theirs, whole):
        url = reverse("news:manage_edit", kwargs={"article_pk": article.pk})
        assert leader.get(url).status_code == 403
        assert leader.post(url, {**form, "action": "unpublish"}).status_code == 403
    # A new article for another 部会 is not offered, so not accepted.
    response = leader.post(
        reverse("news:manage_new"), {**form, "subcommittee": nyusho.pk, "action": "publish"}
    )
    assert response.status_code == 200 and "subcommittee" in response.context["form"].errors
    # Their own 部会's: saved, published, and on the public list.
    response = leader.post(
        reverse("news:manage_new"), {**form, "subcommittee": kyotaku.pk, "action": "publish"}
    )
    assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        assert Article.objects.filter(title="書き換え").get().subcommittee == kyotaku
        assert set(Article.objects.values_list("title", "status")) >= {
            ("入所部会の記事", ArticleStatus.PUBLISHED),
            ("連絡会の記事", ArticleStatus.PUBLISHED),
            ("書き換え", ArticleStatus.PUBLISHED),
        }
    listing = text(leader.get(reverse("news:manage")))
    assert "書き換え" in listing and "入所部会の記事" not in listing
    assert "書き換え" in text(client_for(tenant_a).get(reverse("news:list")))


def test_another_associations_and_draft_articles_are_not_there(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    published = make_article(tenant_a, "アルファの記事")
    draft = make_article(tenant_a, "アルファの下書き", publish=False)
    url = reverse("news:detail", kwargs={"article_pk": published.pk})
    assert client_for(tenant_a).get(url).status_code == 200
    assert client_for(tenant_b).get(url).status_code == 404
    officer_b = client_for(tenant_b, tenant_b.users["officer"])
    assert (
        officer_b.get(reverse("news:manage_edit", kwargs={"article_pk": published.pk})).status_code
        == 404
    )
    assert (
        client_for(tenant_a)
        .get(reverse("news:detail", kwargs={"article_pk": draft.pk}))
        .status_code
        == 404
    )
    assert "アルファ" not in text(client_for(tenant_b).get(reverse("news:feed")))


# --- public pages, caching ------------------------------------------------------------------


def test_publish_and_unpublish_change_the_cached_home_page_list_and_feed(tenant_a: Tenant) -> None:
    article = make_article(
        tenant_a, "介護の仕事の話", publish=False, summary="夜勤のない職場です。"
    )
    anonymous = client_for(tenant_a)
    pages = [reverse("association:home"), reverse("news:list"), reverse("news:feed")]
    for url in pages:
        assert "介護の仕事の話" not in text(anonymous.get(url)), url  # cached now
    with scope(association=tenant_a.association.pk):
        article_publish(article=article)
    for url in pages:
        assert "介護の仕事の話" in text(anonymous.get(url)), url
    with scope(association=tenant_a.association.pk):
        article_save(article=article, title="介護の仕事の話（改）")
    assert "介護の仕事の話（改）" in text(anonymous.get(pages[0]))
    with scope(association=tenant_a.association.pk):
        article_unpublish(article=article)
    for url in pages:
        assert "介護の仕事の話" not in text(anonymous.get(url)), url
    # Unknown parameters do not make new pages; a bad category is the whole list.
    assert anonymous.get(pages[1] + "?category=<x>&utm=1").status_code == 200


def test_article_page_open_graph_and_atom_feed(tenant_a: Tenant) -> None:
    article = make_article(
        tenant_a,
        "デイサービスで働く",
        category="care_work",
        summary="転職して5年の介護職員。",
        body="<p>本文</p>",
        image=SimpleUploadedFile("day.png", _logo_png(), "image/png"),
        image_alt="送迎車の前に立つ職員",
    )
    client = client_for(tenant_a)
    page = text(client.get(reverse("news:detail", kwargs={"article_pk": article.pk})))
    base = f"http://{tenant_a.host}"
    page_url = f"{base}/news/{article.pk}/"
    meta = dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)"', page))
    assert meta["og:type"] == "article"
    assert meta["og:title"] == "デイサービスで働く"
    assert meta["og:description"] == "転職して5年の介護職員。"
    assert meta["og:image"] == f"{base}/news/{article.pk}/image"
    assert meta["og:url"] == page_url
    assert (
        page.count('rel="canonical"') == 1 and f'<link rel="canonical" href="{page_url}">' in page
    )
    assert 'alt="送迎車の前に立つ職員"' in page
    assert client.get(meta["og:image"].removeprefix(base)).getvalue().startswith(b"\x89PNG")

    response = client.get(reverse("news:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert feed.tag == f"{atom}feed"
    assert feed.findtext(f"{atom}title") == f"{tenant_a.association.name}のお知らせ・活動報告"
    entries = feed.findall(f"{atom}entry")
    entry = next(e for e in entries if e.findtext(f"{atom}title") == "デイサービスで働く")
    assert [link.get("href") for link in entry.iter(f"{atom}link")] == [page_url]
    assert entry.findtext(f"{atom}id") and entry.findtext(f"{atom}updated")
    assert entry.findtext(f"{atom}summary") == "<p>本文</p>"


def test_home_page_shows_what_is_on_and_organization_json_ld(tenant_a: Tenant) -> None:
    make_article(tenant_a, "フェスタのお知らせ")
    page = text(client_for(tenant_a).get(reverse("association:home")))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block is not None
    ld = json.loads(block[1])
    assert ld["@type"] == "Organization" and ld["name"] == tenant_a.association.name
    assert ld["url"] == f"http://{tenant_a.host}/"
    assert ld["logo"] == f"http://{tenant_a.host}/branding/logo"
    assert '<link rel="canonical" href="http://alpha.test/">' in page
    assert 'property="og:image" content="http://alpha.test/branding/hero"' in page
    assert "フェスタのお知らせ" in page
    with scope(association=tenant_a.association.pk):
        fair = Event.objects.get(kind="job_fair")
    assert fair.title in page  # the upcoming job fair, when and where
    assert f'<time datetime="{timezone.localtime(fair.starts_at).isoformat()}' in page
    assert "居宅部会" in page and "ケアマネジャー" in page


# --- query counts ---------------------------------------------------------------------------


def _grow(tenant: Tenant, count: int) -> None:
    """`count` more published articles, upcoming public events and open postings (bulk: the
    rows, not the services, are what this test is about)."""
    now = timezone.now()
    with scope(association=tenant.association.pk):
        Article.objects.bulk_create(
            Article(
                association=tenant.association,
                title=f"記事{i}",
                body="<p>本文</p>",
                status=ArticleStatus.PUBLISHED,
                published_at=now,
            )
            for i in range(count)
        )
        Event.objects.bulk_create(
            Event(
                association=tenant.association,
                title=f"催し{i}",
                kind="festival",
                status="published",
                starts_at=now + timedelta(days=30, hours=i),
                ends_at=now + timedelta(days=30, hours=i + 1),
                registration_required=True,
                capacity=10,
            )
            for i in range(count)
        )
        template = JobPosting.objects.filter(status="published").first()
        assert template is not None
        copies = []
        for i in range(count):
            template.pk = None
            template.title = f"求人{i}"
            copies.append(
                JobPosting(
                    **{
                        f.attname: getattr(template, f.attname)
                        for f in JobPosting._meta.concrete_fields
                    }
                )
            )
        JobPosting.objects.bulk_create(copies)


def test_query_counts_do_not_grow_with_articles_events_and_postings(tenant_a: Tenant) -> None:
    from events.services import events_changed
    from news.services import news_changed

    def counts(total: int) -> list[int]:
        _grow(tenant_a, total)
        with scope(association=tenant_a.association.pk):
            newest = Article.objects.filter(status="published").first()
        assert newest is not None
        result = []
        for url in (
            reverse("association:home"),
            reverse("news:list"),
            reverse("news:list") + "?page=2",
            reverse("news:feed"),
            reverse("news:detail", kwargs={"article_pk": newest.pk}),
        ):
            news_changed(tenant_a.association.pk)
            events_changed(tenant_a.association.pk)
            with CaptureQueriesContext(connection) as ctx:
                assert client_for(tenant_a).get(url).status_code == 200, url
            result.append(len(ctx))
        return result

    few = counts(20)
    assert all(few), few  # every page asked the database (the counts compare something)
    assert few == counts(480)
