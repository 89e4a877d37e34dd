"""Joint recruitment figures: posting views counted in Redis and flushed by beat, officers'
figures by month, 部会 and channel (constant queries and rows fetched), the report section with
suppression, and job-fair booth hires offered on the filing by job."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from openpyxl import load_workbook
from pypdf import PdfReader
from redis import Redis

from core.calendar import add_months, month_start
from members.models import OfficeService
from recruitment.models import JobApplication, JobFairBooth, JobPosting, JobPostingViewDay
from recruitment.selectors import joint_recruitment, offered_hires
from recruitment.services import (
    application_status_set,
    booth_outcome_record,
    posting_view_count,
    posting_views_flush,
    posting_views_send,
)
from reports.content import report_content, suppress, tables
from reports.render import render_pdf, render_xlsx
from subcommittees.models import Subcommittee, SubcommitteeKind
from subcommittees.selectors import subcommittee_office_ids
from tests.conftest import client_for, worker_env
from tests.kpis.test_filing_form import admin, filing_url, form_data, input_value, row, rows_of
from tests.recruitment.jobs import apply, make_posting, posting_fields
from tests.recruitment.test_job_fairs import make_fair
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari"


def _redis() -> Redis:
    return Redis.from_url(settings.REDIS_CACHE_URL)


def _pending(tenant: Tenant) -> dict[Any, Any]:
    redis = _redis()
    keys = redis.keys(f"*recruitment:views:{tenant.association.pk}")
    return redis.hgetall(keys[0]) if keys else {}


@pytest.fixture(autouse=True)
def _no_pending_views() -> None:
    redis = _redis()
    for key in redis.keys("*recruitment:views:*"):
        redis.delete(key)


def _views(tenant: Tenant) -> dict[int, int]:
    with scope(association=tenant.association.pk):
        return dict(JobPostingViewDay.objects.values_list("posting_id", "count"))


# --- views ---------------------------------------------------------------------------------


def test_views_are_counted_in_redis_and_flushed_once(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    url = reverse("jobs:detail", args=[posting.pk])
    visitor = client_for(tenant_a)
    assert visitor.get(url, HTTP_USER_AGENT=BROWSER).status_code == 200
    with CaptureQueriesContext(connection) as cached:
        assert visitor.get(url, HTTP_USER_AGENT=BROWSER).status_code == 200
    # The second view came from the cache (answered before the database is touched: the host
    # table is kept per process), and wrote nothing.
    assert [q["sql"].split()[0] for q in cached.captured_queries] == []
    # Bots, empty agents and logged-in people are not counted; nor is a 404.
    visitor.get(url, HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    visitor.get(url, HTTP_USER_AGENT="curl/8.5.0")
    visitor.get(url)
    client_for(tenant_a, tenant_a.users["office_staff"]).get(url, HTTP_USER_AGENT=BROWSER)
    visitor.get(reverse("jobs:detail", args=[posting.pk + 999]), HTTP_USER_AGENT=BROWSER)
    today = timezone.localdate()
    assert _pending(tenant_a) == {f"{posting.pk}:{today.isoformat()}".encode(): b"2"}
    assert _views(tenant_a) == {}  # nothing written per view
    with scope(association=tenant_a.association.pk):
        assert posting_views_flush(association_id=tenant_a.association.pk) == 2
        assert posting_views_flush(association_id=tenant_a.association.pk) == 0
    assert _views(tenant_a) == {posting.pk: 2}
    assert _pending(tenant_a) == {}
    visitor.get(url, HTTP_USER_AGENT=BROWSER)
    with scope(association=tenant_a.association.pk):
        assert posting_views_flush(association_id=tenant_a.association.pk) == 1
    assert _views(tenant_a) == {posting.pk: 3}  # added to the day's row, not replacing it


def test_a_batch_left_by_a_failed_flush_is_written_next_time(tenant_a: Tenant) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
        gone = make_posting(tenant_a.offices[0], title="削除される")
    association_id = tenant_a.association.pk
    for posting_id in (posting.pk, posting.pk, gone.pk):
        posting_view_count(association_id=association_id, posting_id=posting_id, user_agent=BROWSER)
    redis = _redis()
    keys: list[Any] = redis.keys(f"*recruitment:views:{association_id}")
    (key,) = [k.decode() for k in keys]
    redis.rename(key, key + ":flushing")  # as a flush that died after taking its batch
    posting_view_count(association_id=association_id, posting_id=posting.pk, user_agent=BROWSER)
    with scope(association=association_id):
        JobPosting.objects.filter(pk=gone.pk).delete()
        assert posting_views_flush(association_id=association_id) == 2  # the old batch first
        assert posting_views_flush(association_id=association_id) == 1
    assert _views(tenant_a) == {posting.pk: 3}


def test_a_process_sends_its_views_at_most_every_few_seconds_and_on_exit(
    tenant_a: Tenant, settings: Any
) -> None:
    """Production: no Redis round trip per view. Views wait in the process until the interval
    has passed since the last send (then one pipeline sends them all), a flush in the same
    process, or the process's exit."""
    settings.RECRUITMENT_VIEWS_SEND_SECONDS = 3600
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    association_id = tenant_a.association.pk
    posting_views_send()  # whatever an earlier test left
    field = f"{posting.pk}:{timezone.localdate().isoformat()}".encode()
    for _view in range(3):
        posting_view_count(association_id=association_id, posting_id=posting.pk, user_agent=BROWSER)
    assert _pending(tenant_a) == {}  # kept in the process
    settings.RECRUITMENT_VIEWS_SEND_SECONDS = 0
    posting_view_count(association_id=association_id, posting_id=posting.pk, user_agent=BROWSER)
    assert _pending(tenant_a) == {field: b"4"}  # the interval passed: all four in one go
    settings.RECRUITMENT_VIEWS_SEND_SECONDS = 3600
    posting_view_count(association_id=association_id, posting_id=posting.pk, user_agent=BROWSER)
    with scope(association=association_id):
        assert posting_views_flush(association_id=association_id) == 5  # its own, sent first
    assert _views(tenant_a) == {posting.pk: 5}

    # Another process (a gunicorn worker restarting after --max-requests) counts two views
    # and exits: they reach Redis although no interval passed.
    code = (
        "import django; django.setup()\n"
        "from recruitment.services import posting_view_count\n"
        "for _ in range(2):\n"
        f"    posting_view_count(association_id={association_id}, posting_id={posting.pk},"
        f" user_agent={BROWSER!r})\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        env={
            **worker_env(Path(tempfile.gettempdir())),
            "RECRUITMENT_VIEWS_SEND_SECONDS": "3600",
        },
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        timeout=120,
    )
    assert _pending(tenant_a) == {field: b"2"}


