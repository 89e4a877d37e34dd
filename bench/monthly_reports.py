"""Building both monthly city reports at 550 and 5,500 offices (not a test).

Run `make bench-reports` (PostgreSQL up). Each size gets its own database
(BENCH_REPORTS_DATABASE_URL + `_<size>`, default renkei_bench_reports_550 and
renkei_bench_reports_5500), created with createdb if missing. The association (`bench<size>`)
and its offices are made through association_create / corporation_create / office_create (the
same deterministic roster seed_demo plans), then 24 months of submitted filings are written
in bulk (StaffingReport / StaffingRow bulk_create, rows from seed_demo's staffing_history:
yearly separations around 14 %, hires a little above, channels adding up to the hires, each
month's start the previous month's end), all in one transaction. A database already holding
every filing is reused as it is. Then, per size, both reports of the last closed month are
built through the same code the worker runs (monthly_report_request + monthly_report_build),
each in a fresh process so peak memory (ru_maxrss) is per build. Prints a markdown table.

BENCH_REPORTS_SIZES=550 runs only the small case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei_bench_reports"
)
SIZES = [int(size) for size in os.environ.get("BENCH_REPORTS_SIZES", "550,5500").split(",")]
HISTORY_MONTHS = 24
SEED = 2026

SEED_SCRIPT = """
import json, random, sys, time
from datetime import timedelta
import django
django.setup()
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from demo.data.staffing import STAFF_PROFILES
from demo.plan import at as _at, plan, staffing_history
from association.models import Association
from association.services import association_create
from core.calendar import add_months, filing_deadline, month_start
from kpis.models import ReportStatus, StaffingReport, StaffingRow
from kpis.selectors import kpi_settings
from members.models import Corporation, Office, OfficeStatus
from members.services import corporation_create, office_create

size, months_back, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
slug = f"bench{size}"
batch_reports = 5000
this_month = month_start(timezone.localdate())
wanted = [add_months(this_month, -n) for n in range(months_back, 0, -1)]
started = time.monotonic()
with scopes_disabled():
    association = Association.objects.filter(slug=slug).first()
    if association is not None:
        approved = Office.objects.filter(
            association=association, status=OfficeStatus.APPROVED
        ).count()
        filed = StaffingReport.objects.filter(
            association=association, month__in=wanted, status=ReportStatus.SUBMITTED
        ).count()
        if approved and filed == approved * len(wanted):
            print(json.dumps({"reused": True, "offices": approved, "filings": filed, "rows":
                StaffingRow.objects.filter(report__association=association).count(),
                "seconds": round(time.monotonic() - started, 1)}))
            sys.exit(0)

with transaction.atomic():
    if association is None:
        association = association_create(
            slug=slug,
            name=f"ベンチ{size}市介護保険事業者連絡会",
            short_name=f"ベンチ{size}市",
            municipality_code="272035",
            domains=[f"{slug}.localhost"],
        )
    with scope(association=association.pk):
        existing = set(Office.objects.values_list("provider_number", flat=True))
        corporations = {c.corporate_number: c for c in Corporation.objects.all()}
        for planned in plan(offices=size, seed=seed, prefecture="27", district="20",
                            city="大阪府ベンチ市"):
            corporation = corporations.get(planned.corporate_number) or corporation_create(
                association=association, name=planned.name, kana=planned.kana,
                kind=planned.kind, corporate_number=planned.corporate_number,
            )
            for office in planned.offices:
                if office.provider_number in existing:
                    continue
                office_create(
                    association=association, corporation=corporation, name=office.name,
                    kana=office.kana, provider_number=office.provider_number,
                    service_codes=office.service_codes, postal_code=office.postal_code,
                    address=office.address, phone=office.phone, capacity=office.capacity,
                    email=f"office{office.provider_number}@{slug}.example",
                    status=office.status,
                )
        offices_done = time.monotonic()
        deadline_day = kpi_settings(association_id=association.pk).deadline_day
        deadlines = {m: filing_deadline(m, deadline_day=deadline_day) for m in wanted}
        filed = set(StaffingReport.objects.filter(month__in=wanted)
                    .values_list("office_id", "month"))
        offices = list(Office.objects.filter(status=OfficeStatus.APPROVED)
                       .prefetch_related("services").order_by("pk"))
        reports_made = rows_made = 0
        pending = []  # (StaffingReport, rows)

        def flush():
            global reports_made, rows_made
            if not pending:
                return
            made = StaffingReport.objects.bulk_create([r for r, _ in pending])
            rows = [StaffingRow(report=report, **row)
                    for report, (_, report_rows) in zip(made, pending) for row in report_rows]
            StaffingRow.objects.bulk_create(rows, batch_size=10000)
            reports_made += len(made)
            rows_made += len(rows)
            pending.clear()

        for office in offices:
            missing = [m for m in wanted if (office.pk, m) not in filed]
            if not missing:
                continue
            main_service = min((s.service_code for s in office.services.all()),
                               key=lambda code: (code not in STAFF_PROFILES, code))
            history = staffing_history(provider_number=office.provider_number,
                                       main_service=main_service, seed=seed, months=wanted)
            rng = random.Random(f"{seed}-{office.provider_number}-submitted")
            for m in missing:
                # On time: between nine days before the deadline and the deadline itself.
                day = deadlines[m] - timedelta(days=rng.randint(0, 9))
                pending.append((StaffingReport(
                    association_id=association.pk, office=office, month=m,
                    status=ReportStatus.SUBMITTED, submitted_at=_at(day, rng.randint(9, 18)),
                ), history[m]))
            if len(pending) >= batch_reports:
                flush()
        flush()
