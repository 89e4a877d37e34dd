"""Every page of the route list at a phone's width (390 px): nothing scrolls sideways, and no
heading, caption or table cell is squeezed to a column of one or two characters.

The routes and the objects their URLs name come from the isolation matrix
(tests/association/test_isolation_matrix.py): each route is visited once, on the "own" object,
as its main role (the first of `MAIN_ROLE_ORDER` that `MAY` lets use it), when its GET answers a
page (HTML, 200). allauth's pages are visited anonymously. Django's admin (`/admin/`) is not
ours to lay out and is left out.

A wide table may scroll inside its own labelled region (role=region, aria-label, tabindex=0,
overflow-x:auto): the document then does not overflow and its cells are not squeezed. Anything
that scrolls sideways must be such a region, so a keyboard can reach it.

One Chromium, one context per role (the force_login session cookie of Django's test client),
pages one after another.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from association.models import AssociationDomain
from tests.association.test_isolation_matrix import (
    ALLAUTH_ROUTES,
    ANONYMOUS,
    CITY,
    CORP_ADMIN,
    LEADER,
    MATRIX_ROUTES,
    MAY,
    OFFICE_ADMIN,
    OFFICE_STAFF,
    OFFICER,
    Route,
    url_kwargs,
)
from tests.browser.conftest import CHROMIUM
from tests.conftest import client_for
from tests.tenants import build_matrix_objects, build_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE: Any = {"width": 390, "height": 844}  # playwright ViewportSize
SCREENSHOTS = os.environ.get("PHONE_WIDTH_SCREENSHOTS")
MAIN_ROLE_ORDER = (ANONYMOUS, OFFICER, LEADER, OFFICE_ADMIN, CORP_ADMIN, OFFICE_STAFF, CITY)
# Pages the test must reach, or it proves nothing: the ones issue 14 names as broken.
MUST_VISIT = {
    "association:home",
    "association:dashboard",
    "association:accessibility",
    "members:directory",
    "members:office",
    "subcommittees:list",
    "subcommittees:detail",
    "subcommittees:meeting_detail",
    "kpis:dashboard",
    "kpis:history",
    "kpis:history_review",
    "kpis:filing",
    "reports:list",
    "reports:detail",
    "reports:figures",
    "events:list",
    "events:detail",
    "events:register",
    "events:registrations",
    "recruitment:figures",
    "jobs:list",
}

# Runs in the page: what is wrong with its layout, in words.
MEASURE = """
() => {
  const problems = [];
  const doc = document.documentElement;
  const name = (el) => {
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 30);
    return `<${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}> "${text}"`;
  };
  if (doc.scrollWidth > doc.clientWidth) {
    // Name the innermost elements that stick out, so the failure says what to fix.
    const out = [...document.body.querySelectorAll('*')].filter(
      (el) => el.getBoundingClientRect().right > doc.clientWidth + 1);
    const innermost = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
    problems.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window: `
      + innermost.slice(0, 3).map(name).join(', '));
  }
  const hidden = (el) => {
    for (let node = el; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.clip === 'rect(0px, 0px, 0px, 0px)' || style.clipPath === 'inset(50%)') return true;
      if (style.display === 'none' || style.visibility === 'hidden') return true;
    }
    return el.getClientRects().length === 0;
  };
  const lines = (el) => {
    // The number of lines its visible text takes: distinct tops of the text's line boxes
    // (text hidden for screen readers only is left out).
    const tops = new Set();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || hidden(node.parentElement)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) {
        if (rect.width > 0) tops.add(Math.round(rect.top));
      }
    }
    return tops.size;
  };
  for (const el of document.querySelectorAll('h1, h2, h3, h4, h5, h6, caption, th, td')) {
    if (!(el.textContent || '').trim() || hidden(el)) continue;
    const style = getComputedStyle(el);
    const fontSize = parseFloat(style.fontSize);
    // The width the text gets: the box without its padding and borders.
    const width = el.getBoundingClientRect().width
      - ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth']
        .reduce((sum, side) => sum + (parseFloat(style[side]) || 0), 0);
    // Narrower than four characters, and the text wraps: squeezed. (A "3" that fits on one
    // line in a narrow number column is not.)
    if (width < 4 * fontSize && lines(el) > 1) {
      problems.push(`${name(el)} is ${Math.round(width)}px wide (4 characters: ${4 * fontSize}px)`);
    }
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (el.scrollWidth <= el.clientWidth + 1 || hidden(el)) continue;
    const overflowX = getComputedStyle(el).overflowX;
    if (overflowX !== 'auto' && overflowX !== 'scroll') continue;
    const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (el.getAttribute('role') !== 'region' || !labelled || el.getAttribute('tabindex') !== '0') {
      problems.push(`${name(el)} scrolls sideways but is not a labelled region with tabindex=0`);
    }
  }
  return problems;
}
"""


def _main_role(route: Route) -> str | None:
    rule = MAY[route.name or ""]
    if rule.ok != frozenset({200}):
        return None  # POST-only routes and redirects: no page to look at
    return next((who for who in MAIN_ROLE_ORDER if who in rule.own), None)


def _screenshots(page: Any, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = name.replace(":", "-")
    page.screenshot(path=folder / f"{stem}-390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=folder / f"{stem}-1280.png", full_page=True)
    page.set_viewport_size(PHONE)


def test_every_page_fits_a_phone(live_server: Any) -> None:
    started = time.monotonic()
    tenant = build_tenant(
        slug="alpha", name="アルファ市介護保険事業者連絡会", marker="アルファ", district="20"
    )
    objects = build_matrix_objects(tenant)
    AssociationDomain.objects.create(association=tenant.association, domain="localhost")
    base = live_server.url.replace("127.0.0.1", "localhost")

    # Which routes answer a page, and to whom: asked through Django's test client, whose
    # force_login session the browser then uses.
    clients = {ANONYMOUS: client_for(tenant)}
    clients |= {role: client_for(tenant, tenant.users[role]) for role in MAIN_ROLE_ORDER[1:]}
    pages: dict[str, list[tuple[str, str]]] = {}  # role → [(route name, path)]
    for route in MATRIX_ROUTES:
        role = _main_role(route)
        kwargs = url_kwargs(route, objects.own, objects.own)
        if role is None or kwargs is None:
            continue
        pages.setdefault(role, []).append(
            (route.name or "", reverse(route.name or "", kwargs=kwargs))
        )
    for route in ALLAUTH_ROUTES:
        kwargs = dict.fromkeys(route.converters, "not-a-real-key")
        pages[ANONYMOUS].append((route.name or "", reverse(route.name or "", kwargs=kwargs)))
    for role, entries in pages.items():
        answered = []
        for name, path in entries:
            response = clients[role].get(path)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                answered.append((name, path))
        pages[role] = answered
    visited = {name for entries in pages.values() for name, _ in entries}
    assert not MUST_VISIT - visited, f"pages not reached: {sorted(MUST_VISIT - visited)}"

    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    failures: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for role, entries in pages.items():
                context = browser.new_context(locale="ja-JP", viewport=PHONE)
                session = clients[role].cookies.get("sessionid")
                if session is not None:
                    context.add_cookies(
                        [{"name": "sessionid", "value": session.value, "url": base}]
                    )
                page = context.new_page()
                page.set_default_timeout(15_000)
                for name, path in entries:
                    page.goto(base + path)
                    failures += [f"{path} ({name}, as {role}): {p}" for p in page.evaluate(MEASURE)]
                    if SCREENSHOTS:  # to look at the pages: PHONE_WIDTH_SCREENSHOTS=<folder>
                        _screenshots(page, Path(SCREENSHOTS), name)
                context.close()
            browser.close()
    finally:
        from django.db import connections

        connections.close_all()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    count = sum(len(entries) for entries in pages.values())
    print(f"{count} pages at 390 px in {time.monotonic() - started:.1f}s")
    assert not failures, f"{len(failures)} problems at 390 px:\n" + "\n".join(failures)
