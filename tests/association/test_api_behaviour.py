"""What every /api/ endpoint shares: the error shape, pagination bounds, throttling,
Idempotency-Key, ETag/If-Match and a schema that documents all of it.

The filing endpoints stand in for "an endpoint" where one is needed: the mechanisms under test
live in settings, middleware and base classes (association/api_*.py, idempotency.py), not in
these views.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from django_scopes import scope
from openapi_spec_validator import validate

from association.api_errors import ApiErrorMiddleware
from association.models import IdempotencyKey
from association.tasks import idempotency_keys_purge
from kpis.models import StaffingReport
from kpis.tokens import token_create
from tests.conftest import client_for
from tests.kpis.test_api import FILINGS, body, row
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db


def token_client(tenant: Tenant, office_index: int = 0) -> Client:
    with scope(association=tenant.association.pk):
        _token, raw = token_create(office=tenant.offices[office_index], name="t", created_by=None)
    client = client_for(tenant)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def post_json(client: Client, data: Any, **headers: str) -> Any:
    return client.post(FILINGS, json.dumps(data), content_type="application/json", headers=headers)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    answer: dict[str, Any] = json.loads(response.content)
    assert answer["code"] == code, answer
    assert isinstance(answer["detail"], str) and answer["detail"]
    return answer


# --- one error shape -----------------------------------------------------------------------


def test_errors_outside_the_views_answer_json(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """Paths no route takes, a non-integer id, another Accept, another method or body type."""
    client = token_client(tenant_a)
    assert_error(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(client.get(f"{FILINGS}abc/"), 404, "not_found")
    assert_error(client.get(f"{FILINGS}99999999/"), 404, "not_found")
    assert_error(client.get(FILINGS, headers={"Accept": "text/html"}), 406, "not_acceptable")
    assert_error(client.delete(FILINGS), 405, "method_not_allowed")
    plain = client.post(FILINGS, "month=2026-01", content_type="text/plain")
    assert_error(plain, 415, "unsupported_media_type")
    broken = client.post(FILINGS, '{"month": ', content_type="application/json")
    assert_error(broken, 400, "parse_error")
    unknown_host = Client(HTTP_HOST="nowhere.test").get("/api/v1/")
    assert_error(unknown_host, 404, "not_found")


def test_session_endpoints_answer_401_with_a_challenge(tenant_a: Tenant) -> None:
    response = client_for(tenant_a).get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Session realm="api"'
    bad_token = client_for(tenant_a).get(FILINGS, headers={"Authorization": "Bearer nope"})
    assert_error(bad_token, 401, "authentication_failed")
    assert bad_token["WWW-Authenticate"].startswith("Bearer")
    city = client_for(tenant_a, tenant_a.users["city"]).get("/api/v1/offices/")
    assert_error(city, 403, "permission_denied")


def test_field_errors_in_the_request_language(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    english = client.get("/api/v1/offices/?limit=abc", headers={"Accept-Language": "en"})
    answer = assert_error(english, 400, "invalid")
    assert [e["field"] for e in answer["errors"]] == ["limit"]
    assert "1 to 200" in answer["errors"][0]["message"]
    japanese = client.get("/api/v1/offices/?limit=abc", headers={"Accept-Language": "ja"})
    message = assert_error(japanese, 400, "invalid")["errors"][0]["message"]
    assert "200" in message and "整数" in message


def test_a_body_over_the_limit_is_413(tenant_a: Tenant, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = token_client(tenant_a)
    huge = {"month": "2026-10", "rows": [row()] * 40}
    assert_error(post_json(client, huge), 413, "request_too_large")
    assert_error(post_json(client, huge, **{"Idempotency-Key": "k"}), 413, "request_too_large")


def test_a_server_error_under_api_is_json() -> None:
    """Django's HTML 500 page (a bug in a view) becomes the JSON error under /api/ only."""
    from django.http import HttpResponseServerError

    middleware = ApiErrorMiddleware(lambda request: HttpResponseServerError("<h1>Error</h1>"))
    api = middleware(RequestFactory().get("/api/v1/anything/"))
    assert_error(api, 500, "server_error")
    page = middleware(RequestFactory().get("/events/"))
    assert page.content == b"<h1>Error</h1>"


# --- pagination ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=-1", "limit"),
        ("limit=1e3", "limit"),
        ("limit=%C2%B2", "limit"),  # "²": a digit to str.isdigit, not to us
        ("offset=-5", "offset"),
        ("offset=99999999999999999999", "offset"),
    ],
)
def test_bad_limit_or_offset_is_400_naming_it(tenant_a: Tenant, query: str, field: str) -> None:
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    answer = assert_error(client.get(f"/api/v1/offices/?{query}"), 400, "invalid")
    assert [e["field"] for e in answer["errors"]] == [field]


def test_limit_and_offset_page_through(tenant_a: Tenant) -> None:
    client = client_for(tenant_a, tenant_a.users["office_staff"])
    first = client.get("/api/v1/offices/?limit=2").json()
    rest = client.get("/api/v1/offices/?limit=200&offset=2").json()
    assert first["count"] == rest["count"] == 3
    assert len(first["results"]) == 2 and len(rest["results"]) == 1
    assert "limit=2" in first["next"] and rest["next"] is None


# --- throttling ----------------------------------------------------------------------------


