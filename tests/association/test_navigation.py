"""Issue 12: the menu shows each person the pages they may open, and nothing that answers 403
(the city was offered 会員事業所一覧, 部会 and 入会申請); each role lands where its work is
after a real log-in, and a `next` parameter still wins.

Expected menus and landing pages are written out here, not read from the code under test."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from subcommittees.models import Subcommittee, SubcommitteeKind
from tests.conftest import client_for
from tests.tenants import PASSWORD, Tenant, make_user

pytestmark = pytest.mark.django_db

# Every link the logged-in menu can hold.
CANDIDATES = (
    "association:dashboard",
    "admin:index",
    "members:directory",
    "subcommittees:list",
    "news:manage",
    "reports:list",
    "members:my_offices",
    "recruitment:posting_list",
    "members:applications",
)
OFFICE_MENU = {
    "members:directory",
    "subcommittees:list",
    "members:my_offices",
    "recruitment:posting_list",
    "members:applications",
}
EXPECTED_MENU: dict[str, set[str]] = {
    "officer": {
        "association:dashboard",
        "admin:index",
        "members:directory",
        "subcommittees:list",
        "news:manage",
        "reports:list",
    },
    "leader": {"association:dashboard", "members:directory", "subcommittees:list", "news:manage"},
    "office_admin": OFFICE_MENU,
    "office_staff": OFFICE_MENU,
    "corp_admin": OFFICE_MENU,
    "city": {"reports:list"},
    "applicant": {"members:applications"},  # signed up, no role yet
    "operator": set(CANDIDATES),
}
# Open to anyone logged in, but not for everyone's menu (an officer's or the city's own
# office applications list, an office list that is empty for them).
NOT_FOR_EVERYONE = {"members:my_offices", "members:applications"}


def _users(tenant: Tenant) -> dict[str, Any]:
    users = dict(tenant.users)
    users["applicant"] = make_user("applicant@alpha.example")
    users["operator"] = make_user("operator@alpha.example", superuser=True, totp_secret="A" * 32)
    return users


def _menu(html: str) -> list[str]:
    nav = html.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("role", list(EXPECTED_MENU))
def test_the_menu_shows_what_the_role_may_open_and_every_link_answers(
    tenant_a: Tenant, role: str
) -> None:
    user = _users(tenant_a)[role]
    client = client_for(tenant_a, user)
    menu = _menu(client.get("/").content.decode())
    urls = {reverse(name): name for name in CANDIDATES}
    shown = {urls[href] for href in menu if href in urls}
    assert shown == EXPECTED_MENU[role]
    answers = {name: client.get(reverse(name)).status_code for name in CANDIDATES}
    for name in shown:
        assert answers[name] == 200, (role, name, answers[name])
    may_open = {name for name, status in answers.items() if status == 200}
    assert may_open - NOT_FOR_EVERYONE <= shown, (role, may_open - shown)


def test_the_city_is_not_offered_the_directory_subcommittees_or_applications(
    tenant_a: Tenant,
) -> None:
    page = client_for(tenant_a, tenant_a.users["city"]).get(reverse("reports:list"))
    text = page.content.decode()
    nav = text.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
    for label in ("会員事業所一覧", "部会", "入会申請"):
        assert label not in nav, label
    assert "月次報告" in nav


def _log_in(tenant: Tenant, email: str, *, next_url: str | None = None, totp: str = "") -> str:
    """A real log-in through allauth's form (and its two-factor step): where it sends us."""
    client = Client(HTTP_HOST=tenant.host)
    data = {"login": email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post(reverse("account_login"), data)
    assert response.status_code == 302, response.content.decode()[:500]
    if totp:
        assert response["Location"].startswith(reverse("mfa_authenticate"))
        code = format_hotp_value(hotp_value(totp, int(time.time()) // 30))
        response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302
    location = response["Location"]
    assert client.get(location).status_code == 200, location
    return location


def test_each_role_lands_where_its_work_is(tenant_a: Tenant) -> None:
    users = tenant_a.users
    office = tenant_a.offices[0]
    with scope(association=tenant_a.association.pk):
        kyotaku = Subcommittee.objects.get(kind=SubcommitteeKind.KYOTAKU)
    expected = {
        "officer": reverse("association:dashboard"),
        "leader": reverse("subcommittees:detail", kwargs={"subcommittee_pk": kyotaku.pk}),
        "office_admin": reverse("kpis:filing", kwargs={"office_pk": office.pk}),
        "office_staff": reverse("kpis:filing", kwargs={"office_pk": office.pk}),
        "corp_admin": reverse("members:my_offices"),  # several offices: the list first
        "city": reverse("reports:list"),
    }
    for role, landing in expected.items():
        secret = tenant_a.totp_secrets.get(role, "")
        assert _log_in(tenant_a, users[role].email, totp=secret) == landing, role


def test_a_next_parameter_still_wins(tenant_a: Tenant) -> None:
    city = _log_in(tenant_a, tenant_a.users["city"].email, next_url="/events/")
    assert city == "/events/"
    officer = _log_in(
        tenant_a,
        tenant_a.users["officer"].email,
        next_url=reverse("reports:list"),
        totp=tenant_a.totp_secrets["officer"],
    )
    assert officer == reverse("reports:list")


def test_someone_without_a_role_lands_on_the_home_page(tenant_a: Tenant) -> None:
    user = get_user_model().objects.create_user(
        username="nobody@alpha.example", email="nobody@alpha.example", password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    assert _log_in(tenant_a, user.email) == "/"
