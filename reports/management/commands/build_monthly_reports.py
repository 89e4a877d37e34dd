"""Build the monthly city reports by hand: the same code the beat and the dashboard run."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from association.models import Association
from core.calendar import last_closed_month
from kpis.selectors import kpi_settings
from reports.models import ReportKind
from reports.services import (
    monthly_report_build,
    monthly_report_fail,
    monthly_report_request,
)


def _period(value: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError as error:
        raise CommandError(f"--period must be YYYY-MM, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "Request (and with --sync, build here) the monthly recruitment and retention reports. "
        "An existing draft is replaced by a new revision; published revisions never change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--association", metavar="SLUG", help="Default: every association.")
        parser.add_argument(
            "--period", metavar="YYYY-MM", help="Default: each association's last closed month."
        )
        parser.add_argument("--kind", choices=ReportKind.values, help="Default: both reports.")
        parser.add_argument(
            "--sync", action="store_true", help="Build in this process instead of a worker."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with scopes_disabled():
            associations = list(Association.objects.order_by("slug"))
        if options["association"]:
            associations = [a for a in associations if a.slug == options["association"]]
            if not associations:
                raise CommandError(f"No association {options['association']!r}.")
        kinds = [options["kind"]] if options["kind"] else list(ReportKind.values)
        period = _period(options["period"]) if options["period"] else None
        today = timezone.localdate()
        for association in associations:
            with scope(association=association.pk):
                deadline_day = kpi_settings(association_id=association.pk).deadline_day
            month = period or last_closed_month(today, deadline_day=deadline_day)
            for kind in kinds:
                report = monthly_report_request(
                    association=association, month=month, kind=kind, queue=not options["sync"]
                )
                label = f"{association.slug} {month:%Y-%m} {kind} r{report.revision}"
                if not options["sync"]:
                    self.stdout.write(f"{label}: queued ({report.status})")
                    continue
                started = time.monotonic()
                try:
                    report = monthly_report_build(report_id=report.pk)
                except Exception as error:
                    monthly_report_fail(
                        report_id=report.pk, error=f"{type(error).__name__}: {error}"
                    )
                    raise CommandError(f"{label}: failed: {error}") from error
                seconds = time.monotonic() - started
                if report.status != "draft":
                    self.stdout.write(f"{label}: {report.status} {report.error}".rstrip())
                    continue
                self.stdout.write(
                    f"{label}: draft in {seconds:.1f} s, PDF {report.pdf.size:,} bytes "
                    f"({report.pdf_pages} pages), XLSX {report.xlsx.size:,} bytes, "
                    f"sha256 {report.checksum[:12]}…"
                )
