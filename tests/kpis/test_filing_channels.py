"""One bad month through the three ways a filing arrives — the web form, the spreadsheet upload
(preview and apply) and the API — refused and warned about identically: the same cells with the
same messages, the same soft findings asked about, the same refusal of a locked month.

All three end in `kpis.checks.filing_check` (through `staffing_report_save`; the upload preview
calls it on the same inputs), so any difference here is a channel adding or losing a rule.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_scopes import scope

from association.permissions import access_for
from core.calendar import add_months, filing_deadline
from kpis.checks import lock_message
from kpis.upload import COLUMNS_BY_KEY, UploadPlan, upload_apply, upload_plan, upload_read
from tests.kpis.test_api import new_token
from tests.kpis.test_filing_form import (
    file_month,
    filing_url,
    form_data,
    report_of,
    row,
    this_month,
)
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

Finding = tuple[str, str, str]  # row key, field, message
LOCKED = date(2020, 1, 1)  # its deadline, 2020-02-10, long passed

# One bad month: hard errors in specific cells (one per kind), as people and systems send it.
BAD: dict[tuple[str, str], dict[str, Any]] = {
    ("care_worker", "regular"): row(start=10, hires=2, separations=1, end=11, hires_other=1),
    ("care_worker", "non_regular"): row(start=5, hires=0, separations=1, within=2, end=4),
    ("nurse", "regular"): row(start=-1, hires=0, separations=0, end="十"),
    # Empty means 0 in every cell of a row (separations here): no error, in every channel.
    ("nurse", "non_regular"): row(start=3, hires=0, separations="", end=3),
}
BAD_EXPECTED = [
    ("care_worker/non_regular", "separations_within_year", "Separations within a year cannot "
     "exceed separations (1)."),
    ("care_worker/regular", "hires", "Hires by channel add up to 1, but hires are 2."),
    ("nurse/regular", "headcount_end", "Enter a whole number (0 or more). You entered “十”."),
    ("nurse/regular", "headcount_start", "A count cannot be negative."),
]  # fmt: skip
# The month corrected, but 10 + 1 − 0 ≠ 15 and last month's 10 → 15 jumps 50 % (over 20 %).
SOFT: dict[tuple[str, str], dict[str, Any]] = {
    ("care_worker", "regular"): row(start=10, hires=1, separations=0, end=15),
}
SOFT_EXPECTED = [
    ("care_worker/regular", "headcount_end", "Start 10 + hires 1 − separations 0 = 11, but the "
     "month-end headcount is 15."),
    ("care_worker/regular", "headcount_end", "The month-end headcount changed from 10 to 15, "
     "more than 20 %."),
]  # fmt: skip

# The upload's words and headers for the same rows.
WORDS = {"care_worker": "介護職員", "nurse": "看護職員", "regular": "正規", "non_regular": "非正規"}
UPLOAD_FIELDS = [
    "headcount_start",
    "hires",
    "hires_other",
    "separations",
    "separations_within_year",
    "headcount_end",
    "open_positions",
]
FIELD_OF_HEADER = {column.header: key for key, column in COLUMNS_BY_KEY.items()}


# --- the three channels ----------------------------------------------------------------------


def form_post(tenant: Tenant, month: date, rows: Any, language: str) -> Any:
    client = Client(HTTP_HOST=tenant.host, HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(tenant.users["office_admin"])
    return client.post(
        filing_url(tenant.offices[0], month),
        form_data(month, rows, action="submit"),
        follow=True,
    )


def form_findings(response: Any, *, warnings: bool = False) -> list[Finding]:
    form = response.context["form"]
    kind = "warnings" if warnings else "errors"
    found = [("", "", message) for message in getattr(form, kind)]
    for form_row in form.rows:
        found += [(form_row.key, "", message) for message in getattr(form_row, kind)]
        for cell in form_row.all_cells:
            found += [(form_row.key, cell.field, message) for message in getattr(cell, kind)]
    return sorted(found)


def api_post(tenant: Tenant, token: str, month: date, rows: Any, language: str) -> Any:
    client = Client(
        HTTP_HOST=tenant.host, HTTP_ACCEPT_LANGUAGE=language, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    sent = []
    for (job, employment), values in rows.items():
        line = {"job_category": job, "employment_type": employment}
        # What a system sends: numbers as numbers, other text as text, empty cells left out.
        for name, value in values.items():
            if value != "":
                line[name] = int(value) if str(value).lstrip("-").isdigit() else value
        sent.append(line)
    body = {"month": f"{month:%Y-%m}", "rows": sent, "submit": True, "expected_version": None}
    return client.post("/api/v1/filings/", json.dumps(body), content_type="application/json")


def api_findings(response: Any, kind: str) -> list[Finding]:
    return sorted((p["row"], p["field"], p["message"]) for p in response.json()[kind])


def upload_file(tenant: Tenant, month: date, rows: Any) -> tuple[bytes, dict[int, str]]:
    """The rows as a CSV line each, and which spreadsheet row holds which job × employment."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [COLUMNS_BY_KEY[key].header for key in ("provider_number", "month", "job_category")]
        + [COLUMNS_BY_KEY[key].header for key in ("employment_type", *UPLOAD_FIELDS)]
    )
    keys = {}
    for number, ((job, employment), values) in enumerate(rows.items(), start=2):
        keys[number] = f"{job}/{employment}"
        writer.writerow(
            [tenant.offices[0].provider_number, f"{month:%Y-%m}", WORDS[job], WORDS[employment]]
            + [str(values.get(name, "")) for name in UPLOAD_FIELDS]
        )
    return buffer.getvalue().encode("cp932"), keys


