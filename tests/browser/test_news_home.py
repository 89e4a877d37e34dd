"""The home page, the news list and an article in Chromium, at a phone's width (390 px) and at
1280 px: axe-core finds nothing serious or critical (WCAG 2.0 A/AA, JIS X 8341-3 AA), nothing
scrolls sideways, and the Organization JSON-LD and the rest of the page run under the site's
Content-Security-Policy without one violation; a 部会 leader's article form too, on a phone.
Screenshots go to the browser artifacts."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from association.models import AssociationDomain
from news.models import Article
from news.services import article_publish, article_save
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_accessibility import session_for
from tests.tenants import Tenant, _logo_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}
SERIOUS = {"serious", "critical"}


def _story(tenant: Tenant) -> Article:
    with scope(association=tenant.association.pk):
        article = article_save(
            article=Article(association=tenant.association),
            title="介護のしごと紹介：デイサービスで働く山本さん",
            category="care_work",
            summary="異業種から転職して5年。利用者さんの「また来るね」が励みです。",
            body=(
                "<p>山本さんは飲食店の店長から介護の仕事に移って5年目です。</p>"
                "<h2>転職のきっかけ</h2><blockquote><p>また来るね、が一番うれしい。</p></blockquote>"
                '<p><a href="https://example.jp/">研修の案内</a></p>'
            ),
            image=SimpleUploadedFile("story.png", _logo_png(), "image/png"),
            image_alt="送迎車の前で笑う山本さん",
        )
        return article_publish(article=article)


def _check(page: Any, url: str, shot: str) -> list[str]:
    page.goto(url)
    assert page.url == url, f"{url} redirected to {page.url}"
    found = [
        f"{url}: {v['id']} ({v['impact']}): " + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in Axe().run(page, options=WCAG_AA).response["violations"]
        if v["impact"] in SERIOUS
    ]
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(f"{url}: scrolls sideways by {overflow}px")
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    return found


def test_home_news_list_and_article_at_phone_and_desktop_widths(
    live_server: Any, tenant_a: Tenant, browser_page: Any
) -> None:
    AssociationDomain.objects.create(association=tenant_a.association, domain="localhost")
    article = _story(tenant_a)
    base = live_server.url.replace("127.0.0.1", "localhost")
    page = browser_page
    csp: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    pages = {
        "home": f"{base}/",
        "news-list": f"{base}/news/",
        "news-article": f"{base}/news/{article.pk}/",
    }
    found: list[str] = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in pages.items():
            found += _check(page, url, f"{name}-{width}.png")
    # A 部会 leader's article form, on a phone.
    session = session_for(tenant_a.users["leader"])
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    found += _check(page, f"{base}/news/manage/new/", "news-form-390.png")
    page.context.clear_cookies()
    # The JSON-LD block is there and is data, not script the policy had to refuse.
    page.goto(pages["home"])
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert '"Organization"' in page.locator('script[type="application/ld+json"]').inner_text()
    assert not found, "\n".join(found)
    assert csp == []
