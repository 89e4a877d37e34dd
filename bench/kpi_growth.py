"""How cost grows (not a test): the officers' KPI dashboard and both monthly reports at 550, 5,500
and 55,000 offices: one, ten and a hundred associations of 550 offices in one database.

Run `make bench-kpis` (PostgreSQL up). The database (BENCH_GROWTH_DATABASE_URL, default
renkei_bench_growth) is created if missing and reused when it is there. The first association
is seeded by bench/monthly_reports.py's seed (offices through the services, 24 months of
filings in bulk) and its aggregates rebuilt (`manage.py kpi_aggregates --rebuild`); the others
are copies of it made in SQL (corporations, offices, services, filings, rows and the maintained
tables, 部会 mapped by kind), so a hundred associations take minutes, not hours. A copy's
aggregates equal a rebuild of it (checked once, `--check` on the second association).

At each size a fresh process reads, for the first association, everything the KPI dashboard
shows (`kpi_overview`, the bounded not-filed list and its count) and another fresh process builds
both monthly reports' content (`report_content`, the read and every section of both kinds; the
PDF and XLSX drawing does not depend on the data's size, see bench/monthly_reports.py): one
warm-up, then BENCH_KPI_RUNS times (default 5). Wall time min / median / max, queries and rows
fetched of the last run, the process's peak memory (ru_maxrss), and the load average.
BENCH_KPI_SIZES=1,10 picks the sizes in associations (default 1,10,100; a size smaller than
the database holds deletes the copies beyond it, so BENCH_KPI_SIZES=100,10,1 remeasures a
database already grown).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "monthly_reports", ROOT / "bench" / "monthly_reports.py"
)
assert _spec and _spec.loader
monthly_reports: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(monthly_reports)

DATABASE_URL = os.environ.get(
    "BENCH_GROWTH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/renkei_bench_growth"
)
SIZES = [int(n) for n in os.environ.get("BENCH_KPI_SIZES", "1,10,100").split(",")]
RUNS = int(os.environ.get("BENCH_KPI_RUNS", "5"))
OFFICES = 550
SLUG = f"bench{OFFICES}"

MEASURE = """
import json, resource, sys, time
import django
django.setup()
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from association.models import Association
from core.calendar import last_closed_month
from kpis.selectors import kpi_overview, kpi_settings, offices_not_filed
from reports.content import report_content

what, runs = sys.argv[2], int(sys.argv[3])
with scopes_disabled():
    association = Association.objects.get(slug=sys.argv[1])