def upload(
    tenant: Tenant, month: date, rows: Any, language: str
) -> tuple[UploadPlan, ValidationError, dict[int, str]]:
    """The preview (`upload_plan`) and the refused apply of the rows as a file, as the upload
    pages call them, and which spreadsheet row holds which job × employment."""
    data, keys = upload_file(tenant, month, rows)
    user = tenant.users["office_admin"]
    with translation.override(language), scope(association=tenant.association.pk):
        office_ids = access_for(user, tenant.association).office_ids("kpis.file")
        preview = upload_plan(
            rows=upload_read(data=data, filename="kpi.csv"), office_ids=office_ids
        )
        with pytest.raises(ValidationError) as refused:
            upload_apply(data=data, filename="kpi.csv", user=user, office_ids=office_ids)
    return preview, refused.value, keys


def upload_findings(errors: Any, keys: dict[int, str]) -> list[Finding]:
    return sorted((keys[e.row], FIELD_OF_HEADER[e.column], e.message) for e in errors)


# --- the test --------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja"])
def test_form_upload_and_api_refuse_and_warn_alike(tenant_a: Tenant, language: str) -> None:
    month = this_month()  # open: its deadline is next month
    file_month(tenant_a, add_months(month, -1), {("care_worker", "regular"): row()})  # ends at 10
    token = new_token(tenant_a)

    # 1. Hard errors: the same cells, the same messages; nothing saved anywhere.
    form = form_findings(form_post(tenant_a, month, BAD, language))
    api = api_post(tenant_a, token, month, BAD, language)
    assert (api.status_code, api.json()["code"]) == (400, "invalid")
    preview, refused, keys = upload(tenant_a, month, BAD, language)
    assert form == api_findings(api, "errors") == upload_findings(preview.errors, keys)
    assert refused.messages == [error.text for error in preview.errors]
    if language == "en":
        assert form == BAD_EXPECTED
    assert report_of(tenant_a, month) is None

    # 2. Soft findings: the same ones asked about; a submission without an answer saves nothing.
    response = form_post(tenant_a, month, SOFT, language)
    assert 'name="confirm"' in response.content.decode()
    form = form_findings(response, warnings=True)
    api = api_post(tenant_a, token, month, SOFT, language)
    assert (api.status_code, api.json()["code"]) == (400, "needs_confirmation")
    preview, refused, keys = upload(tenant_a, month, SOFT, language)
    assert not preview.errors and preview.needs_confirmation
    assert refused.code == "upload_needs_confirmation"
    assert form == api_findings(api, "warnings") == upload_findings(preview.warnings, keys)
    if language == "en":
        assert form == SOFT_EXPECTED
    assert report_of(tenant_a, month) is None

    # 3. A locked month: the same refusal, in the same words.
    sound = {("care_worker", "regular"): row()}
    with translation.override(language):
        expected = lock_message(LOCKED, filing_deadline(LOCKED, deadline_day=10))
    response = form_post(tenant_a, LOCKED, sound, language)
    assert [str(message) for message in response.context["messages"]] == [expected]
    api = api_post(tenant_a, token, LOCKED, sound, language)
    assert (api.status_code, api.json()) == (409, {"code": "locked", "detail": expected})
    preview, refused, keys = upload(tenant_a, LOCKED, sound, language)
    assert [(e.row, e.column, e.message) for e in preview.errors] == [(2, "対象月", expected)]
    assert refused.messages == [preview.errors[0].text]
    assert report_of(tenant_a, LOCKED) is None


