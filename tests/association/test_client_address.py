"""The client address behind a trusted proxy, and the log-in limits that count per address."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from association.client import client_address
from tests.tenants import PASSWORD, Tenant

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def _request(remote: str, forwarded: str | None = None) -> Any:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(_request("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_right_most_hop_is_the_client() -> None:
    # The client forged a first hop; our proxy appended the address it really saw.
    assert client_address(_request(PROXY, "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(_request(PROXY, "203.0.113.9")) == "203.0.113.9"
    # No header (a health check from inside): the peer's address.
    assert client_address(_request(PROXY)) == PROXY
    # Garbage in the header: the peer's address, not the garbage.
    assert client_address(_request(PROXY, "not-an-address")) == PROXY


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_their_hops_are_skipped() -> None:
    assert client_address(_request(PROXY, "1.2.3.4, 203.0.113.9, 10.0.0.4")) == "203.0.113.9"
    assert client_address(_request(PROXY, "2001:db8::1")) == "2001:db8::1"


def _fail_logins(client: Client, count: int) -> None:
    for n in range(count):
        response = client.post(
            reverse("account_login"), {"login": f"nobody{n}@example.org", "password": "wrong"}
        )
        assert response.status_code == 200


def _logs_in(client: Client, email: str) -> bool:
    client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return "_auth_user_id" in client.session


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(tenant_a: Tenant) -> None:
    """Every request reaches gunicorn from the proxy's address; the limit counts clients."""
    attacker = Client(
        HTTP_HOST=tenant_a.host, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66"
    )
    _fail_logins(attacker, 11)
    assert not _logs_in(attacker, tenant_a.users["office_staff"].email)  # the attacker is limited
    neighbour = Client(
        HTTP_HOST=tenant_a.host, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    assert _logs_in(neighbour, tenant_a.users["office_staff"].email)


def test_without_the_setting_a_forged_header_does_not_escape_the_limit(tenant_a: Tenant) -> None:
    """A client facing gunicorn directly cannot reset its count by inventing X-Forwarded-For."""
    for n in range(11):
        Client(
            HTTP_HOST=tenant_a.host, REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).post(reverse("account_login"), {"login": f"nobody{n}@example.org", "password": "wrong"})
    forger = Client(
        HTTP_HOST=tenant_a.host, REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.99"
    )
    assert not _logs_in(forger, tenant_a.users["office_staff"].email)
    other = Client(HTTP_HOST=tenant_a.host, REMOTE_ADDR="192.0.2.51")
    assert _logs_in(other, tenant_a.users["office_staff"].email)
