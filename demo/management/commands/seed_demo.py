"""Build a demo association modelled on the Toyonaka one, through the same services pages use.

Idempotent and deterministic: the same --seed always describes the same offices, and a
second run creates only what is missing. `make run` seeds in two steps so the site is served
early: `--defer-history` (everything, and the latest months of filings) before runserver,
`--history-only` (the older filings) beside it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_scopes import scope

from association.models import Association
from demo.plan import HISTORY_MONTHS, RECENT_MONTHS, events_plan, history_months, plan
from demo.progress import Progress
from demo.seeders.association import association_seed
from demo.seeders.events import events_seed
from demo.seeders.kpis import staffing_history_seed
from demo.seeders.members import offices_seed
from demo.seeders.news import articles_seed
from demo.seeders.recruitment import job_fair_booths_seed, job_postings_seed
from demo.seeders.subcommittees import subcommittee_activity_seed
from demo.seeders.users import DEMO_PASSWORD, demo_users_seed
from events.models import EventKind


class Command(BaseCommand):
    help = "Create (or complete) a demo association with offices, subcommittees and demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offices", type=int, default=550)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--slug", default="toyonaka")
        parser.add_argument("--name", default="豊中市介護保険事業者連絡会（デモ）")
        parser.add_argument("--municipality-code", default="272035")
        parser.add_argument("--city", default="大阪府豊中市")
        parser.add_argument(
            "--domain",
            action="append",
            dest="domains",
            help="Host name serving this association (repeatable). Default for the first "
            "association: 127.0.0.1, localhost and SLUG.localhost; otherwise SLUG.localhost.",
        )
        parser.add_argument(
            "--no-superuser", action="store_true", help="Do not create the operator."
        )
        parser.add_argument(
            "--history-months",
            type=int,
            default=HISTORY_MONTHS,
            help="Months of submitted staffing filings per approved office, up to last month.",
        )
        steps = parser.add_mutually_exclusive_group()
        steps.add_argument(
            "--defer-history",
            action="store_true",
            help=f"File only the latest {RECENT_MONTHS} months now; the rest with --history-only.",
        )
        steps.add_argument(
            "--history-only",
            action="store_true",
            help="Only file the staffing history of an association seeded before.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        months = history_months(today=today, months=options["history_months"])
        if options["history_only"]:
            self._history_only(options, months=months, today=today)
            return

        association, domains = association_seed(
            slug=options["slug"],
            name=options["name"],
            municipality_code=options["municipality_code"],
            domains=options["domains"],
        )
        if domains is not None:
            self.stdout.write(f"Created association {association.name} ({', '.join(domains)})")
        roster = plan(
            offices=options["offices"],
            seed=options["seed"],
            prefecture=options["municipality_code"][:2],
            district=options["municipality_code"][2:4],
            city=options["city"],
        )
        with scope(association=association.pk):
            offices = offices_seed(
                association=association,
                roster=roster,
                progress=Progress(self.stdout, "offices", options["offices"], step=25),
            )
            logins = demo_users_seed(association=association, superuser=not options["no_superuser"])
            subcommittee_activity_seed(seed=options["seed"], today=today)
            events = events_seed(
                association=association, planned=events_plan(today=today), now=timezone.now()
            )
            job_fair_booths_seed(
                fairs=[event for event, _plan in events if event.kind == EventKind.JOB_FAIR],
                seed=options["seed"],
                now=timezone.now(),
            )
            self.stdout.write(f"{len(events)} events created")
            articles = articles_seed(association=association, today=today)
            if articles:
                self.stdout.write(f"{articles} news articles created")
            postings, applications = job_postings_seed(
                seed=options["seed"], today=today, now=timezone.now()
            )
            if postings:
                self.stdout.write(
                    f"{postings} job postings and {applications} applications created"
                )
            filings = staffing_history_seed(
                association=association,
                seed=options["seed"],
                months=months,
                today=today,
                latest=RECENT_MONTHS if options["defer_history"] else None,
                progress_out=self.stdout,
            )

        self.stdout.write(self.style.SUCCESS(f"{association.name}: {offices} offices created"))
        self.stdout.write(f"{filings} monthly staffing filings created")
        if options["defer_history"]:
            self.stdout.write(
                f"Filed the latest {RECENT_MONTHS} months; the older ones follow with "
                "--history-only."
            )
        self.stdout.write(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
        for label, email in logins:
            self.stdout.write(f"  {label:<23} {email}")

    def _history_only(self, options: dict[str, Any], *, months: list[Any], today: Any) -> None:
        association = Association.objects.filter(slug=options["slug"]).first()
        if association is None:
            raise CommandError(f"No association {options['slug']!r}: run seed_demo first.")
        self.stdout.write(f"Filling in the demo's staffing history ({len(months)} months) …")
        with scope(association=association.pk):
            filings = staffing_history_seed(
                association=association,
                seed=options["seed"],
                months=months,
                today=today,
                progress_out=self.stdout,
                beside_a_server=True,
            )
        self.stdout.write(
            self.style.SUCCESS(f"{filings} monthly staffing filings created: history complete")
        )