def test_views_kept_in_an_idle_process_are_sent_by_its_sender_thread(
    tenant_a: Tenant, settings: Any
) -> None:
    """The last visitor of the night: no later view comes to send the kept ones, so the
    process's sender thread does once the interval has passed."""
    settings.RECRUITMENT_VIEWS_SEND_SECONDS = 1
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    posting_views_send()
    field = f"{posting.pk}:{timezone.localdate().isoformat()}".encode()
    posting_view_count(
        association_id=tenant_a.association.pk, posting_id=posting.pk, user_agent=BROWSER
    )
    assert _pending(tenant_a) == {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _pending(tenant_a) != {field: b"1"}:
        time.sleep(0.1)
    assert _pending(tenant_a) == {field: b"1"}


def test_views_redis_cannot_take_are_dropped_not_kept(tenant_a: Tenant, settings: Any) -> None:
    """Redis away when the views are sent: they are not counted (and not piled up in the
    process), and counting goes on once it is back."""
    settings.RECRUITMENT_VIEWS_SEND_SECONDS = 3600
    association_id = tenant_a.association.pk
    with scope(association=association_id):
        posting = make_posting(tenant_a.offices[0])
    posting_views_send()
    posting_view_count(association_id=association_id, posting_id=posting.pk, user_agent=BROWSER)
    caches = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    assert posting_views_send() == 0
    settings.CACHES = caches
    posting_view_count(association_id=association_id, posting_id=posting.pk, user_agent=BROWSER)
    assert posting_views_send() == 1
    field = f"{posting.pk}:{timezone.localdate().isoformat()}".encode()
    assert _pending(tenant_a) == {field: b"1"}


def test_without_redis_views_are_written_through(tenant_a: Tenant, settings: Any) -> None:
    """The embedded default (no Redis): each view is one upsert; there is nothing to flush."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
        for _view in range(3):
            posting_view_count(
                association_id=tenant_a.association.pk, posting_id=posting.pk, user_agent=BROWSER
            )
        assert posting_views_flush(association_id=tenant_a.association.pk) == 0
    assert _views(tenant_a) == {posting.pk: 3}
    assert _pending(tenant_a) == {}


@pytest.mark.django_db(transaction=True)
def test_views_flush_beat_task_on_a_real_worker(tenant_a: Tenant, celery_worker: Path) -> None:
    from recruitment.tasks import posting_views_flush_all

    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    client_for(tenant_a).get(reverse("jobs:detail", args=[posting.pk]), HTTP_USER_AGENT=BROWSER)
    assert posting_views_flush_all() >= 1
    deadline = timezone.now() + timedelta(seconds=60)
    while timezone.now() < deadline and _views(tenant_a) != {posting.pk: 1}:
        pass
    assert _views(tenant_a) == {posting.pk: 1}


# --- officers' figures ---------------------------------------------------------------------


def _hire(application: JobApplication, on: date) -> None:
    application_status_set(application=application, status="hired", happened_on=on, by=None)


def test_figures_by_office_month_channel_and_time_to_hire(tenant_a: Tenant) -> None:
    today = timezone.localdate()
    this_month = month_start(today)
    office, other = tenant_a.offices[:2]
    _event, (booth, _b) = make_fair(
        tenant_a, starts_at=timezone.now() - timedelta(hours=4), offices=[office, other]
    )
    with scope(association=tenant_a.association.pk):
        posting = make_posting(office)
        make_posting(other, title="看護師", job_category="nurse")
        first, _key = apply(posting, email="a@example.com")
        second, _key = apply(posting, email="b@example.com")
        apply(posting, email="c@example.com")
        JobApplication.objects.filter(pk=first.pk).update(created_at=timezone.now())
        JobApplication.objects.filter(pk=second.pk).update(created_at=timezone.now())
        _hire(first, today)
        _hire(second, today)
        JobPostingViewDay.objects.create(posting=posting, day=today, count=40)
        JobPostingViewDay.objects.create(posting=posting, day=today - timedelta(days=400), count=9)
        booth_outcome_record(booth=booth, interviews=3, hires=2, by=None)
        figures = joint_recruitment(first=add_months(this_month, -11), last=this_month)
        memberships = subcommittee_office_ids()
    assert figures.total("postings") == 2
    assert figures.offices(last_month=True) == 2
    # Each 部会's figures are its member offices' (the Python membership rule, not the SQL).
    assert memberships  # the tenant's offices are in 部会
    for subcommittee_id, members in memberships.items():
        both = {office.pk, other.pk} & members
        assert figures.total("postings", scope=subcommittee_id) == len(both)
        assert figures.total("views", scope=subcommittee_id) == (40 if office.pk in both else 0)
        assert figures.offices(scope=subcommittee_id) == len(both)
    assert figures.total("views") == 40  # the old day is outside the 12 months
    assert figures.total("applications", months={this_month}) == 3
    assert figures.total("hires_posting") == 2
    assert figures.total("hires_fair") == 2
    assert figures.offices() == 2
    assert figures.median_days_to_hire == 0.0
    assert figures.open_postings == 2


def test_median_days_to_hire() -> None:
    from recruitment.selectors import JointRecruitment

    def median(days: dict[int, int]) -> float | None:
        return JointRecruitment(
            first=date(2026, 1, 1),
            last=date(2026, 1, 1),
            sums={},
            active={},
            days_to_hire=days,
            open_postings=0,
        ).median_days_to_hire

    assert median({}) is None
    assert median({3: 1, 10: 1, 30: 1}) == 10
    assert median({3: 2, 10: 1, 30: 1}) == 6.5
    assert median({5: 4}) == 5


def _rows_fetched(run: Any) -> tuple[int, int]:
    """(queries, rows the database sent back) while `run()` runs."""
    rows = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal rows
        result = execute(sql, params, many, context)
        cursor = context["cursor"]
        if cursor.description is not None and cursor.rowcount > 0:
            rows += cursor.rowcount
        return result

    with connection.execute_wrapper(count), CaptureQueriesContext(connection) as queries:
        run()
    return len(queries), rows


def _bulk_postings(tenant: Tenant, count: int) -> None:
    """`count` published postings over the tenant's offices, with views, applications and
    hires (bulk: the services are tested elsewhere; this is about size)."""
    now = timezone.now()
    today = timezone.localdate()
    with scope(association=tenant.association.pk):
        fields = posting_fields()
        postings = JobPosting.objects.bulk_create(
            JobPosting(
                association=tenant.association,
                office=tenant.offices[index % len(tenant.offices)],
                status="published",
                published_at=now - timedelta(days=index % 200),
                **{**fields, "title": f"求人{index}"},
            )
            for index in range(count)
        )
        JobPostingViewDay.objects.bulk_create(
            JobPostingViewDay(posting=p, day=today - timedelta(days=i % 300), count=5)
            for i, p in enumerate(postings)
        )
        JobApplication.objects.bulk_create(
            JobApplication(
                association=tenant.association,
                posting=p,
                name="応募者",
                kana="オウボシャ",
                email=f"a{i}@example.com",
                age_band="30s",
                consented_at=now,
                status="hired" if i % 3 == 0 else "new",
                status_changed_at=now,
                hired_on=today - timedelta(days=i % 90) if i % 3 == 0 else None,
                access_key_hash=f"{count:08d}{i:056d}",
            )
            for i, p in enumerate(postings)
        )


def test_figures_page_queries_and_rows_do_not_grow_with_postings(tenant_a: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    url = reverse("recruitment:figures")
    _bulk_postings(tenant_a, 20)
    small = _rows_fetched(lambda: officer.get(url))
    _bulk_postings(tenant_a, 480)
    page = officer.get(url)
    large = _rows_fetched(lambda: officer.get(url))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Joint recruitment figures" in html and "応募者" not in html
    _bulk_postings(tenant_a, 500)
    larger = _rows_fetched(lambda: officer.get(url))
    print(f"figures page (queries, rows fetched): 20 postings {small}, 500 {large}, 1000 {larger}")
    assert small[0] == large[0] == larger[0], (small, large, larger)
    # Rows: per measure one per month with activity (12), one of offices, whatever the
    # offices, postings or views, and the days to hire (a row per distinct number: 90 here).
    assert small[1] <= large[1] <= 5 * 12 + 1 + 90 + 20, (small, large)
    assert larger[1] == large[1], (large, larger)


def test_only_officers_see_the_figures(tenant_a: Tenant) -> None:
    url = reverse("recruitment:figures")
    assert client_for(tenant_a, tenant_a.users["office_staff"]).get(url).status_code == 403
    assert client_for(tenant_a).get(url).status_code in (302, 403)


# --- the report section --------------------------------------------------------------------


def test_report_section_matches_the_selectors_and_small_subcommittees_are_suppressed(
    tenant_a: Tenant,
) -> None:
    today = timezone.localdate()
    month = month_start(today)
    offices = tenant_a.offices[:3]
    with scope(association=tenant_a.association.pk):
        kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
        code = kyotaku.service_type_mappings.values_list("service_code", flat=True)[0]
        OfficeService.objects.filter(office__in=offices).delete()
        OfficeService.objects.create(office=offices[0], service_code=code)
        postings = [make_posting(office, title=f"求人{i}") for i, office in enumerate(offices)]
        for i, posting in enumerate(postings):
            application, _key = apply(posting, email=f"p{i}@example.com")
            if i < 2:
                _hire(application, today)
            JobPostingViewDay.objects.create(posting=posting, day=today, count=10 + i)
        joint = joint_recruitment(first=add_months(month, -11), last=month)
    content = report_content(association=tenant_a.association, month=month, kind="recruitment")
    table = next(t for t in tables(content) if t["key"] == "joint_recruitment_month")
    whole = next(r for r in table["rows"] if r["whole"])
    values = [cell["value"] for cell in whole["cells"]]
    assert (
        values
        == [
            joint.total("postings", months={month}),
            joint.total("views", months={month}),
            joint.total("applications", months={month}),
            joint.total("hires_posting", months={month}),
            joint.total("hires_fair", months={month}),
        ]
        == [3, 33, 3, 2, 0]
    )
    assert {cell["offices"] for cell in whole["cells"]} == {3}
    small = next(r for r in table["rows"] if r["key"] == f"subcommittee-{kyotaku.pk}")
    assert [cell["value"] for cell in small["cells"]][:3] == [1, 10, 1]
    published = suppress(content, threshold=3)
    table = next(t for t in tables(published) if t["key"] == "joint_recruitment_month")
    small = next(r for r in table["rows"] if r["key"] == f"subcommittee-{kyotaku.pk}")
    assert all(cell.get("suppressed") and cell["value"] is None for cell in small["cells"])
    # And a complement: with the other rows and the association's total shown, the small
    # 部会's figure would be their difference (tests/reports/test_suppression.py checks all).
    others = [r for r in table["rows"] if r is not small and r["cells"][0]["offices"]]
    assert any(r["cells"][0].get("suppressed") for r in others)

    # The PDF and the XLSX show the section through the presenter, suppressed cells as “*”.
    pdf, _pages = render_pdf(published, association_name=tenant_a.association.name)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "共同採用（求人掲載・就職フェア）" in text and "採用者数（就職フェア経由）" in text
    book = load_workbook(io.BytesIO(render_xlsx(published)))
    cells = [
        str(cell.value)
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if cell.value is not None
    ]
    assert any("共同採用" in value for value in cells)
    assert "求人閲覧数" in cells


# --- job-fair booth hires on the filing ----------------------------------------------------


def _fair_this_month(tenant: Tenant) -> JobFairBooth:
    today = timezone.localdate()
    starts = datetime(today.year, today.month, 1, 0, 30, tzinfo=TOKYO)
    if starts > timezone.now() - timedelta(hours=4):
        pytest.skip("the month's first fair has not ended yet (run after 04:30 on the 1st)")
    _event, (booth, _other) = make_fair(tenant, starts_at=starts)
    return booth


def test_booth_hires_by_job_must_add_up(tenant_a: Tenant) -> None:
    booth = _fair_this_month(tenant_a)
    with scope(association=tenant_a.association.pk):
        with pytest.raises(ValidationError) as refused:
            booth_outcome_record(
                booth=booth,
                interviews=5,
                hires=3,
                hires_by_job={("nurse", "regular"): 1, ("care_worker", "regular"): 1},
                by=None,
            )
        assert "add up to 2, not 3" in str(refused.value)
        assert JobFairBooth.objects.get(pk=booth.pk).outcome_recorded_at is None


def test_booth_hires_are_offered_on_the_filing_and_counted_once(tenant_a: Tenant) -> None:
    booth = _fair_this_month(tenant_a)
    office = tenant_a.offices[0]
    staff = client_for(tenant_a, tenant_a.users["office_admin"])
    outcome = reverse("recruitment:booth_outcome", kwargs={"job_fair_booth_pk": booth.pk})
    response = staff.post(
        outcome,
        {
            "interviews": "4",
            "hires": "3",
            "hires_nurse__regular": "2",
            "hires_care_worker__non_regular": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    month = month_start(timezone.localdate())
    with scope(association=tenant_a.association.pk):
        assert offered_hires(office_id=office.pk, month=month) == {
            ("nurse", "regular"): {"hires_job_fair": 2},
            ("care_worker", "non_regular"): {"hires_job_fair": 1},
        }
    client = admin(tenant_a)
    html = client.get(filing_url(office, month)).content.decode()
    assert input_value(html, "nurse.regular.hires_job_fair") == "2"
    assert input_value(html, "nurse.regular.hires") == "2"
    assert input_value(html, "care_worker.non_regular.hires_job_fair") == "1"
    assert "Job fair: 2" in html
    # The office confirms, having typed the hires as well: still two, never four.
    nurse = row(start=3, hires=2, separations=0, end=5, hires_other=0, hires_job_fair=2)
    response = client.post(
        filing_url(office, month), form_data(month, {("nurse", "regular"): nurse})
    )
    assert response.status_code == 302, re.findall(
        r'class="[^"]*(?:error|message)[^"]*"[^>]*>([^<]+)', response.content.decode()
    )
    assert rows_of(tenant_a, month)["nurse/regular"]["hires_job_fair"] == 2
    html = client.get(filing_url(office, month)).content.decode()
    assert input_value(html, "nurse.regular.hires_job_fair") == "2"
    # The outcome page shows the recorded breakdown again.
    page = staff.get(outcome).content.decode()
    assert 'name="hires_nurse__regular"' in page and 'value="2"' in page
