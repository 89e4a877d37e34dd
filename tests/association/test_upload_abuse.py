"""Crafted spreadsheets sent to the real upload pages: refused within a bound, with a message
that names the limit, by office staff (KPI filing) and officers (member roster) alike; and
the uploads kept between preview and apply, bounded per user."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from redis import Redis

from core.spreadsheets import Importer
from kpis.upload import FilingUploadImporter
from members.roster import RosterImporter
from tests.conftest import client_for
from tests.core import crafted_xlsx
from tests.members.test_roster import base_roster, csv_file
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

PAGES = [
    ("office_staff", "kpis:upload_preview", FilingUploadImporter()),
    ("officer", "members:roster_preview", RosterImporter()),
]

CRAFTED: list[tuple[str, Callable[[list[str]], bytes], str]] = [
    ("empty-rows", crafted_xlsx.empty_rows, "rows; split it into smaller files"),
    ("wide-rows", crafted_xlsx.wide_rows, "Row 2 of the file has more than 1000 cells"),
    ("shared-strings", crafted_xlsx.shared_strings_bomb, "cells and other entries"),
]


def headers(importer: Importer) -> list[str]:
    return [column.header for column in importer.columns if column.key in importer.required]


@pytest.mark.parametrize(("role", "url", "importer"), PAGES, ids=["kpis", "roster"])
@pytest.mark.parametrize(("name", "build", "message"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_a_crafted_xlsx_is_refused_by_the_upload_page_within_a_bound(
    tenant_a: Tenant,
    role: str,
    url: str,
    importer: Importer,
    name: str,
    build: Callable[[list[str]], bytes],
    message: str,
) -> None:
    data = build(headers(importer))
    assert len(data) < 500_000  # small enough for any upload limit
    client = client_for(tenant_a, tenant_a.users[role])
    started = time.monotonic()
    with translation.override("en"):
        response = client.post(
            reverse(url),
            {"file": SimpleUploadedFile(f"{name}.xlsx", data)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors["file"])
    assert message in errors, errors
    # Before: empty rows 8 s, the others minutes. The bound allows for a loaded machine
    # (the shared strings' budget takes 1.4 s to reach at a load of 9 on two cores).
    assert elapsed < 10, elapsed


def stashed_uploads() -> list[str]:
    """Keys of uploaded files kept in Redis, read from Redis itself."""
    redis = Redis.from_url(settings.REDIS_CACHE_URL)
    return [key.decode() for key in redis.scan_iter(match="*:upload:*", count=1000)]


def test_each_user_keeps_at_most_three_uploaded_files(tenant_a: Tenant) -> None:
    """Before: every preview kept its file for an hour, however many a user sent."""
    if not settings.REDIS_CACHE_URL:
        pytest.skip("the cache is Redis only when REDIS_CACHE_URL or REDIS_URL is set")
    officer = client_for(tenant_a, tenant_a.users["officer"])
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    data = csv_file(base_roster(), "utf-8")
    tokens, fingerprints = [], []
    for n in range(6):
        response = officer.post(
            reverse("members:roster_preview"), {"file": SimpleUploadedFile(f"m{n}.csv", data)}
        )
        assert response.status_code == 200
        tokens.append(response.context["token"])
        fingerprints.append(response.context["plan"].fingerprint)
    kpi = staff.post(
        reverse("kpis:upload_preview"),
        {"file": SimpleUploadedFile("k.csv", ",".join(headers(FilingUploadImporter())).encode())},
    )
    assert kpi.status_code in (200, 400)
    officer_pk = str(tenant_a.users["officer"].pk)
    officers = [key for key in stashed_uploads() if key.split(":")[-2] == officer_pk]
    assert len(officers) == 3
    assert all(any(key.endswith(token) for key in officers) for token in tokens[-3:])

    refused = officer.post(reverse("members:roster_apply"), {"upload": tokens[0]}, follow=True)
    assert "3つ以上のファイルをアップロードしたため" in refused.content.decode()
    applied = officer.post(
        reverse("members:roster_apply"), {"upload": tokens[-1], "fingerprint": fingerprints[-1]}
    )
    assert applied.status_code == 302
    assert len([k for k in stashed_uploads() if k.endswith(tokens[-1])]) == 0


@pytest.mark.parametrize(("role", "url", "importer"), PAGES, ids=["kpis", "roster"])
def test_a_read_past_its_time_is_stopped_with_a_message(
    tenant_a: Tenant, settings: Any, role: str, url: str, importer: Importer
) -> None:
    """The second wall: whatever the reader does, it does it in a child process that is
    killed when its time is up (here 0.2 s for a file that takes seconds)."""
    settings.SPREADSHEET_READ_SECONDS = 0.2
    data = crafted_xlsx.many_cells(headers(importer))
    client = client_for(tenant_a, tenant_a.users[role])
    started = time.monotonic()
    response = client.post(reverse(url), {"file": SimpleUploadedFile("slow.xlsx", data)})
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    assert "0.2秒以内に読み込めませんでした" in " ".join(response.context["form"].errors["file"])
