"""How the KPI dashboard's cost grows with offices (not a test): 550, 5,500 and 55,000 offices.

Run `make bench-kpis` (PostgreSQL up). Each size uses the database bench/monthly_reports.py
seeds (BENCH_REPORTS_DATABASE_URL + `_<size>`; 24 months of filings in bulk, reused when it
is there), so `make bench-reports` gives both monthly reports on the same data. The bulk load
goes around the filing service, so the aggregates are rebuilt first (`manage.py
kpi_aggregates --rebuild`, timed) and the planner statistics refreshed. Then a fresh process
reads everything the officers' KPI dashboard shows (`kpi_overview` and the not-filed list)
once to warm up (imports, the holiday calendar), then BENCH_KPI_RUNS times (default 5) and
reports wall time (min / median / max), queries, rows fetched and the process's peak
memory. BENCH_KPI_SIZES=550,5500 picks the sizes (55,000 offices take a long
time to seed on a small machine).
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The seeding of bench/monthly_reports.py, loaded by path (bench/ is scripts, not a package).
_spec = importlib.util.spec_from_file_location(
    "monthly_reports", ROOT / "bench" / "monthly_reports.py"
)
assert _spec and _spec.loader
monthly_reports: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(monthly_reports)

SIZES = [int(size) for size in os.environ.get("BENCH_KPI_SIZES", "550,5500,55000").split(",")]
RUNS = int(os.environ.get("BENCH_KPI_RUNS", "5"))

READ = """
import json, resource, sys, time
import django
django.setup()
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from association.models import Association
from kpis.selectors import kpi_overview, offices_not_filed

with scopes_disabled():
    association = Association.objects.get(slug=sys.argv[1])
seen = {"queries": 0, "rows": 0}
def wrapper(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    seen["queries"] += 1
    if sql.lstrip().upper().startswith(("SELECT", "WITH")):
        seen["rows"] += max(context["cursor"].rowcount, 0)
    return result
def read():
    overview = kpi_overview(association_id=association.pk, today=timezone.localdate())
    return overview, list(offices_not_filed(month=overview.last_closed_month))
timings = []
with scope(association=association.pk):
    read()  # warm: imports, the holiday calendar, the connection
    for _run in range(int(sys.argv[2])):
        seen.update(queries=0, rows=0)
        with connection.execute_wrapper(wrapper):
            started = time.perf_counter()
            overview, not_filed = read()
            timings.append(round((time.perf_counter() - started) * 1000, 1))
print(json.dumps({
    "ms": timings,
    "queries": seen["queries"],
    "rows": seen["rows"],
    "not_filed": len(not_filed),
    "covered": overview.association.figures["rolling"].offices,
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""


def main() -> None:
    table = []
    for size in SIZES:
        slug = f"bench{size}"
        monthly_reports.create_database(size)
        monthly_reports.run(size, "manage.py", "migrate", "--no-input", "-v0")
        started = time.monotonic()
        monthly_reports.run(
            size,
            "-c",
            monthly_reports.SEED_SCRIPT,
            str(size),
            str(monthly_reports.HISTORY_MONTHS),
            str(monthly_reports.SEED),
            capture=True,
        )
        seeded = time.monotonic() - started
        started = time.monotonic()
        monthly_reports.run(size, "manage.py", "kpi_aggregates", "--rebuild", "--association", slug)
        rebuilt = time.monotonic() - started
        server, name = monthly_reports.database_url(size).rsplit("/", 1)
        subprocess.run(["psql", f"{server}/{name}", "-qc", "ANALYZE"], check=True)
        runs = [
            monthly_reports.last_json(
                monthly_reports.run(size, "-c", READ, slug, str(RUNS), capture=True)
            )
        ]
        ms = runs[0]["ms"]
        mb = [r["peak_mb"] for r in runs]
        table.append(
            f"| {size:,} | {min(ms)} / {statistics.median(ms)} / {max(ms)} "
            f"| {runs[-1]['queries']} | {runs[-1]['rows']} ({runs[-1]['not_filed']} not filed) "
            f"| {max(mb)} | {rebuilt:.1f} s "
            f"| {seeded:.0f} s |"
        )
        print(table[-1], flush=True)
    print()
    print(
        "| offices | KPI dashboard reads ms (min / median / max) | queries | rows fetched "
        "| peak RSS MB | rebuild | seed (or reuse) |"
    )
    print("|---:|---|---:|---|---|---:|---:|")
    print("\n".join(table))


if __name__ == "__main__":
    main()
