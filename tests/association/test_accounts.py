"""Accounts: email log-in, verified sign-up, brute-force limits and two-factor for officers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.tenants import PASSWORD, Tenant, make_user

pytestmark = pytest.mark.django_db


def login(client: Client, email: str, password: str) -> Any:
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_office_staff_logs_in_by_email(tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    response = login(client, tenant_a.users["office_staff"].email, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("association:home")).context["user"].is_authenticated


def test_signup_requires_email_verification(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(tenant_a)
    with django_capture_on_commit_callbacks(execute=True):  # mail is queued on commit
        response = client.post(
            reverse("account_signup"),
            {
                "email": "new.person@care.example",
                "password1": "a-good-long-password-42",
                "password2": "a-good-long-password-42",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    # Not verified yet: logging in sends them back to verification, not into the site.
    response = login(client_for(tenant_a), "new.person@care.example", "a-good-long-password-42")
    assert response["Location"] == reverse("account_email_verification_sent")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", str(mail.outbox[0].body))
    assert link, mail.outbox[0].body
    client.post(link.group(1))
    user = get_user_model().objects.get(email="new.person@care.example")
    assert EmailAddress.objects.get(user=user).verified


def test_repeated_failed_logins_are_blocked(tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    email = tenant_a.users["office_staff"].email
    for _ in range(5):
        response = login(client, email, "wrong-password")
        assert response.status_code == 200  # form re-shown with an error
    # Sixth attempt within five minutes: refused even with the right password.
    response = login(client, email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "ログイン失敗が連続しています" in response.content.decode()
    # Another account from another address is not affected.
    other = Client(HTTP_HOST=tenant_a.host, REMOTE_ADDR="192.0.2.7")
    assert login(other, tenant_a.users["city"].email, PASSWORD).status_code == 302


def test_officer_without_totp_must_set_it_up(tenant_a: Tenant) -> None:
    officer = tenant_a.users["officer"]
    Authenticator.objects.filter(user=officer).delete()
    client = client_for(tenant_a)
    login(client, officer.email, PASSWORD)
    for url in (reverse("association:dashboard"), reverse("admin:index"), "/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before showing the TOTP secret.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(
        reverse("account_reauthenticate")
    )
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "otpauth://" in page.content.decode() or "secret" in page.content.decode().lower()


def test_superuser_without_totp_must_set_it_up(tenant_a: Tenant) -> None:
    operator = make_user("operator@renkei.example", superuser=True)
    response = client_for(tenant_a, operator).get(reverse("admin:index"))
    assert response["Location"] == reverse("mfa_activate_totp")


def test_office_staff_need_no_totp(tenant_a: Tenant) -> None:
    response = client_for(tenant_a, tenant_a.users["office_staff"]).get("/")
    assert response.status_code == 200


def test_english_is_selectable(tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    assert "ログイン" in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert 'lang="en"' in body and "Log in" in body


def test_password_reset_by_email(tenant_a: Tenant, django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(tenant_a)
    email = tenant_a.users["office_staff"].email
    with django_capture_on_commit_callbacks(execute=True):  # mail is queued on commit
        response = client.post(reverse("account_reset_password"), {"email": email})
    assert response.status_code == 302
    assert mail.outbox[-1].to == [email]
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", str(mail.outbox[-1].body)
    )
    assert link, mail.outbox[-1].body
    form_page = client.get(link.group(1), follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)
    response = client.post(
        action, {"password1": "a-brand-new-password-77", "password2": "a-brand-new-password-77"}
    )
    assert response.status_code == 302
    assert login(client_for(tenant_a), email, "a-brand-new-password-77").status_code == 302
