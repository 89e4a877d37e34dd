"""sitemap.xml and robots.txt per association host; an office removes a posting's photo (the
stored file goes too); officers show a hidden posting again; a posting re-opens after expiry."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope
from PIL import Image

from events.models import Audience, Event, EventKind, EventStatus
from recruitment.models import JobPosting, JobPostingPhoto, PostingStatus
from recruitment.services import (
    posting_close,
    posting_copy_to_offices,
    posting_hide,
    posting_reopen,
    postings_expire,
)
from tests.conftest import client_for
from tests.news.test_articles import make_article
from tests.recruitment.jobs import make_posting
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _event(tenant: Tenant, title: str, audience: str) -> Event:
    start = timezone.now() + timedelta(days=10)
    with scope(association=tenant.association.pk):
        return Event.objects.create(
            association=tenant.association,
            title=title,
            kind=EventKind.STUDY_SESSION,
            status=EventStatus.PUBLISHED,
            audience=audience,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )


def test_sitemap_lists_open_postings_and_public_events_of_the_host(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with scope(association=tenant_a.association.pk):
        open_posting = make_posting(tenant_a.offices[0], title="公開中")
        closed = make_posting(tenant_a.offices[0], title="終了")
        posting_close(posting=closed, by=None)
        draft = make_posting(tenant_a.offices[0], title="下書き", publish=False)
    public = _event(tenant_a, "市民向け", Audience.PUBLIC)
    members = _event(tenant_a, "会員向け", Audience.MEMBERS)
    with scope(association=tenant_b.association.pk):
        other = make_posting(tenant_b.offices[0], title="ベータの求人")
    story = make_article(tenant_a, "公開記事")
    unpublished = make_article(tenant_a, "下書き記事", publish=False)

    response = client_for(tenant_a).get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own answer
    urls = {u.findtext("s:loc", namespaces=NS) or "": u for u in root.findall("s:url", NS)}
    base = f"http://{tenant_a.host}"
    assert f"{base}/jobs/{open_posting.pk}/" in urls
    assert f"{base}/accessibility/" in urls
    assert urls[f"{base}/jobs/{open_posting.pk}/"].findtext("s:lastmod", namespaces=NS)
    assert f"{base}/jobs/{closed.pk}/" not in urls
    assert f"{base}/jobs/{draft.pk}/" not in urls
    assert f"{base}/jobs/{other.pk}/" not in urls and not any("beta" in u for u in urls)
    assert f"{base}/events/{public.pk}/" in urls
    assert f"{base}/events/{members.pk}/" not in urls
    assert f"{base}/news/{story.pk}/" in urls and f"{base}/news/{unpublished.pk}/" not in urls
    assert f"{base}/jobs/" in urls and f"{base}/" in urls

    # Cached: the second answer costs at most the host's lookup.
    with CaptureQueriesContext(connection) as queries:
        assert client_for(tenant_a).get("/sitemap.xml").content == response.content
    assert len(queries) <= 1
    # A posting that closes leaves the sitemap at once (the job board's version changes).
    with scope(association=tenant_a.association.pk):
        posting_close(posting=open_posting, by=None)
    again = client_for(tenant_a).get("/sitemap.xml").content.decode()
    assert f"/jobs/{open_posting.pk}/" not in again

    robots = client_for(tenant_a).get("/robots.txt")
    assert robots.status_code == 200 and robots["Content-Type"].startswith("text/plain")
    text = robots.content.decode()
    assert f"Sitemap: {base}/sitemap.xml" in text
    assert "Disallow: /jobs/application/" in text and "Disallow: /admin/" in text
    assert f"Sitemap: http://{tenant_b.host}/sitemap.xml" in (
        client_for(tenant_b).get("/robots.txt").content.decode()
    )


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile("room.png", buffer.getvalue(), content_type="image/png")


def test_office_removes_a_photo_and_its_file(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    url = reverse("recruitment:posting_detail", args=[posting.pk])
    for alt in ("食堂", "居室"):
        response = staff.post(url, {"action": "photo", "image": _png(), "alt": alt})
        assert response.status_code == 302
    with scope(association=tenant_a.association.pk):
        first, second = JobPostingPhoto.objects.filter(posting=posting).order_by("position")
        (copy,) = posting_copy_to_offices(
            posting=posting, office_ids=[tenant_a.offices[1].pk], by=None
        )
    assert default_storage.exists(first.image.name)
    page = staff.get(url).content.decode()
    assert "Remove this photo" in page
    # The copy shares the second photo's file: removing it here keeps the file for the copy.
    with scope(association=tenant_a.association.pk):
        JobPostingPhoto.objects.filter(posting=copy, image=first.image.name).delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url, {"action": "delete_photo", "photo": first.pk}).status_code == 302
        assert staff.post(url, {"action": "delete_photo", "photo": second.pk}).status_code == 302
    with scope(association=tenant_a.association.pk):
        assert not JobPostingPhoto.objects.filter(posting=posting).exists()
        assert JobPostingPhoto.objects.filter(posting=copy).count() == 1
    assert not default_storage.exists(first.image.name)
    assert default_storage.exists(second.image.name)
    # Someone else's photo id on this posting: nothing removed, a clear message.
    with scope(association=tenant_a.association.pk):
        kept = JobPostingPhoto.objects.get(posting=copy)
    page = staff.post(
        url, {"action": "delete_photo", "photo": kept.pk}, follow=True
    ).content.decode()
    assert "already been removed" in page
    with scope(association=tenant_a.association.pk):
        assert JobPostingPhoto.objects.filter(pk=kept.pk).exists()


def test_officer_shows_a_hidden_posting_again_and_the_office_is_told(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    office = tenant_a.offices[0]
    office.email = "office1@alpha.example"
    office.save(update_fields=["email"])
    with scope(association=tenant_a.association.pk):
        posting = make_posting(office, title="夜勤専従")
        posting_hide(posting=posting, reason="給与の記載が不正確です", by=None)
    officer = client_for(tenant_a, tenant_a.users["officer"])
    url = reverse("recruitment:posting_hide", args=[posting.pk])
    page = officer.get(url).content.decode()
    assert "Show the posting again" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(url, {"action": "unhide"})
    assert response.status_code == 302
    posting.refresh_from_db()
    assert posting.status == PostingStatus.CLOSED and posting.hidden_reason == ""
    assert any("夜勤専従" in m.subject and "office1@alpha.example" in m.to for m in mail.outbox)
    # Back with the office, which re-opens it; the board shows it again.
    with scope(association=tenant_a.association.pk):
        posting_reopen(posting=posting, by=None)
    assert client_for(tenant_a).get(reverse("jobs:detail", args=[posting.pk])).status_code == 200
    # Only a hidden posting can be shown again.
    response = officer.post(url, {"action": "unhide"}, follow=True)
    assert "Only a hidden posting can be shown again." in response.content.decode()
    # Office people cannot.
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    assert staff.post(url, {"action": "unhide"}).status_code == 403


def test_a_posting_closed_by_expiry_reopens_with_a_new_date(tenant_a: Tenant) -> None:
    today = timezone.localdate()
    with scope(association=tenant_a.association.pk):
        posting = make_posting(tenant_a.offices[0])
        JobPosting.objects.filter(pk=posting.pk).update(expires_on=today - timedelta(days=1))
        assert postings_expire(today=today)[0] == 1
        posting.refresh_from_db()
        assert posting.status == PostingStatus.CLOSED
        with pytest.raises(ValidationError):
            posting_reopen(posting=posting, by=None)  # the old date has passed
        with pytest.raises(ValidationError):
            posting_reopen(posting=posting, by=None, expires_on=today + timedelta(days=400))
        posting_reopen(posting=posting, by=None, expires_on=today + timedelta(days=30))
        posting.refresh_from_db()
    assert posting.status == PostingStatus.PUBLISHED
    assert posting.expires_on == today + timedelta(days=30)
    page = client_for(tenant_a).get(reverse("jobs:detail", args=[posting.pk])).content.decode()
    assert "募集は終了しました" not in page