print(json.dumps({"reused": False, "offices": len(offices), "filings": reports_made,
                  "rows": rows_made, "offices_seconds": round(offices_done - started, 1),
                  "seconds": round(time.monotonic() - started, 1)}))
"""

# Yearly rates of the last twelve seeded months, as a plausibility check of the seed.
RATES = """
import json, sys
import django
django.setup()
from django.db.models import Sum
from django_scopes import scopes_disabled
from kpis.models import StaffingRow

with scopes_disabled():
    rows = StaffingRow.objects.filter(report__association__slug=sys.argv[1])
    months = sorted(set(rows.values_list("report__month", flat=True)))[-12:]
    window = rows.filter(report__month__in=months)
    start = window.filter(report__month=months[0]).aggregate(n=Sum("headcount_start"))["n"]
    totals = window.aggregate(h=Sum("hires"), s=Sum("separations"))
print(json.dumps({
    "hire_rate": round(100 * totals["h"] / start, 1),
    "separation_rate": round(100 * totals["s"] / start, 1),
}))
"""

BUILD = """
import json, resource, sys, time
import django
django.setup()
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from association.models import Association
from core.calendar import last_closed_month
from reports.services import monthly_report_build, monthly_report_request
from kpis.selectors import kpi_settings

with scopes_disabled():
    association = Association.objects.get(slug=sys.argv[1])
with scope(association=association.pk):
    day = kpi_settings(association_id=association.pk).deadline_day
month = last_closed_month(timezone.localdate(), deadline_day=day)
started = time.monotonic()
report = monthly_report_request(
    association=association, month=month, kind=sys.argv[2], queue=False
)
report = monthly_report_build(report_id=report.pk)
print(json.dumps({
    "status": report.status,
    "month": f"{month:%Y-%m}",
    "seconds": round(time.monotonic() - started, 2),
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "pages": report.pdf_pages,
    "pdf_kb": round(report.pdf.size / 1024) if report.pdf else None,
    "xlsx_kb": round(report.xlsx.size / 1024) if report.xlsx else None,
}))
"""


def database_url(size: int) -> str:
    return f"{DATABASE_URL}_{size}"


def env(size: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(size),
        "REDIS_URL": "",  # no broker: nothing is queued, the build runs here
        "LOG_LEVEL": "WARNING",
    }


def run(size: int, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env(size),
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def create_database(size: int) -> None:
    """createdb if missing (an existing database is kept and reused)."""
    server, name = database_url(size).rsplit("/", 1)
    listing = subprocess.run(
        ["psql", f"{server}/postgres", "-Atl"], check=True, capture_output=True, text=True
    ).stdout
    exists = name in {line.split("|", 1)[0] for line in listing.splitlines()}
    if not exists:
        subprocess.run(["createdb", f"--maintenance-db={server}/postgres", name], check=True)


def main() -> None:
    seeds: list[str] = []
    rows: list[str] = []
    for size in SIZES:
        slug = f"bench{size}"
        create_database(size)
        run(size, "manage.py", "migrate", "--no-input", "-v0")
        started = time.monotonic()
        seed = last_json(
            run(size, "-c", SEED_SCRIPT, str(size), str(HISTORY_MONTHS), str(SEED), capture=True)
        )
        seeded = time.monotonic() - started
        rates = last_json(run(size, "-c", RATES, slug, capture=True))
        seeds.append(
            f"{size:,} offices ({database_url(size).rsplit('/', 1)[1]}): "
            f"{'reused' if seed['reused'] else 'seeded'} in {seeded:.1f} s "
            f"({seed['offices']:,} approved offices, {seed['filings']:,} filings, "
            f"{seed['rows']:,} rows; last 12 months: hires {rates['hire_rate']} %, "
            f"separations {rates['separation_rate']} %)"
            + (f"; offices took {seed['offices_seconds']} s" if not seed["reused"] else "")
        )
        print(seeds[-1], flush=True)
        for kind in ("recruitment", "retention"):
            result = last_json(run(size, "-c", BUILD, slug, kind, capture=True))
            rows.append(
                f"| {size:,} | {kind} | {result['month']} | {result['status']} "
                f"| {result['seconds']} | {result['peak_mb']} | {result['pages']} "
                f"| {result['pdf_kb']} | {result['xlsx_kb']} |"
            )
            print(rows[-1], flush=True)
    print()
    print("\n".join(seeds))
    print()
    print(
        "| offices | report | month | status | build s | peak RSS MB | PDF pages "
        "| PDF KB | XLSX KB |"
    )
    print("|---:|---|---|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
