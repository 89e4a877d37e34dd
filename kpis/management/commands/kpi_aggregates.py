"""Rebuild the maintained KPI aggregates from the filings, or check them against a rebuild.

manage.py kpi_aggregates --check [--association SLUG]    exit 1 when they differ
manage.py kpi_aggregates --rebuild [--association SLUG]  recompute (filings wait meanwhile)
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope, scopes_disabled

from association.models import Association
from kpis.aggregates import kpi_aggregates_differences, kpi_aggregates_rebuild


class Command(BaseCommand):
    help = "Check the maintained KPI aggregates against the filings, or rebuild them."

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="Compare; exit 1 on a difference.")
        action.add_argument("--rebuild", action="store_true", help="Recompute from the filings.")
        parser.add_argument("--association", metavar="SLUG", help="Default: every association.")

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():
            associations = list(Association.objects.order_by("slug"))
        if options["association"]:
            associations = [a for a in associations if a.slug == options["association"]]
            if not associations:
                raise CommandError(f"No association {options['association']!r}.")
        differing = 0
        for association in associations:
            with scope(association=association.pk):
                if options["rebuild"]:
                    rows = kpi_aggregates_rebuild(association_id=association.pk)
                    self.stdout.write(f"{association.slug}: rebuilt, {rows} aggregate rows")
                    continue
                differences = kpi_aggregates_differences(association_id=association.pk)
            if differences:
                differing += 1
                self.stderr.write(f"{association.slug}: the aggregates differ from a rebuild")
                for line in differences:
                    self.stderr.write(f"  {line}")
            else:
                self.stdout.write(f"{association.slug}: the aggregates equal a rebuild")
        if differing:
            sys.exit(1)
