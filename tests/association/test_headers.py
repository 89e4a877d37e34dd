"""Headers that keep pages safe and personal data out of caches, and keys out of the logs."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from association.logging import GunicornLogger, RedactSecretsFilter, redact
from events.models import Event, Registration
from tests.conftest import client_for
from tests.tenants import Tenant

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>")


def _policy(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def _event(tenant: Tenant) -> Event:
    with scope(association=tenant.association.pk):
        return Event.objects.get(title__startswith=tenant.marker)


def test_every_page_has_a_policy_without_inline_script(tenant_a: Tenant) -> None:
    event = _event(tenant_a)
    anonymous = Client(HTTP_HOST=tenant_a.host)
    officer = client_for(tenant_a, tenant_a.users["officer"])
    pages = [
        (anonymous, "/"),
        (anonymous, "/events/"),
        (anonymous, f"/events/{event.pk}/"),
        (anonymous, f"/events/{event.pk}/register/"),
        (anonymous, "/accounts/login/"),
        (anonymous, "/no-such-page/"),
        (officer, "/dashboard/"),
        (officer, "/admin/"),
        (officer, "/admin/events/event/add/"),
        (officer, f"/events/{event.pk}/registrations/"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code in {200, 404}, path
        policy = _policy(response)
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert not INLINE_SCRIPT.search(response.content.decode()), path


def test_swagger_ui_loads_its_script_as_a_file(tenant_a: Tenant) -> None:
    client = Client(HTTP_HOST=tenant_a.host)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not INLINE_SCRIPT.search(html)
    policy = _policy(page)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]  # Swagger UI's own styles, this page only
    script_url = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', html)
    assert script_url, html
    script = client.get(script_url.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_pages_with_personal_data_are_not_stored(tenant_a: Tenant) -> None:
    event = _event(tenant_a)
    officer = client_for(tenant_a, tenant_a.users["officer"])
    office = tenant_a.offices[0]
    for path in (
        reverse("events:registrations", args=[event.pk]),
        reverse("events:registrations_print", args=[event.pk]),
        reverse("events:registrations_csv", args=[event.pk]),
        reverse("members:applications"),
        reverse("members:office_staff", args=[office.pk]),
        reverse("members:my_offices"),
    ):
        response = officer.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        assert "public" not in response["Cache-Control"], path
    # The pages a registrant reaches by the key in their email, with no account.
    with scope(association=tenant_a.association.pk):
        registration = Registration.objects.filter(event__association=tenant_a.association).first()
    assert registration is not None
    anonymous = Client(HTTP_HOST=tenant_a.host)
    for name in ("registration", "cancel", "offer"):
        response = anonymous.get(reverse(f"events:{name}"), {"key": registration.cancel_key})
        assert "no-store" in response["Cache-Control"], name
    assert "no-store" in anonymous.get(f"/events/{event.pk}/register/")["Cache-Control"]


def test_members_only_event_images_are_never_public(tenant_a: Tenant) -> None:
    event = _event(tenant_a)
    url = reverse("events:image", kwargs={"event_pk": event.pk})
    assert Client(HTTP_HOST=tenant_a.host).get(url)["Cache-Control"] == "public, max-age=3600"
    with scope(association=tenant_a.association.pk):
        Event.objects.filter(pk=event.pk).update(audience="members")
    member = client_for(tenant_a, tenant_a.users["office_staff"])
    response = member.get(url)
    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_keys_are_redacted_from_log_records(caplog: pytest.LogCaptureFixture) -> None:
    assert redact("GET /events/cancel/?key=abc-DEF_123 HTTP/1.1") == (
        "GET /events/cancel/?key=[redacted] HTTP/1.1"
    )
    assert redact("/accounts/login/?next=/members/invitation/%3Fkey%3DSECRET") == (
        "/accounts/login/?next=/members/invitation/%3Fkey%3D[redacted]"
    )
    assert redact("/accounts/password/reset/key/3-abc-def/") == (
        "/accounts/password/reset/key/[redacted]/"
    )
    assert redact("/events/?month=2026-12&kind=job_fair") == "/events/?month=2026-12&kind=job_fair"
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x/?key=SECRET",), None
    )
    assert RedactSecretsFilter().filter(record)
    assert record.getMessage() == "Not Found: /x/?key=[redacted]"


def test_django_request_log_is_redacted(tenant_a: Tenant) -> None:
    """Django's 'Not Found' warning names the path; the console handler redacts its keys."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/accounts/confirm-email/SECRETKEY/",),
        None,
    )
    assert handler.filter(record)
    assert "SECRETKEY" not in handler.format(record)


def test_gunicorn_access_log_is_redacted() -> None:
    """What gunicorn writes: its access-log format applied to the wrapped atoms, as
    gunicorn's Logger.access does, with a format naming the request line, the query, the
    Referer and the response's Location."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config

    logger = GunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/events/offer/?key=OFFERSECRET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/events/offer/",
        "QUERY_STRING": "key=OFFERSECRET",
        "HTTP_REFERER": "https://alpha.test/events/registration/?key=OFFERSECRET",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", "/x/?key=K2")])
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))
    )
    line = (logger.cfg.access_log_format + ' "%(q)s" %({location}o)s') % atoms
    assert "OFFERSECRET" not in line and "K2" not in line
    assert '"GET /events/offer/?key=[redacted] HTTP/1.1"' in line
    assert "/events/registration/?key=[redacted]" in line and "/x/?key=[redacted]" in line
    assert atoms["r"] == "GET /events/offer/?key=[redacted] HTTP/1.1"
    # A quote in a redacted value stays escaped as gunicorn escapes it: no field can be forged.
    environ["HTTP_REFERER"] = 'https://alpha.test/x/?key=abc"def'
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0))
    )
    assert atoms["f"] == 'https://alpha.test/x/?key=[redacted]\\"def'
    assert "abc" not in logger.cfg.access_log_format % atoms
