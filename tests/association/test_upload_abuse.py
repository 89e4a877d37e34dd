"""Crafted spreadsheets sent to the real upload pages: refused within a bound, with a message
that names the limit, by office staff (KPI filing) and officers (member roster) alike."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from core.spreadsheets import Importer
from kpis.upload import FilingUploadImporter
from members.roster import RosterImporter
from tests.conftest import client_for
from tests.core import crafted_xlsx
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
    assert elapsed < 5, elapsed  # empty rows took 8 s, the others minutes, before
