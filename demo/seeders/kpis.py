"""Monthly staffing filings, each through `kpis.services.staffing_report_save` (the check, the
carried-forward headcount and the change log apply as for an office), marked as demo data."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import OutputWrapper
from django.db import connection, transaction

from association.models import Association
from core.calendar import filing_deadline, month_start
from demo.plan import PUNCTUAL, at, filing_habit, main_service, staffing_history
from demo.progress import Progress
from demo.seeders.users import demo_office
from kpis.aggregates import filing_on_time_refresh
from kpis.history import DEMO_VIA
from kpis.models import StaffingChange, StaffingReport
from kpis.selectors import kpi_settings
from kpis.services import staffing_report_save
from members.models import Office, OfficeStatus

# Each transaction of the backfill is short, so a visitor's write waits a moment, not minutes.
HOLD_SECONDS = 0.25
YIELD_SECONDS = 0.12


def staffing_history_seed(
    *,
    association: Association,
    seed: int,
    months: list[date],
    today: date,
    latest: int | None = None,
    progress_out: OutputWrapper | None = None,
    beside_a_server: bool = False,
) -> int:
    """Submitted filings of every approved office for `months`, newest month first (the recent
    months, which dashboards show first, are complete soonest), except where the office's
    filing habit skips a month; with `latest`, only the latest that many of `months` (the rows are
    drawn over all of `months` all the same, so the months filed later carry forward into
    them). Filings already there are left alone. Each is filed as of its
    own month (so nothing is locked), then dated as submitted: mostly before the deadline, later
    for the offices that file late. `beside_a_server`: a site is being served from the same
    database meanwhile, so the writes leave it room. Runs inside the association's scope."""
    months = sorted(months)
    to_file = months[-latest:] if latest is not None else months
    if not to_file:
        return 0
    this_month = month_start(today)
    deadline_day = kpi_settings(association_id=association.pk).deadline_day
    filed = set(StaffingReport.objects.filter(month__in=to_file).values_list("office_id", "month"))
    offices = list(
        Office.objects.filter(status=OfficeStatus.APPROVED)
        .prefetch_related("services")
        .order_by("pk")
    )
    first = demo_office()
    habits = {
        office.pk: PUNCTUAL
        if office == first  # the demo office admin's office is a model member
        else filing_habit(seed=seed, provider_number=office.provider_number)
        for office in offices
    }
    todo = [
        (month, office)
        for month in reversed(to_file)
        for office in offices
        if (office.pk, month) not in filed and habits[office.pk].files(month, this_month=this_month)
    ]
    progress = Progress(progress_out, "staffing filings", len(todo))
    histories: dict[int, dict[date, list[dict[str, Any]]]] = {}
    # SQLite has one writer at a time, and a writer waiting for the lock only looks every 100 ms:
    # beside a server, write for a quarter of a second, then leave the lock free long enough for
    # a visitor's write (a log-in) to take it. PostgreSQL locks rows, so it needs no pause.
    pause = YIELD_SECONDS if beside_a_server and connection.vendor == "sqlite" else 0.0
    created = 0
    pending = iter(todo)
    while True:
        batch_started = time.monotonic()
        with transaction.atomic():
            submitted: dict[int, datetime] = {}
            for month, office in pending:
                if office.pk not in histories:
                    codes = [service.service_code for service in office.services.all()]
                    histories[office.pk] = staffing_history(
                        provider_number=office.provider_number,
                        main_service=main_service(codes),
                        seed=seed,
                        months=months,
                    )
                report = staffing_report_save(
                    office=office,
                    month=month,
                    rows=histories[office.pk][month],
                    user=None,
                    expected_version=None,
                    submit=True,
                    confirm_warnings=True,
                    via=DEMO_VIA,
                    today=month,
                )
                submitted[report.pk] = _submitted_at(
                    month,
                    deadline_day=deadline_day,
                    late_share=habits[office.pk].late_share,
                    rng=random.Random(f"{seed}-{office.provider_number}-{month:%Y%m}"),
                )
                if time.monotonic() - batch_started >= HOLD_SECONDS:
                    break
            _backdate(submitted)
        if not submitted:
            break
        created += len(submitted)
        progress.advance(len(submitted))
        time.sleep(pause)
    return created


def _submitted_at(
    month: date, *, deadline_day: int, late_share: float, rng: random.Random
) -> datetime:
    deadline = filing_deadline(month, deadline_day=deadline_day)
    late = rng.random() < late_share
    day = deadline + timedelta(days=rng.randint(1, 20) if late else -rng.randint(0, 9))
    return at(day, rng.randint(9, 18))


def _backdate(submitted: dict[int, datetime]) -> None:
    """Demo only: the service stamps `now`; a month of the demo's past was submitted when its
    office filed it, which the dashboards' timeliness reads."""
    reports = list(StaffingReport.objects.filter(pk__in=submitted))
    for report in reports:
        report.submitted_at = submitted[report.pk]
    StaffingReport.objects.bulk_update(reports, ["submitted_at"])
    changes = list(StaffingChange.objects.filter(report_id__in=submitted))
    for change in changes:
        change.at = submitted[change.report_id]
    StaffingChange.objects.bulk_update(changes, ["at"])
    filing_on_time_refresh(report_ids=list(submitted))
