"""Files in S3-compatible object storage (moto's server, started by the test): a report built by
a real Celery worker lands in the bucket, not on the disk, and the city downloads it from there
through the permission-checked page."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django_scopes import scope
from pypdf import PdfReader

from reports.services import monthly_report_publish, monthly_report_request
from tests.conftest import ObjectStore, client_for
from tests.reports.test_report_build_worker import wait_for
from tests.tenants import Tenant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_on_object_store(object_store: ObjectStore, celery_worker: Path) -> ObjectStore:
    """The store first, so the worker starts with its S3_* environment."""
    return object_store


def test_a_report_built_by_a_worker_is_stored_in_the_bucket_and_downloaded_from_it(
    worker_on_object_store: ObjectStore, tenant_a: Tenant
) -> None:
    store = worker_on_object_store
    association = tenant_a.association
    with scope(association=association.pk):
        report = monthly_report_request(
            association=association, month=date(2026, 8, 1), kind="recruitment"
        )
    built = wait_for(tenant_a, report.pk, lambda r: r.status != "building", 120)
    assert built.status == "draft", built.error

    assert {built.pdf.name, built.xlsx.name} <= set(store.object_names())
    assert not (Path(settings.MEDIA_ROOT) / built.pdf.name).exists()

    url = reverse("reports:pdf", kwargs={"monthly_report_pk": built.pk})
    city = client_for(tenant_a, tenant_a.users["city"])
    assert city.get(url).status_code == 404  # a draft: not for the city yet
    with scope(association=association.pk):
        monthly_report_publish(report=built, by=tenant_a.users["officer"])
    assert client_for(tenant_a, tenant_a.users["office_admin"]).get(url).status_code == 403

    response: Any = city.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert association.name in text


def test_event_images_and_flyers_are_read_from_the_bucket(
    object_store: ObjectStore, tenant_a: Tenant
) -> None:
    """Uploaded images (saved by the tenant's set-up through the storage API) are in the bucket
    (not on the disk: the report test shows that with its random names); the public image view
    streams one, and the flyer embeds it from there."""
    from events.models import Event

    with scope(association=tenant_a.association.pk):
        event = Event.objects.get(title=f"{tenant_a.marker}就職フェア")
    assert event.image.name in object_store.object_names()
    visitor = client_for(tenant_a)
    image: Any = visitor.get(reverse("events:image", kwargs={"event_pk": event.pk}))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    with event.image.open("rb") as stored:
        assert b"".join(image.streaming_content) == stored.read()
    flyer = visitor.get(reverse("events:flyer", kwargs={"event_pk": event.pk}))
    assert flyer.status_code == 200 and flyer["Content-Type"] == "application/pdf"
    assert b"/Image" in flyer.getvalue()
