"""The printable flyer: one A4 page with the event's name, date and place, and a QR code that a
phone reads as the event's page."""

from __future__ import annotations

import io
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest
import zxingcpp
from django.core.cache import cache
from django.urls import reverse
from django_scopes import scope
from PIL import Image

from events.models import Event, Venue
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def make_event(tenant: Tenant, **extra: object) -> Event:
    with scope(association=tenant.association.pk):
        venue = Venue.objects.create(
            association=tenant.association,
            name="岡町コミュニティセンター",
            address="豊中市岡町1-2-3",
            postal_code="561-0884",
            map_url="https://maps.example.jp/?q=okamachi",
        )
        starts = datetime(2031, 10, 4, 13, 30, tzinfo=TOKYO)
        return Event.objects.create(
            association=tenant.association,
            title="介護のしごと体験会",
            title_kana="かいごのしごとたいけんかい",
            kind="hands_on",
            status="published",
            venue=venue,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            registration_required=True,
            capacity=40,
            **extra,
        )


def qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    source = tmp_path / "flyer.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
    )
    with Image.open(tmp_path / "page.png") as image:
        return [code.text for code in zxingcpp.read_barcodes(image)]


def test_flyer_is_one_a4_page_with_the_event_and_a_qr_code_to_its_page(
    tenant_a: Tenant, tmp_path: Path
) -> None:
    event = make_event(tenant_a)
    cache.clear()
    response = client_for(tenant_a).get(reverse("events:flyer", args=[event.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = reader.pages[0].extract_text()
    for expected in (
        tenant_a.association.name,
        "かいごのしごとたいけんかい",
        "介護のしごと体験会",
        "令和13年（2031年）10月4日",
        "13:30〜15:30",
        "岡町コミュニティセンター",
        "定員40名",
    ):
        assert expected in text.replace(" ", "").replace("\n", ""), expected
    page_url = f"http://{tenant_a.host}{reverse('events:detail', args=[event.pk])}"
    assert qr_codes(response.content, tmp_path) == [page_url]


def test_members_only_event_has_no_public_flyer(tenant_a: Tenant) -> None:
    event = make_event(tenant_a, audience="members")
    assert client_for(tenant_a).get(reverse("events:flyer", args=[event.pk])).status_code == 404


def test_the_event_image_is_embedded_and_nothing_is_fetched(tenant_a: Tenant) -> None:
    from django.core.files.base import ContentFile

    from tests.tenants import _logo_png

    event = make_event(tenant_a, image_alt="会場の様子")
    event.image.save("flyer-photo.png", ContentFile(_logo_png()), save=True)
    response = client_for(tenant_a).get(reverse("events:flyer", args=[event.pk]))
    assert response.status_code == 200
    page = pypdf.PdfReader(io.BytesIO(response.content)).pages[0]
    assert len(page.images) == 1
