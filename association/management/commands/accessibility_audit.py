"""Run axe-core over an association's public pages and keep the results for its
accessibility statement (/accessibility/)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope, scopes_disabled

from association.models import Association


class Command(BaseCommand):
    help = (
        "Test the association's public pages with axe-core (WCAG 2.0 A/AA) at 390 and 1280 px "
        "in Chromium and store the results the accessibility statement shows. Needs the dev "
        "dependencies (playwright, axe-playwright-python) and a Chromium (CHROMIUM_PATH)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--association", metavar="SLUG", required=True)
        parser.add_argument(
            "--base-url",
            metavar="URL",
            help="The running site to test. Default: https:// and the association's first domain.",
        )
        parser.add_argument(
            "--path",
            action="append",
            dest="paths",
            metavar="PATH",
            help="A page to test (repeat). Default: the public pages of AUDIT_PATHS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from association.accessibility import AUDIT_PATHS, accessibility_audit_run
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise CommandError(f"{error}: install the dev dependency group") from error
        with scopes_disabled():
            association = Association.objects.filter(slug=options["association"]).first()
            if association is None:
                raise CommandError(f"no association {options['association']!r}")
            domain = association.domains.order_by("pk").first()
        base_url = options["base_url"] or (domain and f"https://{domain.domain}")
        if not base_url or not base_url.startswith(("http://", "https://")):
            raise CommandError("give --base-url http(s)://… (the association has no domain)")
        paths = options["paths"] or AUDIT_PATHS
        if any(not path.startswith("/") for path in paths):
            raise CommandError("each --path starts with /")
        with scope(association=association.pk):
            audit = accessibility_audit_run(association=association, base_url=base_url, paths=paths)
        problems = sum(sum(e.get("counts", {}).values()) for e in audit.results)
        self.stdout.write(
            f"{association.slug}: {len(audit.results)} pages × widths tested with axe-core "
            f"{audit.axe_version}, {problems} problems"
        )
