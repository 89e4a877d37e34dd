"""Filing by spreadsheet: CP932 and full-width digits, per-row errors, atomic apply, access.

Service-level tests pass `today` (2026-10-05: September is open until its deadline, 13 October,
August is locked, November has not begun). Page tests file the current month, which is never
locked.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope
from openpyxl import Workbook

from core.calendar import month_start, parse_month
from kpis.models import ReportStatus, StaffingChange, StaffingReport
from kpis.services import staffing_report_save
from kpis.upload import (
    UPLOAD_COLUMNS,
    FilingAction,
    UploadPlan,
    upload_apply,
    upload_plan,
    upload_read,
)
from tests.conftest import client_for
from tests.tenants import Tenant, provider_number

pytestmark = pytest.mark.django_db

TODAY = date(2026, 10, 5)
SEPTEMBER = date(2026, 9, 1)
OCTOBER = date(2026, 10, 1)

HEADER = [
    "介護保険事業所番号",
    "事業所名",
    "対象月",
    "職種",
    "雇用形態",
    "月初職員数",
    "採用者数",
    "離職者数",
    "うち採用後1年以内の離職者数",
    "月末職員数",
    "欠員数",
    "採用経路_ハローワーク",
    "採用経路_人材紹介会社",
]


def csv_file(lines: list[list[str]], encoding: str = "cp932", header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue().encode(encoding)


def xlsx_file(lines: list[list[Any]], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789-/", "０１２３４５６７８９－／"))


def number(tenant: Tenant, index: int) -> str:
    return tenant.offices[index].provider_number


def corporation_lines(tenant: Tenant) -> list[list[str]]:
    """Four office-months of a head office's file, typed as people type them."""
    first, second = number(tenant, 0), number(tenant, 1)
    return [
        # Office 1, September: open positions 2 → 3 (an update of the filing it has).
        [first, "事業所1", "2026/09", "介護職員", "正規", "10", "1", "1", "0", "10", "3", "1", ""],
        # Office 1, October: start left empty, carried from the September line above.
        [first, "事業所1", "2026-10", "介護職員", "正規", "", "2", "1", "0", "11", "1", "1", "1"],
        [first, "事業所1", "2026-10", "看護職員", "非正規", "3", "0", "0", "0", "3", "", "", ""],
        # Office 2 in full-width digits, September then October (start carried from the file).
        [
            full_width(second),
            "事業所2",
            full_width("2026-09"),
            "訪問介護員",
            "非正規",
            full_width("8"),
            "１",
            "１",
            "１",
            "８",
            "０",
            "１",
            "",
        ],
        [second, "事業所2", "202610", "訪問介護員", "非正規", "", "0", "0", "0", "8", "", "", ""],
    ]


def plan_of(
    tenant: Tenant, data: bytes, filename: str = "kpi.csv", who: str = "corp_admin"
) -> UploadPlan:
    from association.permissions import access_for

    with scope(association=tenant.association.pk):
        office_ids = access_for(tenant.users[who], tenant.association).office_ids("kpis.file")
        return upload_plan(
            rows=upload_read(data=data, filename=filename), office_ids=office_ids, today=TODAY
        )


def apply(tenant: Tenant, data: bytes, who: str = "corp_admin", **kwargs: Any) -> UploadPlan:
    from association.permissions import access_for

    with scope(association=tenant.association.pk):
        office_ids = access_for(tenant.users[who], tenant.association).office_ids("kpis.file")
        return upload_apply(
            data=data,
            filename=kwargs.pop("filename", "kpi.csv"),
            user=tenant.users[who],
            office_ids=office_ids,
            today=TODAY,
            **kwargs,
        )