# Counts past any office's size (2³¹ overflowed the database's integer column: a 500).
HUGE: dict[tuple[str, str], dict[str, Any]] = {
    ("care_worker", "regular"): row(start=2**31, hires=0, separations=0, end=100_000),
    ("nurse", "regular"): row(start=100_001, hires=0, separations=0, end=10**12, open_positions=-3),
}
HUGE_EXPECTED = [
    ("care_worker/regular", "headcount_start", "A count cannot be more than 100,000."),
    ("nurse/regular", "headcount_end", "A count cannot be more than 100,000."),
    ("nurse/regular", "headcount_start", "A count cannot be more than 100,000."),
    ("nurse/regular", "open_positions", "A count cannot be negative."),
]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_form_upload_and_api_refuse_huge_counts_alike(tenant_a: Tenant, language: str) -> None:
    month = this_month()
    token = new_token(tenant_a)
    form = form_findings(form_post(tenant_a, month, HUGE, language))
    api = api_post(tenant_a, token, month, HUGE, language)
    assert (api.status_code, api.json()["code"]) == (400, "invalid")
    preview, refused, keys = upload(tenant_a, month, HUGE, language)
    assert form == api_findings(api, "errors") == upload_findings(preview.errors, keys)
    assert refused.messages == [error.text for error in preview.errors]
    if language == "en":
        assert form == HUGE_EXPECTED
    assert report_of(tenant_a, month) is None


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("months_ahead", [1, 12 * 70])
def test_form_upload_and_api_refuse_a_month_not_begun_alike(
    tenant_a: Tenant, language: str, months_ahead: int
) -> None:
    """Next month, or 2099: the API once took them and the history ran to 2099."""
    from kpis.checks import future_month_message

    month = add_months(this_month(), months_ahead)
    sound = {("care_worker", "regular"): row()}
    with translation.override(language):
        expected = future_month_message(month)
    # The form has no page for a month that has not begun (it offers none).
    response = form_post(tenant_a, month, sound, language)
    assert response.status_code == 404
    api = api_post(tenant_a, new_token(tenant_a), month, sound, language)
    assert (api.status_code, api.json()["code"]) == (400, "invalid")
    assert api_findings(api, "errors") == [("", "month", expected)]
    preview, refused, _keys = upload(tenant_a, month, sound, language)
    assert [(e.row, e.column, e.message) for e in preview.errors] == [(2, "対象月", expected)]
    assert refused.messages == [preview.errors[0].text]
    assert report_of(tenant_a, month) is None
    # Straight to the service, as any future channel would: the same refusal.
    from kpis.services import FilingInvalid, staffing_report_save
    from tests.kpis.test_filing_form import service_rows

    with scope(association=tenant_a.association.pk), pytest.raises(FilingInvalid) as invalid:
        staffing_report_save(
            office=tenant_a.offices[0],
            month=month,
            rows=service_rows(sound),
            user=tenant_a.users["office_admin"],
            expected_version=None,
            submit=False,
        )
    assert [p.message for p in invalid.value.check.errors] == [future_month_message(month)]