seen = {"queries": 0, "rows": 0}
def wrapper(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    seen["queries"] += 1
    if sql.lstrip().upper().startswith(("SELECT", "WITH")):
        seen["rows"] += max(context["cursor"].rowcount, 0)
    return result
def dashboard():
    overview = kpi_overview(association_id=association.pk, today=timezone.localdate())
    not_filed = offices_not_filed(month=overview.last_closed_month)
    return list(not_filed[:50]), not_filed.order_by().count()
def reports():
    with scope(association=association.pk):
        day = kpi_settings(association_id=association.pk).deadline_day
    month = last_closed_month(timezone.localdate(), deadline_day=day)
    return report_content(association=association, month=month, kind="recruitment")
read = dashboard if what == "dashboard" else reports
timings = []
with scope(association=association.pk):
    read()  # warm: imports, the holiday calendar, the connection
    for _run in range(runs):
        seen.update(queries=0, rows=0)
        with connection.execute_wrapper(wrapper):
            started = time.perf_counter()
            read()
            timings.append(round((time.perf_counter() - started) * 1000, 1))
print(json.dumps({
    "ms": timings,
    "queries": seen["queries"],
    "rows": seen["rows"],
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""

COPY = """
import json, sys, time
import django
django.setup()
from django.db import connection, transaction
from django_scopes import scopes_disabled
from association.models import Association
from association.services import association_create
from kpis.models import (KpiAggregate, KpiOfficeCoverage, KpiOfficeSliceMonths,
                         StaffingReport, StaffingRow)
from members.models import Corporation, Office, OfficeService

def columns(model, **replaced):
    names = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    return ", ".join(names), ", ".join(replaced.get(n, f"x.{n}") for n in names)

def copy(sql_model, source_sql, **replaced):
    names, values = columns(sql_model, **replaced)
    cursor.execute(
        f"INSERT INTO {sql_model._meta.db_table} ({names}) SELECT {values} {source_sql}"
    )

wanted = int(sys.argv[1])
started = time.monotonic()
with scopes_disabled():
    source = Association.objects.get(slug=sys.argv[2])
    have = Association.objects.filter(slug__startswith=f"{source.slug}-copy").count() + 1
    extra = [
        a.pk for a in Association.objects.filter(slug__startswith=f"{source.slug}-copy")
        if int(a.slug.rsplit("copy", 1)[1]) > wanted
    ]
    if extra:  # fewer associations than there are: the copies beyond `wanted` go
        ids = ", ".join(str(pk) for pk in extra)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM kpis_staffingrow WHERE report_id IN (SELECT id FROM "
                f"kpis_staffingreport WHERE association_id IN ({ids}))"
            )
            for table in ("kpis_staffingreport", "kpis_kpiaggregate", "kpis_kpiofficecoverage",
                          "kpis_kpiofficeslicemonths"):
                cursor.execute(f"DELETE FROM {table} WHERE association_id IN ({ids})")
            cursor.execute(
                "DELETE FROM members_officeservice WHERE office_id IN (SELECT id FROM "
                f"members_office WHERE association_id IN ({ids}))"
            )
            cursor.execute(f"DELETE FROM members_office WHERE association_id IN ({ids})")
            cursor.execute(f"DELETE FROM members_corporation WHERE association_id IN ({ids})")
            Association.objects.filter(pk__in=extra).delete()
        have = wanted
    for n in range(have + 1, wanted + 1):
        with transaction.atomic():
            target = association_create(
                slug=f"{source.slug}-copy{n}", name=f"ベンチ複製{n}市介護保険事業者連絡会",
                short_name=f"複製{n}市", municipality_code="272035",
                domains=[f"{source.slug}-copy{n}.localhost"],
            )
            s, t = source.pk, target.pk
            with connection.cursor() as cursor:
                copy(Corporation, f"FROM members_corporation x WHERE x.association_id = {s}",
                     association_id=str(t))
                copy(Office, f"FROM members_office x JOIN members_corporation c "
                     f"ON c.id = x.corporation_id JOIN members_corporation nc "
                     f"ON nc.association_id = {t} AND nc.corporate_number = c.corporate_number "
                     f"WHERE x.association_id = {s}",
                     association_id=str(t), corporation_id="nc.id")
                cursor.execute(
                    "CREATE TEMP TABLE office_map ON COMMIT DROP AS SELECT o.id AS old, "
                    "n.id AS new FROM members_office o JOIN members_office n "
                    f"ON n.association_id = {t} AND n.provider_number = o.provider_number "
                    f"WHERE o.association_id = {s}"
                )
                cursor.execute(
                    "CREATE TEMP TABLE sub_map ON COMMIT DROP AS SELECT o.id AS old, n.id AS new "
                    "FROM subcommittees_subcommittee o JOIN subcommittees_subcommittee n "
                    f"ON n.association_id = {t} AND n.kind = o.kind WHERE o.association_id = {s}"
                )
                copy(OfficeService, "FROM members_officeservice x JOIN office_map m "
                     "ON m.old = x.office_id", office_id="m.new")
                copy(StaffingReport, "FROM kpis_staffingreport x JOIN office_map m "
                     "ON m.old = x.office_id", association_id=str(t), office_id="m.new")
                cursor.execute(
                    "CREATE TEMP TABLE report_map ON COMMIT DROP AS SELECT r.id AS old, "
                    "n.id AS new FROM kpis_staffingreport r JOIN office_map m "
                    "ON m.old = r.office_id JOIN kpis_staffingreport n "
                    "ON n.office_id = m.new AND n.month = r.month"
                )
                copy(StaffingRow, "FROM kpis_staffingrow x JOIN report_map m "
                     "ON m.old = x.report_id", report_id="m.new")
                copy(KpiAggregate, f"FROM kpis_kpiaggregate x LEFT JOIN sub_map m "
                     f"ON m.old = x.scope WHERE x.association_id = {s}",
                     association_id=str(t), scope="COALESCE(m.new, 0)")
                copy(KpiOfficeCoverage, "FROM kpis_kpiofficecoverage x JOIN office_map m "
                     "ON m.old = x.office_id", association_id=str(t), office_id="m.new",
                     subcommittees="COALESCE((SELECT ',' || string_agg(s.new::text, ',' "
                     "ORDER BY s.new) || ',' FROM sub_map s "
                     "WHERE x.subcommittees LIKE '%%,' || s.old || ',%%'), ',')")
                copy(KpiOfficeSliceMonths, "FROM kpis_kpiofficeslicemonths x JOIN office_map m "
                     "ON m.old = x.office_id", association_id=str(t), office_id="m.new")
        print(f"copy {n}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
print(json.dumps({"copies": max(0, wanted - have), "seconds": round(time.monotonic() - started)}))
"""


def env() -> dict[str, str]:
    return {**monthly_reports.env(0), "DATABASE_URL": DATABASE_URL}


def run(*args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env(),
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return done.stdout or ""


def psql(sql: str) -> str:
    done = subprocess.run(
        ["psql", DATABASE_URL, "-Atqc", sql], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


def create_database() -> None:
    server, name = DATABASE_URL.rsplit("/", 1)
    listing = subprocess.run(
        ["psql", f"{server}/postgres", "-Atl"], check=True, capture_output=True, text=True
    ).stdout
    if name not in {line.split("|", 1)[0] for line in listing.splitlines()}:
        subprocess.run(["createdb", f"--maintenance-db={server}/postgres", name], check=True)


def load() -> str:
    return ", ".join(f"{n:.1f}" for n in os.getloadavg())


def spread(values: list[float]) -> str:
    return f"{min(values):,.0f} / {statistics.median(values):,.0f} / {max(values):,.0f}"


def main() -> None:
    create_database()
    run("manage.py", "migrate", "--no-input", "-v0")
    started = time.monotonic()
    seed = monthly_reports.last_json(
        run(
            "-c",
            monthly_reports.SEED_SCRIPT,
            str(OFFICES),
            str(monthly_reports.HISTORY_MONTHS),
            str(monthly_reports.SEED),
            capture=True,
        )
    )
    if not seed["reused"]:
        run("manage.py", "kpi_aggregates", "--rebuild", "--association", SLUG)
    print(f"first association: {json.dumps(seed)} in {time.monotonic() - started:.0f} s")
    rows = []
    checked = False
    for associations in SIZES:
        started = time.monotonic()
        copied = monthly_reports.last_json(run("-c", COPY, str(associations), SLUG, capture=True))
        if associations >= 2 and not checked:
            run("manage.py", "kpi_aggregates", "--check", "--association", f"{SLUG}-copy2")
            checked = True
        psql("VACUUM ANALYZE")
        offices = int(psql("SELECT count(*) FROM members_office"))
        filings = int(psql("SELECT count(*) FROM kpis_staffingreport"))
        print(
            f"{associations} associations, {offices:,} offices, {filings:,} filings "
            f"({copied['copies']} copies, {time.monotonic() - started:.0f} s)",
            flush=True,
        )
        for what in ("dashboard", "reports"):
            before = load()
            result = monthly_reports.last_json(
                run("-c", MEASURE, SLUG, what, str(RUNS), capture=True)
            )
            rows.append(
                f"| {offices:,} ({associations}) | {what} | {spread(result['ms'])} "
                f"| {result['queries']} | {result['rows']} | {result['peak_mb']:.0f} "
                f"| {before} |"
            )
            print(rows[-1], flush=True)
    print()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; {RUNS} runs after a warm-up, each size in fresh "
        "processes; the first association's figures (24 months of filings)."
    )
    print()
    print(
        "| offices (associations) | read | ms min / median / max | queries | rows fetched "
        "| peak RSS MB | load average (1, 5, 15 min) |"
    )
    print("|---|---|---|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