def filings(tenant: Tenant) -> dict[tuple[str, date], tuple[int, str, list[tuple[Any, ...]]]]:
    """Every filing of the tenant: (number, month) → (version, status, rows)."""
    with scope(association=tenant.association.pk):
        return {
            (report.office.provider_number, report.month): (
                report.version,
                report.status,
                [
                    (
                        row.job_category,
                        row.employment_type,
                        row.headcount_start,
                        row.hires,
                        row.separations,
                        row.separations_within_year,
                        row.headcount_end,
                        row.open_positions,
                    )
                    for row in report.rows.all()
                ],
            )
            for report in StaffingReport.objects.select_related("office")
        }


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09", SEPTEMBER),
        ("2026/9", SEPTEMBER),
        ("２０２６／０９", SEPTEMBER),
        ("2026年9月", SEPTEMBER),
        ("202609", SEPTEMBER),
        ("2026-09-01", SEPTEMBER),
        ("2026-09-30T00:00:00", SEPTEMBER),
    ],
)
def test_months_in_the_forms_people_type(text: str, expected: date) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["令和8年9月", "R8.9", "2026-13", "9/2026", "26-09"])
def test_months_that_are_not_read(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_month(text)


def test_cp932_utf8_and_xlsx_give_the_same_plan(tenant_a: Tenant) -> None:
    """The same lines saved as Shift_JIS, as UTF-8 with BOM and as XLSX plan the same."""
    lines = corporation_lines(tenant_a)
    plans = [
        plan_of(tenant_a, csv_file(lines, "cp932")),
        plan_of(tenant_a, csv_file(lines, "utf-8-sig")),
        plan_of(tenant_a, xlsx_file(lines), "kpi.xlsx"),
    ]
    assert plans[0].fingerprint == plans[1].fingerprint == plans[2].fingerprint
    assert not plans[0].has_errors, plans[0].errors


def test_plan_lists_office_months_to_create_and_update(tenant_a: Tenant) -> None:
    plan = plan_of(tenant_a, csv_file(corporation_lines(tenant_a)))
    assert not plan.has_errors, [e.text for e in plan.errors]
    actions = {(f.provider_number, f.month): f.action for f in plan.filings}
    first, second = number(tenant_a, 0), number(tenant_a, 1)
    assert actions == {
        (first, SEPTEMBER): FilingAction.UPDATE,
        (first, OCTOBER): FilingAction.CREATE,
        (second, SEPTEMBER): FilingAction.CREATE,
        (second, OCTOBER): FilingAction.CREATE,
    }
    assert plan.counts == {"create": 3, "update": 1, "unchanged": 0, "error": 0}
    october = next(f for f in plan.filings if (f.provider_number, f.month) == (first, OCTOBER))
    assert october.rows == [3, 4]
    # The empty start headcounts were carried forward from the file's September lines.
    carried = {
        f"{row['job_category']}/{row['employment_type']}": row["headcount_start"]
        for row in october.checked
    }
    assert carried == {"care_worker/regular": 10, "nurse/non_regular": 3}


def test_apply_submits_every_office_month_through_the_service(tenant_a: Tenant) -> None:
    first, second = number(tenant_a, 0), number(tenant_a, 1)
    plan = apply(tenant_a, csv_file(corporation_lines(tenant_a)))
    assert plan.counts["create"] == 3
    stored = filings(tenant_a)
    assert stored[first, SEPTEMBER] == (
        2,
        ReportStatus.SUBMITTED,
        [("care_worker", "regular", 10, 1, 1, 0, 10, 3)],
    )
    assert stored[first, OCTOBER] == (
        1,
        ReportStatus.SUBMITTED,
        [
            ("care_worker", "regular", 10, 2, 1, 0, 11, 1),
            ("nurse", "non_regular", 3, 0, 0, 0, 3, 0),
        ],
    )
    assert stored[second, SEPTEMBER][2] == [("home_helper", "non_regular", 8, 1, 1, 1, 8, 0)]
    assert stored[second, OCTOBER][2] == [("home_helper", "non_regular", 8, 0, 0, 0, 8, 0)]
    with scope(association=tenant_a.association.pk):
        changes = StaffingChange.objects.filter(via="upload")
        assert changes.count() == 4
        assert {c.user for c in changes} == {tenant_a.users["corp_admin"]}
        assert {c.action for c in changes} == {"submit"}


def test_uploading_the_same_file_again_changes_nothing(tenant_a: Tenant) -> None:
    data = csv_file(corporation_lines(tenant_a))
    apply(tenant_a, data)
    before = filings(tenant_a)
    with scope(association=tenant_a.association.pk):
        changes = StaffingChange.objects.count()
    plan = plan_of(tenant_a, data)
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    assert not plan.has_changes
    apply(tenant_a, data)
    assert filings(tenant_a) == before
    with scope(association=tenant_a.association.pk):
        assert StaffingChange.objects.count() == changes


def test_every_error_names_its_row_and_column(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Each kind of mistake, one per line, reported in the spreadsheet's row and header."""
    first, second, third = (number(tenant_a, i) for i in range(3))
    wrong_check = first[:-1] + str((int(first[-1]) + 1) % 10)
    unknown = provider_number("20", 99)
    pending = number(tenant_a, 3)
    other = number(tenant_b, 1)
    ok = ["10", "1", "1", "0", "10", "0", "1", ""]
    lines = [
        [wrong_check, "", "2026-09", "介護職員", "正規", *ok],  # 2
        [first, "", "令和8年9月", "介護職員", "正規", *ok],  # 3
        [first, "", "2026-09", "看護師長", "正規", *ok],  # 4
        [first, "", "2026-10", "介護職員", "正規", "10", "-1", "1", "0", "10", "0", "", ""],  # 5
        [second, "", "2026-09", "介護職員", "正規", "10", "1.5", "1", "0", "10", "0", "", ""],  # 6
        [second, "", "2026-10", "介護職員", "正規", "10", "0", "1", "2", "9", "0", "", ""],  # 7
        [third, "", "2026-09", "介護職員", "正規", "10", "2", "1", "0", "11", "0", "1", ""],  # 8
        [unknown, "", "2026-09", "介護職員", "正規", *ok],  # 9
        [other, "", "2026-09", "介護職員", "正規", *ok],  # 10
        [pending, "", "2026-09", "介護職員", "正規", *ok],  # 11
        [third, "", "2026-11", "介護職員", "正規", *ok],  # 12
        [third, "", "2026-08", "介護職員", "正規", *ok],  # 13
        [
            third,
            "",
            "2026-10",
            "介護職員",
            "正規",
            "10",
            "1",
            "",
            "0",
            "11",
            "0",
            "1",
            "",
        ],  # 14: empty is 0
    ]
    with translation.override("en"):
        plan = plan_of(tenant_a, csv_file(lines))
        texts = [error.text for error in plan.errors]
    assert all(error.column for error in plan.errors)
    assert texts == [
        f"Row 2, 介護保険事業所番号: The check digit of provider number {wrong_check} is wrong; "
        "please check the number.",
        "Row 3, 対象月: Write the month as 2026-09 or 2026/09 (western year). "
        "You entered “令和8年9月”.",
        "Row 4, 職種: “看護師長” is not one of: 介護職員、訪問介護員、介護支援専門員、看護職員、"
        "生活相談員、その他.",
        "Row 5, 採用者数: A count cannot be negative.",
        "Row 6, 採用者数: Enter a whole number (0 or more). You entered “1.5”.",
        "Row 7, うち採用後1年以内の離職者数: Separations within a year cannot exceed "
        "separations (1).",
        "Row 8, 採用者数: Hires by channel add up to 1, but hires are 2.",
        f"Row 9, 介護保険事業所番号: No member office of the association has provider number "
        f"{unknown}.",
        f"Row 10, 介護保険事業所番号: No member office of the association has provider number "
        f"{other}.",
        # A head office reaches its corporation's members, not its pending applications.
        "Row 11, 介護保険事業所番号: You may not file for アルファ事業所4 (2772000044).",
        "Row 12, 対象月: 令和8年（2026年）11月 has not begun yet: a month can be filed from its "
        "first day on.",
        # The one lock message of every filing channel (kpis.checks.lock_message).
        "Row 13, 対象月: The filing for 令和8年（2026年）8月 is locked because its deadline, "
        "令和8年（2026年）9月10日, has passed. An officer of the association can reopen it if "
        "it needs to change.",
    ]
    with pytest.raises(ValidationError) as excinfo:
        apply(tenant_a, csv_file(lines))
    assert len(excinfo.value.messages) == len(texts)
    assert filings(tenant_a).keys() == {(first, SEPTEMBER)}  # only the fixture's filing


def test_offices_outside_the_uploaders_access_are_errors(tenant_a: Tenant) -> None:
    """Office staff file for their own office only; the head office covers every office."""
    lines = corporation_lines(tenant_a)
    with translation.override("en"):
        staff_plan = plan_of(tenant_a, csv_file(lines), who="office_staff")
    denied = {e.row for e in staff_plan.errors}
    assert denied == {5, 6}  # office 2's lines
    assert all("You may not file for アルファ事業所2" in e.message for e in staff_plan.errors)
    assert not plan_of(tenant_a, csv_file(lines), who="corp_admin").has_errors
    with pytest.raises(ValidationError):
        apply(tenant_a, csv_file(lines), who="office_staff")
    # The officer files nothing (kpis.file is the offices' own capability).
    assert plan_of(tenant_a, csv_file(lines), who="officer").counts["error"] == 4


def test_a_failure_half_way_saves_nothing(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Something the preview could not see refuses the whole file: earlier months roll back."""
    from kpis import upload
    from kpis.services import FilingLocked

    calls: list[date] = []

    def save_failing_on_the_third(**kwargs: Any) -> StaffingReport:
        calls.append(kwargs["month"])
        if len(calls) == 3:
            raise FilingLocked(kwargs["month"], date(2026, 10, 13))
        return staffing_report_save(**kwargs)

    monkeypatch.setattr(upload, "staffing_report_save", save_failing_on_the_third)
    before = filings(tenant_a)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        apply(tenant_a, csv_file(corporation_lines(tenant_a)))
    assert len(calls) == 3
    assert "is locked" in excinfo.value.messages[0]
    assert excinfo.value.messages[0].startswith("Row ")
    assert filings(tenant_a) == before
    with scope(association=tenant_a.association.pk):
        assert not StaffingChange.objects.filter(via="upload").exists()


def test_a_filing_changed_after_the_preview_is_not_overwritten(tenant_a: Tenant) -> None:
    """Someone saves office 1's September between preview and apply: the apply refuses."""
    data = csv_file(corporation_lines(tenant_a))
    preview = plan_of(tenant_a, data)
    with scope(association=tenant_a.association.pk):
        office = tenant_a.offices[0]
        staffing_report_save(
            office=office,
            month=SEPTEMBER,
            rows=[
                {
                    "job_category": "care_worker",
                    "employment_type": "regular",
                    "headcount_start": 10,
                    "hires": 0,
                    "separations": 0,
                    "separations_within_year": 0,
                    "headcount_end": 10,
                }
            ],
            user=tenant_a.users["office_admin"],
            expected_version=1,
            submit=True,
            today=TODAY,
        )
    changed = filings(tenant_a)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        apply(tenant_a, data, expected_fingerprint=preview.fingerprint)
    assert excinfo.value.code == "upload_stale"
    assert filings(tenant_a) == changed


def test_soft_findings_need_a_confirmation_or_a_comment(tenant_a: Tenant) -> None:
    """Start + hires − separations ≠ end: refused until confirmed; a comment explains it."""
    first = number(tenant_a, 0)
    line = [first, "", "2026-10", "介護職員", "正規", "10", "0", "0", "0", "12", "0", "", ""]
    plan = plan_of(tenant_a, csv_file([line]))
    assert not plan.has_errors
    assert plan.needs_confirmation
    assert [(w.row, w.column) for w in plan.warnings] == [(2, "月末職員数")]
    with pytest.raises(ValidationError) as excinfo:
        apply(tenant_a, csv_file([line]))
    assert excinfo.value.code == "upload_needs_confirmation"
    assert (first, OCTOBER) not in filings(tenant_a)

    apply(tenant_a, csv_file([line]), confirm_warnings=True)
    assert filings(tenant_a)[first, OCTOBER][1] == ReportStatus.SUBMITTED

    second = number(tenant_a, 1)
    explained = [second, "", "2026-10", "介護職員", "正規", "10", "0", "0", "0", "12", "0", "", ""]
    header = [*HEADER, "コメント"]
    data = csv_file([[*explained, "2名は他事業所からの異動"]], header=header)
    assert not plan_of(tenant_a, data).needs_confirmation
    apply(tenant_a, data)
    with scope(association=tenant_a.association.pk):
        report = StaffingReport.objects.get(office=tenant_a.offices[1], month=OCTOBER)
        assert report.comment == "2名は他事業所からの異動"


def test_start_headcount_is_carried_from_the_database(tenant_a: Tenant) -> None:
    """Office 1 filed September (month-end 10): October's empty start is 10."""
    first = number(tenant_a, 0)
    line = [first, "", "2026-10", "介護職員", "正規", "", "1", "0", "0", "11", "0", "1", ""]
    apply(tenant_a, csv_file([line]))
    assert filings(tenant_a)[first, OCTOBER][2] == [("care_worker", "regular", 10, 1, 0, 0, 11, 0)]
    # Office 2 has no September: nothing to carry forward.
    second = number(tenant_a, 1)
    with translation.override("en"):
        plan = plan_of(tenant_a, csv_file([[second, *line[1:]]]))
    assert [(e.row, e.column) for e in plan.errors] == [(2, "月初職員数")]


def test_a_line_twice_in_one_office_month_is_an_error(tenant_a: Tenant) -> None:
    first = number(tenant_a, 0)
    line = [first, "", "2026-10", "介護職員", "正規", "10", "0", "0", "0", "10", "", "", ""]
    with translation.override("en"):
        plan = plan_of(tenant_a, csv_file([line, line]))
        assert [e.text for e in plan.errors] == [
            f"Row 3: {first} 2026-10: this job and employment type are also in row 2."
        ]


def test_missing_required_column(tenant_a: Tenant) -> None:
    with pytest.raises(ValidationError) as excinfo:
        upload_read(data=csv_file([], header=["介護保険事業所番号", "職種"]), filename="k.csv")
    assert excinfo.value.code == "upload_no_month"


# --- pages ---------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def current_month_lines(tenant: Tenant, end: str = "10") -> list[list[str]]:
    month = f"{month_start(timezone.localdate()):%Y/%m}"
    return [
        [number(tenant, i), "", month, "介護職員", "正規", "10", "0", "0", "0", end, "", "", ""]
        for i in range(3)
    ]


def test_preview_then_apply_through_the_pages(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    this_month = month_start(timezone.localdate())
    preview = client.post(
        reverse("kpis:upload_preview"),
        {"file": upload("kpi.csv", csv_file(current_month_lines(tenant_a)))},
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert reverse("kpis:upload_apply") in html
    assert 'name="confirm"' not in html  # nothing to confirm
    token = preview.context["token"]
    fingerprint = preview.context["plan"].fingerprint

    # Another user cannot apply what this one uploaded.
    other = client_for(tenant_a, tenant_a.users["office_admin"])
    other.post(reverse("kpis:upload_apply"), {"upload": token, "fingerprint": fingerprint})
    with scope(association=tenant_a.association.pk):
        assert not StaffingReport.objects.filter(month=this_month).exists()

    applied = client.post(
        reverse("kpis:upload_apply"), {"upload": token, "fingerprint": fingerprint}, follow=True
    )
    assert applied.status_code == 200
    with scope(association=tenant_a.association.pk):
        assert StaffingReport.objects.filter(month=this_month, status="submitted").count() == 3
    # The kept file is gone: applying again asks for the file.
    again = client.post(reverse("kpis:upload_apply"), {"upload": token}, follow=True)
    assert again.redirect_chain == [(reverse("kpis:upload"), 302)]
    assert [m.level_tag for m in again.context["messages"]] == ["error"]


def test_confirmation_box_on_the_preview(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    this_month = month_start(timezone.localdate())
    data = csv_file(current_month_lines(tenant_a, end="12"))
    preview = client.post(reverse("kpis:upload_preview"), {"file": upload("kpi.csv", data)})
    html = preview.content.decode()
    assert 'name="confirm"' in html
    fields = {
        "upload": preview.context["token"],
        "fingerprint": preview.context["plan"].fingerprint,
    }
    refused = client.post(reverse("kpis:upload_apply"), fields)
    assert refused.status_code == 400
    with scope(association=tenant_a.association.pk):
        assert not StaffingReport.objects.filter(month=this_month).exists()
    client.post(reverse("kpis:upload_apply"), {**fields, "confirm": "on"})
    with scope(association=tenant_a.association.pk):
        assert StaffingReport.objects.filter(month=this_month).count() == 3


def test_preview_shows_rows_the_user_may_not_file(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    with translation.override("en"):
        preview = client.post(
            reverse("kpis:upload_preview"),
            {"file": upload("kpi.csv", csv_file(current_month_lines(tenant_a)))},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert preview.status_code == 200
    plan = preview.context["plan"]
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 2}
    assert reverse("kpis:upload_apply") not in preview.content.decode()


def test_unreadable_file_is_refused_on_the_form(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["corp_admin"])
    response = client.post(
        reverse("kpis:upload_preview"), {"file": upload("kpi.csv", b"\x81\x20\xff,\xfe")}
    )
    assert response.status_code == 400
    wrong_kind = client.post(reverse("kpis:upload_preview"), {"file": upload("x.pdf", b"%PDF")})
    assert wrong_kind.status_code == 400


def test_template_has_the_header_and_a_line_per_office(tenant_a: Tenant) -> None:
    response = client_for(tenant_a, tenant_a.users["corp_admin"]).get(
        reverse("kpis:upload_template")
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == [column.header for column in UPLOAD_COLUMNS]
    approved = {office.provider_number for office in tenant_a.offices[:3]}
    assert {line[0] for line in table[1:]} == approved
    # The fixture's office filed 介護職員・正規 before: its line says so.
    assert [line[3:5] for line in table[1:] if line[0] == number(tenant_a, 0)] == [
        ["介護職員", "正規"]
    ]
    # And the template reads back as an upload (its empty counts are errors to fill in).
    rows = upload_read(data=response.content, filename="t.csv")
    assert len(rows) == 3


def test_who_may_upload(tenant_a: Tenant) -> None:
    url = reverse("kpis:upload")
    assert client_for(tenant_a).get(url).status_code == 302
    assert client_for(tenant_a, tenant_a.users["leader"]).get(url).status_code == 403
    assert client_for(tenant_a, tenant_a.users["officer"]).get(url).status_code == 403
    for who in ("office_admin", "office_staff", "corp_admin"):
        assert client_for(tenant_a, tenant_a.users[who]).get(url).status_code == 200