# --- empty cells: one rule in every channel -----------------------------------------------------

# Empty cells everywhere: an empty count is 0, an empty start headcount is last month's
# month-end of the row (10 for care workers; 0 for nurses, not filed last month).
BLANK: dict[tuple[str, str], dict[str, Any]] = {
    ("care_worker", "regular"): {
        "headcount_start": "",
        "hires": "",
        "separations": 1,
        "separations_within_year": "",
        "headcount_end": 9,
        "open_positions": "",
    },
    ("nurse", "regular"): {"headcount_start": 2, "headcount_end": 2},
    ("nurse", "non_regular"): {"hires": 1, "hires_other": 1, "headcount_end": 1},
}
ZEROS = {name: 0 for name in ("hires", "separations", "separations_within_year")}
CHANNEL_ZEROS = {
    name: 0
    for name in (
        "open_positions",
        "hires_job_fair",
        "hires_association_posting",
        "hires_hello_work",
        "hires_agency",
        "hires_referral",
        "hires_other",
    )
}
FOREIGN_NONE = {
    name: None
    for name in (
        "foreign_specified_skilled",
        "foreign_technical_intern",
        "foreign_epa",
        "foreign_care_visa",
    )
}
BLANK_SAVED = {
    "care_worker/regular": {
        **ZEROS,
        **CHANNEL_ZEROS,
        **FOREIGN_NONE,
        "headcount_start": 10,
        "separations": 1,
        "headcount_end": 9,
    },
    "nurse/regular": {**ZEROS, **CHANNEL_ZEROS, **FOREIGN_NONE, "headcount_start": 2,
                      "headcount_end": 2},
    "nurse/non_regular": {**ZEROS, **CHANNEL_ZEROS, **FOREIGN_NONE, "headcount_start": 0,
                          "hires": 1, "hires_other": 1, "headcount_end": 1},
}  # fmt: skip


def saved_counts(tenant: Tenant, month: date) -> dict[str, dict[str, Any]]:
    from tests.kpis.test_filing_form import rows_of

    return {
        key: {
            name: value
            for name, value in values.items()
            if name not in ("id", "report_id", "job_category", "employment_type")
        }
        for key, values in rows_of(tenant, month).items()
    }


def forget(tenant: Tenant, month: date) -> None:
    from kpis.models import StaffingReport

    with scope(association=tenant.association.pk):
        StaffingReport.objects.filter(office=tenant.offices[0], month=month).delete()


def upload_applied(tenant: Tenant, month: date, rows: Any) -> None:
    data, _keys = upload_file(tenant, month, rows)
    user = tenant.users["office_admin"]
    with scope(association=tenant.association.pk):
        office_ids = access_for(user, tenant.association).office_ids("kpis.file")
        upload_apply(data=data, filename="kpi.csv", user=user, office_ids=office_ids)


def test_empty_cells_mean_the_same_in_form_upload_and_api(tenant_a: Tenant) -> None:
    """Empty is 0 in every count of a row, and the start is carried: the three save alike."""
    month = this_month()
    file_month(tenant_a, add_months(month, -1), {("care_worker", "regular"): row()})  # ends at 10
    token = new_token(tenant_a)

    response = form_post(tenant_a, month, BLANK, "ja")
    assert response.status_code == 200 and not response.context["form"].has_errors
    assert saved_counts(tenant_a, month) == BLANK_SAVED
    forget(tenant_a, month)

    api = api_post(tenant_a, token, month, BLANK, "ja")
    assert api.status_code == 201, api.json()
    assert saved_counts(tenant_a, month) == BLANK_SAVED
    forget(tenant_a, month)

    upload_applied(tenant_a, month, BLANK)
    assert saved_counts(tenant_a, month) == BLANK_SAVED