def test_throttled_per_token_with_retry_after(tenant_a: Tenant, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/min", "api_user": "2/min", "api_anon": "2/min"},
    }
    first, second = token_client(tenant_a, 0), token_client(tenant_a, 1)
    assert [first.get(FILINGS).status_code for _ in range(3)] == [200, 200, 200]
    throttled = first.get(FILINGS)
    assert_error(throttled, 429, "throttled")
    assert 1 <= int(throttled["Retry-After"]) <= 61
    assert second.get(FILINGS).status_code == 200  # another token counts on its own
    anonymous = client_for(tenant_a)
    assert [anonymous.get("/api/v1/").status_code for _ in range(3)] == [200, 200, 429]
    person = client_for(tenant_a, tenant_a.users["office_staff"])
    assert person.get("/api/v1/me/").status_code == 200  # by user, not by address


# --- Idempotency-Key ------------------------------------------------------------------------


def test_idempotency_is_per_caller_and_expires(tenant_a: Tenant) -> None:
    office = tenant_a.offices[0].pk
    staff = client_for(tenant_a, tenant_a.users["office_staff"])
    first = post_json(staff, body(office=office), **{"Idempotency-Key": "once"})
    assert first.status_code == 201
    replay = post_json(staff, body(office=office), **{"Idempotency-Key": "once"})
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (201, "true")
    assert replay.json() == first.json()
    # The same key from someone else is their own request, not a replay of the first answer.
    head = client_for(tenant_a, tenant_a.users["corp_admin"])
    other = post_json(head, body(office=office), **{"Idempotency-Key": "once"})
    assert other.status_code == 409 and not other.has_header("Idempotent-Replayed")
    # Same key, other body: refused.
    changed = body(office=office, rows=[row(open_positions=7)])
    assert_error(
        post_json(staff, changed, **{"Idempotency-Key": "once"}), 422, "idempotency_key_reused"
    )
    # Other spacing and key order is the same body.
    same = json.dumps(dict(reversed(list(body(office=office).items()))), indent=2)
    respaced = staff.post(
        FILINGS, same, content_type="application/json", headers={"Idempotency-Key": "once"}
    )
    assert respaced["Idempotent-Replayed"] == "true"

    # After 24 hours the key is forgotten: the request runs again (and, the month filed, is
    # refused as stale - it was not replayed).
    with scope(association=tenant_a.association.pk):
        IdempotencyKey.objects.filter(key="once").update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    again = post_json(staff, body(office=office), **{"Idempotency-Key": "once"})
    assert again.status_code == 409 and not again.has_header("Idempotent-Replayed")

    assert_error(
        post_json(staff, body(), **{"Idempotency-Key": "ü"}), 400, "idempotency_key_invalid"
    )
    assert_error(
        post_json(staff, body(), **{"Idempotency-Key": "x" * 101}), 400, "idempotency_key_invalid"
    )


def test_the_purge_deletes_expired_keys_only(tenant_a: Tenant, tenant_b: Tenant) -> None:
    """The beat job crosses associations; live keys (the fixtures' own) stay."""
    with scope(association=tenant_a.association.pk):
        IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert idempotency_keys_purge() == 1
    with scope(association=tenant_a.association.pk):
        assert not IdempotencyKey.objects.exists()
    with scope(association=tenant_b.association.pk):
        assert IdempotencyKey.objects.count() == 1


# --- ETag and If-Match ------------------------------------------------------------------------


def test_stale_if_match_is_412_and_nothing_changes(tenant_a: Tenant) -> None:
    client = token_client(tenant_a)
    created = post_json(client, body()).json()
    url = f"{FILINGS}{created['id']}/"
    read = client.get(url)
    etag = read["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    def put(data: dict[str, Any], **headers: str) -> Any:
        return client.put(url, json.dumps(data), content_type="application/json", headers=headers)

    change = {"rows": [row(open_positions=4)], "submit": True}
    assert_error(put(change), 428, "precondition_required")
    changed = put(change, **{"If-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed["ETag"] == client.get(url)["ETag"]
    # A second writer still holding the first ETag is refused, and nothing is overwritten.
    stale = put({"rows": [row(open_positions=9)], "submit": True}, **{"If-Match": etag})
    assert_error(stale, 412, "precondition_failed")
    with scope(association=tenant_a.association.pk):
        report = StaffingReport.objects.get(pk=created["id"])
        assert report.version == 2
        assert report.rows.get().open_positions == 4
    # Another office's filing: not found, whatever the If-Match.
    other = token_client(tenant_a, 1)
    assert (
        other.put(
            url, json.dumps(change), content_type="application/json", headers={"If-Match": "*"}
        ).status_code
        == 404
    )


# --- the schema ------------------------------------------------------------------------------


def test_schema_is_valid_and_documents_every_answer(tenant_a: Tenant) -> None:
    document = client_for(tenant_a).get("/api/schema/?format=json").json()
    validate(document)
    root = document["paths"]["/api/v1/"]["get"]
    assert root["security"] == [] and "401" not in root["responses"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}"
            assert {"400", "403", "404", "406", "429", "500"} <= codes, where
            if operation.get("security") != []:
                assert "401" in codes, where
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, where
            if method in ("post", "put", "patch"):
                assert "422" in codes, where
                names = {p["name"] for p in operation.get("parameters", [])}
                assert "Idempotency-Key" in names, where
    put = document["paths"]["/api/v1/filings/{staffing_report_pk}/"]["put"]
    assert {"412", "428"} <= set(put["responses"])
    assert "If-Match" in {p["name"] for p in put["parameters"]}
    limit = next(
        p
        for p in document["paths"]["/api/v1/offices/"]["get"]["parameters"]
        if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == 200
