"""The demo association's reports, built by a real worker on Redis and read back: the PDF
says what the selectors say, in Japanese with 和暦, and the XLSX has the same numbers."""

from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope

from association.models import Association
from core.calendar import last_closed_month, rolling_months, wareki_month
from kpis.selectors import figures
from reports.models import MonthlyReport
from reports.services import monthly_report_request
from tests.reports.conftest import KillableWorker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_demo_reports_built_by_a_worker_and_read_back(
    killable_celery_worker: KillableWorker,
) -> None:
    call_command("seed_demo", "--offices", "40", "--history-months", "14", stdout=io.StringIO())
    association = Association.objects.get(slug="toyonaka")
    month = last_closed_month(timezone.localdate(), deadline_day=10)
    killable_celery_worker.start()
    with scope(association=association.pk):
        report = monthly_report_request(association=association, month=month, kind="retention")
        expected = figures(first=rolling_months(month)[0], last=month)
    deadline = time.monotonic() + 180
    while True:
        with scope(association=association.pk):
            report = MonthlyReport.objects.get(pk=report.pk)
        if report.status != "building" or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert report.status == "draft", report.error

    from openpyxl import load_workbook
    from pypdf import PdfReader

    with report.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "定着状況報告書" in text
    assert wareki_month(month) in text  # e.g. 令和8年（2026年）10月
    separation = expected.separation_rate.value
    assert separation is not None and expected.offices >= 3
    assert f"{separation}" in text  # the association's rolling 12-month 離職率

    with report.xlsx.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()), data_only=True)
    values = {
        Decimal(str(cell.value)).quantize(Decimal("0.1"))
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, int | float)
    }
    assert separation in values
