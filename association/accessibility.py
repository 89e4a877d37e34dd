"""The accessibility statement's evidence: axe-core over the public pages, in Chromium.

`accessibility_audit_run` opens each page at a phone's and a desktop's width, runs axe-core's
WCAG 2.0 A and AA rules (the level JIS X 8341-3:2016 AA asks for, as far as a tool can tell)
and records what it found (association.services.accessibility_audit_record). The statement
page (association.views.accessibility) shows the latest run; nobody types the results.

Playwright and axe-playwright-python are in the dev dependency group (the tests use them):
run the command where they and a Chromium are installed (CI, an operator's machine).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from association.models import AccessibilityAudit, Association

# The public pages citizens use most; the first event the events list links to, and its
# registration form, are added when there is one.
AUDIT_PATHS: tuple[str, ...] = (
    "/",
    "/events/",
    "/jobs/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accessibility/",
)
WIDTHS = (390, 1280)
MAX_PATHS = 20
IMPACTS = ("critical", "serious", "moderate", "minor")
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}
EVENT_PATH = re.compile(r"^/events/\d+/$")


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _first_event_path(page: Any) -> str | None:
    hrefs: list[str] = page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => new URL(a.href).pathname)"
    )
    return next((href for href in hrefs if EVENT_PATH.match(href)), None)


def _page_result(path: str, width: int, response: dict[str, Any]) -> dict[str, Any]:
    counts = dict.fromkeys(IMPACTS, 0)
    rules = []
    for violation in response["violations"]:
        impact = violation.get("impact") or "minor"
        counts[impact] = counts.get(impact, 0) + len(violation["nodes"])
        rules.append(
            {
                "id": violation["id"],
                "impact": impact,
                "help": violation["help"],
                "nodes": len(violation["nodes"]),
            }
        )
    return {"path": path, "width": width, "counts": counts, "rules": rules}


def accessibility_audit_run(
    *, association: Association, base_url: str, paths: Sequence[str] = AUDIT_PATHS
) -> AccessibilityAudit:
    """Run axe-core over `paths` of the site at `base_url` (which serves `association`) at
    each of WIDTHS, and record the results. A page that does not answer 200 is recorded with
    its status, not audited."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from association.services import accessibility_audit_record

    base_url = base_url.rstrip("/")
    results: list[dict[str, Any]] = []
    axe = Axe()
    version = ""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for width in WIDTHS:
                context = browser.new_context(
                    locale="ja-JP", viewport={"width": width, "height": 900}
                )
                page = context.new_page()
                todo = list(paths)[:MAX_PATHS]
                for path in todo:
                    response = page.goto(base_url + path)
                    status = response.status if response else 0
                    if status != 200:
                        results.append({"path": path, "width": width, "status": status})
                        continue
                    if path == "/events/" and len(todo) < MAX_PATHS:
                        event = _first_event_path(page)
                        if event and event not in todo:
                            todo += [event, event + "register/"]
                    found = axe.run(page, options=WCAG_AA).response
                    version = found.get("testEngine", {}).get("version", version)
                    results.append(_page_result(path, width, found))
                context.close()
        finally:
            browser.close()
    return accessibility_audit_record(
        association=association,
        base_url=base_url,
        axe_version=version,
        results=results,
        ran_at=timezone.now(),
    )
