"""Roster import and export: files people really save, previews, atomic apply, isolation.

Files are built here as Excel and friends would write them: CSV in CP932, in UTF-8 with and
without BOM, and XLSX. Expected values were worked out from domain.md's rules by hand.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_scopes import scope
from openpyxl import Workbook, load_workbook

from members.models import Corporation, Office, OfficeStatus
from members.roster import (
    RosterPlan,
    RowAction,
    roster_export,
    roster_import_apply,
    roster_plan,
    roster_read,
)
from members.services import office_create
from tests.conftest import client_for
from tests.tenants import Tenant, corporate_number, provider_number

pytestmark = pytest.mark.django_db

HEADERS = [
    "法人名",
    "法人名フリガナ",
    "法人種別",
    "法人番号",
    "事業所名",
    "事業所名フリガナ",
    "介護保険事業所番号",
    "サービス種類コード",
    "郵便番号",
    "所在地",
    "電話番号",
    "メールアドレス",
    "定員",
    "状態",
]

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def typed_like_a_person(number: str) -> str:
    """２７７ー３０００－０１‐２: full-width digits, three kinds of hyphen."""
    wide = number.translate(FULL_WIDTH)
    return f"{wide[:3]}ー{wide[3:7]}－{wide[7:9]}‐{wide[9:]}"


# New offices in district 30 (tenant_a uses 20, tenant_b 22), in two new corporations and
# one existing (アルファ福祉会, matched by its exact name).
GAMMA_NUMBER = corporate_number(30001)


def base_roster() -> list[list[Any]]:
    return [
        [
            "社会福祉法人ガンマ会",
            "ガンマカイ",
            "社会福祉法人",
            f"{GAMMA_NUMBER[:4]} {GAMMA_NUMBER[4:]}",
            "ガンマ居宅介護支援事業所",
            "ガンマキョタク",
            typed_like_a_person(provider_number("30", 1)),
            "43",
            "〒５６０－００２２",
            "豊中市中桜塚3-1-1",
            "０６ー６８４０ー１２３４",
            "gamma1@example.jp",
            "",
            "会員",
        ],
        [
            "社会福祉法人ガンマ会",
            "ガンマカイ",
            "社会福祉法人",
            GAMMA_NUMBER,
            "ガンマ特別養護老人ホーム",
            "ガンマトクヨウ",
            provider_number("30", 2),
            "51、21",
            "560-0023",
            "豊中市中桜塚3-1-2",
            "06-6840-1235",
            "",
            "80",
            "",
        ],
        [
            "株式会社ガンマケア",  # no type, no number: the type is read from the name
            "",
            "",
            "",
            "ガンマ訪問介護",
            "",
            provider_number("30", 3),
            "11 ａ２",
            "5600024",
            "豊中市中桜塚3-1-3",
            "06 6840 1236",
            "",
            "",
            "休止",
        ],
        [
            "アルファ福祉会",
            "",
            "",
            "",
            "アルファ新通所",
            "",
            provider_number("30", 4),
            "15,78",
            "",
            "",
            "",
            "",
            "18",
            "承認済",
        ],
    ]


# What base_roster() registers, by provider number.
EXPECTED: dict[str, dict[str, Any]] = {
    provider_number("30", 1): {
        "corporation": ("社会福祉法人ガンマ会", "ガンマカイ", "social_welfare", GAMMA_NUMBER),
        "name": "ガンマ居宅介護支援事業所",
        "kana": "ガンマキョタク",
        "services": ["43"],
        "postal_code": "560-0022",
        "address": "豊中市中桜塚3-1-1",
        "phone": "06-6840-1234",
        "email": "gamma1@example.jp",
        "capacity": None,
        "status": "approved",
    },
    provider_number("30", 2): {
        "corporation": ("社会福祉法人ガンマ会", "ガンマカイ", "social_welfare", GAMMA_NUMBER),
        "name": "ガンマ特別養護老人ホーム",
        "kana": "ガンマトクヨウ",
        "services": ["21", "51"],
        "postal_code": "560-0023",
        "address": "豊中市中桜塚3-1-2",
        "phone": "06-6840-1235",
        "email": "",
        "capacity": 80,
        "status": "approved",
    },
    provider_number("30", 3): {
        "corporation": ("株式会社ガンマケア", "", "stock_company", ""),
        "name": "ガンマ訪問介護",
        "kana": "",
        "services": ["11", "A2"],
        "postal_code": "560-0024",
        "address": "豊中市中桜塚3-1-3",
        "phone": "06-6840-1236",
        "email": "",
        "capacity": None,
        "status": "suspended",
    },
    provider_number("30", 4): {
        "corporation": ("アルファ福祉会", "", "social_welfare", corporate_number(20001)),
        "name": "アルファ新通所",
        "kana": "",
        "services": ["15", "78"],
        "postal_code": "",
        "address": "",
        "phone": "",
        "email": "",
        "capacity": 18,
        "status": "approved",
    },
}


def csv_file(rows: list[list[Any]], encoding: str, headers: list[str] = HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # Excel's CSV: commas, quotes when needed, CRLF
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        # Excel stores what looks like a number as a number: provider numbers and capacity.
        sheet.append(
            [int(v) if isinstance(v, str) and v.isascii() and v.isdigit() else v for v in row]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FILES: dict[str, Callable[[list[list[Any]]], bytes]] = {
    "cp932.csv": lambda rows: csv_file(rows, "cp932"),
    "utf8-bom.csv": lambda rows: csv_file(rows, "utf-8-sig"),
    "utf8.csv": lambda rows: csv_file(rows, "utf-8"),
    "roster.xlsx": xlsx_file,
}


def snapshot(tenant: Tenant) -> dict[str, dict[str, Any]]:
    """Every office of the tenant as the roster sees it."""
    with scope(association=tenant.association.pk):
        offices = Office.objects.select_related("corporation").prefetch_related("services")
        return {
            office.provider_number: {
                "corporation": (
                    office.corporation.name,
                    office.corporation.kana,
                    office.corporation.kind,
                    office.corporation.corporate_number,
                ),
                "name": office.name,
                "kana": office.kana,
                "services": sorted(s.service_code for s in office.services.all()),
                "postal_code": office.postal_code,
                "address": office.address,
                "phone": office.phone,
                "email": office.email,
                "capacity": office.capacity,
                "status": office.status,
            }
            for office in offices
        }


def plan_for(tenant: Tenant, data: bytes, filename: str) -> RosterPlan:
    with scope(association=tenant.association.pk):
        return roster_plan(
            association=tenant.association, rows=roster_read(data=data, filename=filename)
        )


def apply(tenant: Tenant, data: bytes, filename: str) -> RosterPlan:
    with scope(association=tenant.association.pk):
        return roster_import_apply(
            association=tenant.association,
            data=data,
            filename=filename,
            user=tenant.users["officer"],
        )


# --- reading every kind of file ------------------------------------------------------------


@pytest.mark.parametrize("filename", list(FILES))
def test_each_kind_of_file_imports_the_same_roster(tenant_a: Tenant, filename: str) -> None:
    """CP932, UTF-8 with and without BOM and XLSX: the same offices, normalised."""
    before = snapshot(tenant_a)
    data = FILES[filename](base_roster())

    plan = plan_for(tenant_a, data, filename)
    assert plan.counts == {"create": 4, "update": 0, "unchanged": 0, "error": 0}
    assert [row.row for row in plan.rows] == [2, 3, 4, 5]
    assert len(plan.new_corporations) == 2  # ガンマ会 once for two rows; アルファ福祉会 exists
    apply(tenant_a, data, filename)

    after = snapshot(tenant_a)
    assert {k: v for k, v in after.items() if k in before} == before
    assert {k: v for k, v in after.items() if k not in before} == EXPECTED


def test_the_preview_shows_normalised_identifiers(tenant_a: Tenant) -> None:
    """Full-width digits, odd hyphens, 〒 and spaces are shown as they will be stored."""
    plan = plan_for(tenant_a, csv_file(base_roster(), "cp932"), "meibo.csv")
    first = plan.rows[0]
    assert first.provider_number == provider_number("30", 1)
    assert first.values["postal_code"] == "560-0022"
    assert first.values["phone"] == "06-6840-1234"
    assert first.values["corporate_number"] == GAMMA_NUMBER
    assert plan.rows[2].values["service_codes"] == ["11", "A2"]


def test_english_headers_and_utf16_tab_separated_text_are_read(tenant_a: Tenant) -> None:
    """Excel's "Unicode text" (UTF-16, tabs) with English headers."""
    headers = [
        "Corporation",
        "Corporation kana",
        "Corporation type",
        "Corporate number",
        "Office name",
        "Kana",
        "Provider number",
        "Service codes",
        "Postal code",
        "Address",
        "Phone",
        "Email",
        "Capacity",
        "Status",
    ]
    text = "\r\n".join("\t".join(row) for row in [headers, *base_roster()])
    plan = plan_for(tenant_a, text.encode("utf-16"), "roster.txt")
    assert plan.counts["create"] == 4
    assert not plan.has_errors


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"\x80\xa0\xfd\xfe,\x81\x20", "meibo.csv", "roster_encoding"),
        (b"PK\x03\x04 not really a zip", "meibo.xlsx", "roster_xlsx"),
        (b"plain text", "meibo.xlsx", "roster_xlsx"),
        (b"\xd0\xcf\x11\xe0", "meibo.xls", "roster_xls"),
        ("名前,住所\r\na,b\r\n".encode(), "meibo.csv", "roster_no_provider_number"),
        (b"", "meibo.csv", "roster_empty"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(
    data: bytes, filename: str, code: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        roster_read(data=data, filename=filename)
    assert excinfo.value.code == code
    assert excinfo.value.messages[0]


def test_numeric_cells_keep_their_leading_zeros() -> None:
    """Excel turns 0170000001 (北海道) into the number 170000001."""
    workbook = Workbook()
    workbook.active.append(["介護保険事業所番号", "郵便番号", "定員"])
    workbook.active.append([170000001, 600001, 29.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [row] = roster_read(data=buffer.getvalue(), filename="hokkaido.xlsx")
    assert row == {
        "row": 2,
        "provider_number": "0170000001",
        "postal_code": "0600001",
        "capacity": "29",
    }


# --- broken rows ---------------------------------------------------------------------------


def broken_roster() -> list[list[Any]]:
    good, bad_digit, unknown_code, duplicate, duplicate_again, no_name = (
        list(row) for row in [base_roster()[0]] * 6
    )
    wrong = provider_number("30", 2)
    bad_digit[6] = wrong[:9] + str((int(wrong[9]) + 1) % 10)
    unknown_code[6], unknown_code[7] = provider_number("30", 3), "43、99"
    duplicate[6] = duplicate_again[6] = provider_number("30", 5)
    no_name[6], no_name[4] = provider_number("30", 6), ""
    return [good, bad_digit, unknown_code, duplicate, duplicate_again, no_name]


@pytest.mark.parametrize("filename", ["cp932.csv", "roster.xlsx"])
def test_broken_rows_save_nothing_and_every_error_names_row_and_column(
    tenant_a: Tenant, filename: str
) -> None:
    data = FILES[filename](broken_roster())
    before = snapshot(tenant_a)
    with scope(association=tenant_a.association.pk):
        corporations = Corporation.objects.count()

    plan = plan_for(tenant_a, data, filename)
    assert {(error.row, error.column) for error in plan.errors} == {
        (3, "介護保険事業所番号"),  # check digit
        (4, "サービス種類コード"),  # 99
        (5, "介護保険事業所番号"),  # same number as row 6
        (6, "介護保険事業所番号"),  # same number as row 5
        (7, "事業所名"),  # blank
    }
    assert plan.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 5}

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        apply(tenant_a, data, filename)
    messages = excinfo.value.messages
    assert len(messages) == 5
    assert messages[0].startswith("Row 3, 介護保険事業所番号: The check digit")
    assert "Unknown service type code: 99" in messages[1]
    assert messages[2].startswith("Row 5, 介護保険事業所番号:")
    assert "also in row 6" in messages[2]
    assert messages[4] == "Row 7, 事業所名: This field is required."

    assert snapshot(tenant_a) == before  # not even the good row 2
    with scope(association=tenant_a.association.pk):
        assert Corporation.objects.count() == corporations


def test_an_application_is_not_decided_by_an_import(tenant_a: Tenant) -> None:
    """Approving grants the applicant access and emails them: the dashboard does that."""
    pending = tenant_a.offices[-1]
    assert pending.status == OfficeStatus.APPLIED
    data = csv_file(
        [
            [
                "",
                "",
                "",
                "",
                pending.name,
                "",
                pending.provider_number,
                "",
                "",
                "",
                "",
                "",
                "",
                "会員",
            ]
        ],
        "utf-8",
    )
    # サービス種類コード is blank on purpose too: a present column must not be emptied.
    plan = plan_for(tenant_a, data, "meibo.csv")
    assert {error.column for error in plan.errors} == {"状態", "サービス種類コード"}


# --- re-importing and updating -------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(tenant_a: Tenant) -> None:
    data = csv_file(base_roster(), "cp932")
    apply(tenant_a, data, "meibo.csv")
    after_first = snapshot(tenant_a)

    plan = apply(tenant_a, data, "meibo.csv")
    assert plan.counts == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    assert snapshot(tenant_a) == after_first


def test_a_changed_file_updates_exactly_the_changed_fields(tenant_a: Tenant) -> None:
    apply(tenant_a, xlsx_file(base_roster()), "meibo.xlsx")
    before = snapshot(tenant_a)

    rows = base_roster()
    rows[0][10] = "06-6840-9999"  # phone
    rows[1][7] = "51 21 32"  # services
    rows[1][12] = "100"  # capacity
    rows[2][13] = "退会"  # status: suspended → withdrawn
    rows[3][0], rows[3][3] = "社会福祉法人ガンマ会", GAMMA_NUMBER  # moves to another corporation
    data = xlsx_file(rows)

    plan = plan_for(tenant_a, data, "meibo.xlsx")
    assert plan.counts == {"create": 0, "update": 4, "unchanged": 0, "error": 0}
    assert [[c.key for c in row.changes] for row in plan.rows] == [
        ["phone"],
        ["capacity", "service_codes"],
        ["status"],
        ["corporation"],
    ]
    change = plan.rows[0].changes[0]
    assert (change.column, change.before, change.after) == (
        "電話番号",
        "06-6840-1234",
        "06-6840-9999",
    )

    apply(tenant_a, data, "meibo.xlsx")
    expected = {number: dict(values) for number, values in before.items()}
    expected[provider_number("30", 1)]["phone"] = "06-6840-9999"
    expected[provider_number("30", 2)]["services"] = ["21", "32", "51"]
    expected[provider_number("30", 2)]["capacity"] = 100
    expected[provider_number("30", 3)]["status"] = "withdrawn"
    expected[provider_number("30", 4)]["corporation"] = EXPECTED[provider_number("30", 1)][
        "corporation"
    ]
    assert snapshot(tenant_a) == expected


def test_columns_missing_from_the_file_are_left_alone(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0]
    data = csv_file([[office.provider_number, "06-1111-2222"]], "utf-8", ["事業所番号", "電話"])
    plan = plan_for(tenant_a, data, "phones.csv")
    assert plan.counts["update"] == 1
    assert [c.key for c in plan.rows[0].changes] == ["phone"]
    apply(tenant_a, data, "phones.csv")
    with scope(association=tenant_a.association.pk):
        office.refresh_from_db()
        assert office.phone == "06-1111-2222"
        assert list(office.services.values_list("service_code", flat=True)) == ["43"]


# --- export --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_reimport_changes_nothing(tenant_a: Tenant, tenant_b: Tenant, fmt: str) -> None:
    apply(tenant_a, csv_file(base_roster(), "utf-8"), "meibo.csv")
    with scope(association=tenant_a.association.pk):
        # A name Excel would take for a formula must come back as the same text.
        office_create(
            association=tenant_a.association,
            corporation=Corporation.objects.get(name="アルファ福祉会"),
            name='=HYPERLINK("http://example.com")',
            provider_number=provider_number("30", 9),
            service_codes=["17"],
            phone="06 6840 0000",  # stored as typed in a form; the import reads it as equal
        )
        exported = roster_export(fmt=fmt)  # type: ignore[arg-type]
    before = snapshot(tenant_a)

    if fmt == "csv":
        assert exported.startswith(b"\xef\xbb\xbf")
        text = exported.decode("utf-8-sig")
        assert text.splitlines()[0] == ",".join(HEADERS)
        assert "'=HYPERLINK" in text
    else:
        sheet = load_workbook(io.BytesIO(exported)).active
        assert [cell.value for cell in sheet[1]] == HEADERS
        [formula_like] = [
            row[4] for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[4].value)
        ]
        assert formula_like.data_type == "s"  # text, not a formula
        assert all(row[6].data_type == "s" for row in sheet.iter_rows(min_row=2))  # numbers as text
    assert tenant_b.marker.encode() not in exported

    plan = plan_for(tenant_a, exported, f"export.{fmt}")
    assert not plan.errors
    assert plan.counts == {"create": 0, "update": 0, "unchanged": len(before), "error": 0}
    apply(tenant_a, exported, f"export.{fmt}")
    assert snapshot(tenant_a) == before


# --- another association -------------------------------------------------------------------


def test_another_associations_offices_are_never_matched_or_touched(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """B's provider and corporate numbers are new to A; importing them into A leaves B alone."""
    b_office = tenant_b.offices[0]
    b_before = snapshot(tenant_b)
    rows = base_roster()
    rows.append(
        [
            "ベータ福祉会",
            "",
            "社会福祉法人",
            corporate_number(22001),
            "エー側の事業所",
            "",
            b_office.provider_number,
            "43",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    data = csv_file(rows, "cp932")

    plan = plan_for(tenant_a, data, "meibo.csv")
    assert not plan.has_errors  # not a duplicate of B's office
    assert plan.rows[-1].action == RowAction.CREATE
    assert plan.rows[-1].new_corporation is not None  # B's corporation is not A's
    apply(tenant_a, data, "meibo.csv")

    assert snapshot(tenant_b) == b_before
    a_offices = snapshot(tenant_a)
    assert a_offices[b_office.provider_number]["name"] == "エー側の事業所"

    # And B's export holds none of A's new offices.
    with scope(association=tenant_b.association.pk):
        exported = roster_export(fmt="csv").decode("utf-8-sig")
    assert "ガンマ" not in exported and "エー側" not in exported
    assert exported.count(b_office.provider_number) == 1


def test_planning_reads_the_same_number_of_queries_for_10_or_100_rows(tenant_a: Tenant) -> None:
    def rows(count: int) -> list[dict[str, Any]]:
        existing = [office.provider_number for office in tenant_a.offices]
        result = []
        for index in range(count):
            number = existing[index] if index < len(existing) else provider_number("31", index)
            result.append(
                {
                    "row": index + 2,
                    "corporation_name": "アルファ福祉会" if index % 2 else f"新法人{index}",
                    "corporation_kind": "株式会社",
                    "name": f"事業所{index}",
                    "provider_number": number,
                    "service_codes": "43",
                    "status": "",
                }
            )
        return result

    queries = []
    for count in (10, 100):
        with scope(association=tenant_a.association.pk), CaptureQueriesContext(connection) as ctx:
            plan = roster_plan(association=tenant_a.association, rows=rows(count))
        assert not plan.has_errors
        queries.append(len(ctx.captured_queries))
    assert queries[0] == queries[1] <= 4


# --- the pages -----------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_officer_uploads_previews_and_applies(tenant_a: Tenant, tenant_b: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    page = client.get(reverse("members:roster"))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()

    data = csv_file(base_roster(), "cp932")
    preview = client.post(reverse("members:roster_preview"), {"file": upload("名簿.csv", data)})
    assert preview.status_code == 200
    assert preview.context["counts"] == {"create": 4, "update": 0, "unchanged": 0, "error": 0}
    html = preview.content.decode()
    assert provider_number("30", 1) in html  # normalised, as it will be stored
    assert 'id="row-2"' in html and '<th scope="row" class="num">2</th>' in html
    assert snapshot(tenant_a).keys().isdisjoint(EXPECTED)  # a preview writes nothing

    token = preview.context["token"]
    response = client.post(
        reverse("members:roster_apply"),
        {"upload": token, "fingerprint": preview.context["plan"].fingerprint},
        follow=True,
    )
    assert response.redirect_chain[-1] == (reverse("members:roster"), 302)
    assert "名簿.csv" in response.content.decode()
    office_numbers = snapshot(tenant_a)
    assert set(EXPECTED) <= set(office_numbers)
    assert {k: office_numbers[k] for k in EXPECTED} == EXPECTED

    # The kept file is gone after the import: applying again asks for the file.
    again = client.post(reverse("members:roster_apply"), {"upload": token}, follow=True)
    assert again.redirect_chain[-1] == (reverse("members:roster"), 302)
    assert len(list(again.context["messages"])) == 1

    # B's officer on A's host cannot use A's kept files, nor see the pages.
    other = client_for(tenant_a, tenant_b.users["officer"])
    assert other.post(reverse("members:roster_apply"), {"upload": token}).status_code == 403


def test_preview_with_errors_offers_no_import(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    with translation.override("en"):
        response = client.post(
            reverse("members:roster_preview"),
            {"file": upload("broken.xlsx", xlsx_file(broken_roster()))},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("members:roster_apply") not in html
    assert response.context["counts"]["error"] == 5
    assert 'href="#row-7"' in html and 'id="row-7"' in html


def test_apply_refuses_when_the_offices_changed_after_the_preview(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    office = tenant_a.offices[0]
    data = csv_file([[office.provider_number, "06-1111-2222"]], "utf-8", ["事業所番号", "電話"])
    preview = client.post(reverse("members:roster_preview"), {"file": upload("p.csv", data)})
    assert preview.context["counts"]["update"] == 1
    with scope(association=tenant_a.association.pk):
        Office.objects.filter(pk=office.pk).update(phone="06-1111-2222")  # someone else did it

    response = client.post(
        reverse("members:roster_apply"),
        {"upload": preview.context["token"], "fingerprint": preview.context["plan"].fingerprint},
    )
    assert response.status_code == 400
    assert response.context["apply_errors"]
    assert response.context["counts"]["unchanged"] == 1  # the fresh preview


def test_upload_limits_and_permissions(tenant_a: Tenant) -> None:
    officer = client_for(tenant_a, tenant_a.users["officer"])
    too_big = upload("big.csv", b"a" * (5 * 1024 * 1024 + 1))
    response = officer.post(reverse("members:roster_preview"), {"file": too_big})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]

    wrong_kind = officer.post(reverse("members:roster_preview"), {"file": upload("x.pdf", b"%PDF")})
    assert wrong_kind.status_code == 400

    unreadable = officer.post(
        reverse("members:roster_preview"), {"file": upload("x.csv", b"\x81\x20\xff")}
    )
    assert unreadable.status_code == 400
    assert "CP932" in str(unreadable.context["form"].errors["file"])

    data = csv_file(base_roster(), "utf-8")
    for role in ("leader", "office_admin", "office_staff", "city"):
        client = client_for(tenant_a, tenant_a.users[role])
        response = client.post(reverse("members:roster_preview"), {"file": upload("m.csv", data)})
        assert response.status_code == 403, role
    assert client_for(tenant_a).get(reverse("members:roster_export_csv")).status_code == 302


def test_export_downloads(tenant_a: Tenant, tenant_b: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["officer"])
    csv_response = client.get(reverse("members:roster_export_csv"))
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in csv_response["Content-Disposition"]
    assert "no-store" in csv_response["Cache-Control"]
    body = csv_response.content.decode("utf-8-sig")
    assert all(office.provider_number in body for office in tenant_a.offices)
    assert tenant_b.marker not in body

    xlsx_response = client.get(reverse("members:roster_export_xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet.max_row == len(tenant_a.offices) + 1
    assert sheet["C2"].value == "社会福祉法人"  # CorporationKind.SOCIAL_WELFARE, in Japanese


def test_the_dashboard_links_officers_to_the_roster(tenant_a: Tenant) -> None:
    roster_url = reverse("members:roster")
    officer = client_for(tenant_a, tenant_a.users["officer"]).get(reverse("association:dashboard"))
    assert f'href="{roster_url}"' in officer.content.decode()
    leader = client_for(tenant_a, tenant_a.users["leader"]).get(reverse("association:dashboard"))
    assert leader.status_code == 200
    assert roster_url not in leader.content.decode()  # leaders may not import


def test_a_failure_half_way_through_the_apply_saves_nothing(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Something the preview could not see (a registration meanwhile) refuses the whole file."""
    from members import roster

    real_office_create = roster.office_create
    calls = []

    def office_create_failing_on_the_third(**kwargs: Any) -> Office:
        calls.append(kwargs["provider_number"])
        if len(calls) == 3:
            raise ValidationError({"provider_number": ["already held by 別の事業所"]})
        return real_office_create(**kwargs)

    monkeypatch.setattr(roster, "office_create", office_create_failing_on_the_third)
    before = snapshot(tenant_a)
    with scope(association=tenant_a.association.pk):
        corporations = Corporation.objects.count()

    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        apply(tenant_a, csv_file(base_roster(), "utf-8"), "meibo.csv")
    assert excinfo.value.messages == ["Row 4, 介護保険事業所番号: already held by 別の事業所"]
    assert len(calls) == 3
    assert snapshot(tenant_a) == before  # rows 2 and 3 were rolled back too
    with scope(association=tenant_a.association.pk):
        assert Corporation.objects.count() == corporations