@pytest.mark.parametrize("language", ["en", "ja"])
def test_an_empty_start_with_nothing_to_carry_is_refused_alike(
    tenant_a: Tenant, language: str
) -> None:
    """No filing of the month before: the one cell that must be filled, said the same way."""
    from kpis.checks import no_start_message

    month = this_month()
    rows = {("care_worker", "regular"): {"headcount_start": "", "headcount_end": 3}}
    with translation.override(language):
        expected = [("care_worker/regular", "headcount_start", no_start_message())]
    form = form_findings(form_post(tenant_a, month, rows, language))
    api = api_post(tenant_a, new_token(tenant_a), month, rows, language)
    assert (api.status_code, api.json()["code"]) == (400, "invalid")
    preview, refused, keys = upload(tenant_a, month, rows, language)
    assert form == api_findings(api, "errors") == upload_findings(preview.errors, keys) == expected
    assert refused.messages == [error.text for error in preview.errors]
    assert report_of(tenant_a, month) is None


def test_unchanged_files_the_same_month_through_form_upload_and_api(tenant_a: Tenant) -> None:
    """「先月と変わりなし」 by the form's confirmation, the API's flag and the upload's line:
    the same rows saved, and the same refusal of a month already submitted."""
    month = this_month()
    last = {
        ("care_worker", "regular"): row(start=3, hires=0, separations=0, end=2, open_positions=1),
        ("nurse", "non_regular"): row(start=1, hires=0, separations=0, end=1),
    }
    file_month(tenant_a, add_months(month, -1), last)
    office = tenant_a.offices[0]
    label = f"{month:%Y-%m}"
    client = Client(HTTP_HOST=tenant_a.host, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(tenant_a.users["office_staff"])
    unchanged_url = f"/kpis/offices/{office.pk}/filing/unchanged/?month={label}"

    client.post(unchanged_url, {"month": label, "expected_version": ""})
    by_form = saved_counts(tenant_a, month)
    again_by_form = client.post(unchanged_url, {"month": label}, follow=True)
    # The last message: the refusal (the first is the thanks for the filing before it).
    refused_form = [str(m) for m in again_by_form.context["messages"]][-1:]
    forget(tenant_a, month)

    api_client = Client(
        HTTP_HOST=tenant_a.host,
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_AUTHORIZATION=f"Bearer {new_token(tenant_a)}",
    )
    body = json.dumps({"month": label, "unchanged": True})
    assert api_client.post("/api/v1/filings/", body, content_type="application/json").status_code
    by_api = saved_counts(tenant_a, month)
    refused_api = api_client.post("/api/v1/filings/", body, content_type="application/json")
    forget(tenant_a, month)

    keys = ("provider_number", "month", "job_category", "employment_type")
    header = [COLUMNS_BY_KEY[key].header for key in keys]
    data = f"{','.join(header)}\r\n{office.provider_number},{label},先月と変わりなし,\r\n"
    user = tenant_a.users["office_admin"]
    with translation.override("en"), scope(association=tenant_a.association.pk):
        office_ids = access_for(user, tenant_a.association).office_ids("kpis.file")
        upload_apply(
            data=data.encode("cp932"), filename="kpi.csv", user=user, office_ids=office_ids
        )
        by_upload = saved_counts(tenant_a, month)
        again = upload_plan(
            rows=upload_read(data=data.encode("cp932"), filename="kpi.csv"), office_ids=office_ids
        )

    expected_care = {"headcount_start": 2, "headcount_end": 2, "hires": 0, "open_positions": 1}
    assert by_form == by_api == by_upload
    assert {k: by_form["care_worker/regular"][k] for k in expected_care} == expected_care
    assert set(by_form) == {"care_worker/regular", "nurse/non_regular"}
    assert refused_api.status_code == 409
    refusal = refused_api.json()["detail"]
    assert refused_form == [refusal] == [again.errors[0].message]
