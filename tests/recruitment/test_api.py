"""/api/v1/jobs/ (public board), /api/v1/postings/ and /api/v1/applications/ (an office's own,
by token or session): scope, services behind every write, constant queries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from recruitment.models import JobPosting, PostingStatus
from tests.api_errors import error_fields
from tests.conftest import client_for
from tests.kpis.test_api import api, new_token
from tests.recruitment.jobs import apply, make_posting, posting_fields
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def _json(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}


def _send(client: Any, method: str, url: str, data: dict[str, Any]) -> Any:
    return client.generic(method, url, json.dumps(data), content_type="application/json")


def test_public_board_shows_open_postings_of_the_host_association_only(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with scope(association=tenant_a.association.pk):
        own = make_posting(tenant_a.offices[0], title="公開中の求人")
        draft = make_posting(tenant_a.offices[0], publish=False, title="下書きの求人")
    anonymous = client_for(tenant_a)
    body = anonymous.get("/api/v1/jobs/").json()
    assert [job["id"] for job in body["results"]] == [own.pk]
    assert body["results"][0]["office"]["name"] == tenant_a.offices[0].name
    assert body["results"][0]["url"].endswith(f"/jobs/{own.pk}/")
    assert tenant_b.marker not in json.dumps(body, ensure_ascii=False)
    assert anonymous.get(f"/api/v1/jobs/{own.pk}/").json()["title"] == own.title
    foreign = tenant_b.recruitment["job_posting"]
    for missing in (draft.pk, foreign.pk):
        assert anonymous.get(f"/api/v1/jobs/{missing}/").status_code == 404
    assert anonymous.get("/api/v1/jobs/?job_category=nonsense").status_code == 400
    assert anonymous.get("/api/v1/jobs/?q=下書き").json()["count"] == 0


def test_an_office_token_posts_edits_and_publishes_its_own_postings(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    token = api(tenant_a, new_token(tenant_a))
    fields = _json(posting_fields(title="APIからの求人"))
    created = _send(token, "POST", "/api/v1/postings/", fields)
    assert created.status_code == 201, created.content
    posting = created.json()
    assert posting["status"] == "draft" and posting["office"] == tenant_a.offices[0].pk
    assert posting["application_count"] == 0
    url = f"/api/v1/postings/{posting['id']}/"
    # The service's own checks come back field by field.
    refused = _send(token, "PATCH", url, {"pay_max": 1000})
    assert refused.status_code == 400 and "pay_max" in error_fields(refused)
    changed = _send(token, "PATCH", url, {"title": "APIで直した求人", "status": "published"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "APIで直した求人" and changed.json()["status"] == "published"
    assert _send(token, "PATCH", url, {"status": "draft"}).status_code == 400
    with scope(association=tenant_a.association.pk):
        assert JobPosting.objects.get(pk=posting["id"]).status == PostingStatus.PUBLISHED
    # Another office of the association: not the token's (403); another association's: 404.
    with scope(association=tenant_a.association.pk):
        other = make_posting(tenant_a.offices[1], title="別事業所の求人")
    assert token.get(f"/api/v1/postings/{other.pk}/").status_code == 403
    assert _send(token, "PATCH", f"/api/v1/postings/{other.pk}/", {"title": "x"}).status_code == 403
    foreign = tenant_b.recruitment["job_posting"]
    assert token.get(f"/api/v1/postings/{foreign.pk}/").status_code == 404
    # A new posting for another office is refused (the place of work must be the token's).
    elsewhere = _send(token, "POST", "/api/v1/postings/", {**fields, "office": other.office_id})
    assert elsewhere.status_code == 400 and "office" in error_fields(elsewhere)
    listed = [p["id"] for p in token.get("/api/v1/postings/").json()["results"]]
    assert posting["id"] in listed and other.pk not in listed


def test_people_post_for_their_offices_and_officers_never_see_applicants(
    tenant_a: Tenant,
) -> None:
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    office = tenant_a.offices[0].pk
    created = _send(
        staff, "POST", "/api/v1/postings/", {**_json(posting_fields()), "office": office}
    )
    assert created.status_code == 201, created.content
    with scope(association=tenant_a.association.pk):
        assert (
            JobPosting.objects.get(pk=created.json()["id"]).created_by
            == (tenant_a.users["office_staff"])
        )
    with scope(association=tenant_a.association.pk):
        application, _key = apply(make_posting(tenant_a.offices[0]))
        apply(make_posting(tenant_a.offices[1]), email="other@example.com")
    body = staff.get("/api/v1/applications/").json()
    assert [a["id"] for a in body["results"]] == [application.pk]
    assert body["results"][0]["email"] == application.email
    officer = client_for(tenant_a, tenant_a.users["officer"])
    for url in ("/api/v1/applications/", "/api/v1/postings/"):
        assert officer.get(url).status_code == 403
    assert client_for(tenant_a).get("/api/v1/applications/").status_code in (401, 403)


def test_office_lists_take_a_constant_number_of_queries(tenant_a: Tenant) -> None:
    token = api(tenant_a, new_token(tenant_a))
    token.get("/api/v1/postings/")  # the token's first use is noted once

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert token.get(url).status_code == 200
        return len(queries)

    urls = ("/api/v1/postings/", "/api/v1/applications/", "/api/v1/jobs/")
    with scope(association=tenant_a.association.pk):
        apply(make_posting(tenant_a.offices[0], title="求人"), email="first@example.com")
    before = [count(url) for url in urls]
    with scope(association=tenant_a.association.pk):
        for n in range(3):
            apply(make_posting(tenant_a.offices[0], title=f"求人{n}"), email=f"a{n}@example.com")
    assert [count(url) for url in urls] == before


def test_a_stale_if_match_changes_nothing(tenant_a: Tenant) -> None:
    """Two clients read the posting; the second one's change after the first one's is a 412."""
    token = api(tenant_a, new_token(tenant_a))
    created = _send(token, "POST", "/api/v1/postings/", _json(posting_fields(title="元の求人")))
    url = f"/api/v1/postings/{created.json()['id']}/"
    etag = token.get(url)["ETag"]
    first = token.generic(
        "PATCH",
        url,
        json.dumps({"title": "一人目が直した"}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] != etag
    second = token.generic(
        "PATCH",
        url,
        json.dumps({"title": "二人目が直した"}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert second.status_code == 412, second.content
    assert token.get(url).json()["title"] == "一人目が直した"
    assert token.get(url)["ETag"] == first["ETag"]
