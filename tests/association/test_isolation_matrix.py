"""Every route × every role × (own object, another office's, another association's) × every
method the route accepts: nobody reaches what they should not, and a refused write changes
nothing.

The expected answers come from `MAY` below, written by hand, not from the permissions code
under test. A route of the URL conf that `MAY` does not list fails the suite (and so does a
row for a route that no longer exists): whoever adds a route says here who may use it.

Roles: anonymous; each role of association A (tests/tenants.py ROLE_NAMES); and B's officer,
logged in on A's host. Objects (tests/tenants.py `build_matrix_objects`): "own" is the role
holders' own (office 1 of A's corporation, 居宅部会, A's public job fair, …), "other" another
office's in A (an office of another corporation, 入所部会 and its subcommittee-only event, …),
"foreign" B's own. A route that names no object is tried once, as "own".

For each role a route refuses, every unsafe method the route accepts is sent too (with a
body that would change something if the check were missing), and the rows of every model of
the project must be the same afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled

from association.models import Association
from association.permissions import CAPABILITIES, AccessPolicy
from tests.conftest import client_for
from tests.tenants import ROLE_NAMES, MatrixObjects, Tenant, build_matrix_objects, build_tenant

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None
    callback: Any
    converters: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            routes += _walk(
                entry.url_patterns,
                prefix + str(entry.pattern),
                f"{namespace}:{ns}".strip(":") if ns else namespace,
            )
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else None
            converters = tuple(entry.pattern.regex.groupindex)
            routes.append(Route(prefix + str(entry.pattern), name, entry.callback, converters))
    return routes


ALL_ROUTES = _walk(get_resolver().url_patterns)
ADMIN_ROUTES = [r for r in ALL_ROUTES if r.pattern.startswith("admin/")]
APP_ROUTES = [
    r for r in ALL_ROUTES if not r.pattern.startswith(("admin/", "static/", "media/", "^media/"))
]


def _is_allauth(route: Route) -> bool:
    return getattr(route.callback, "__module__", "").startswith("allauth.")


# allauth's pages (log-in, sign-up, password reset …): any of these, and no other tenant's data.
ALLAUTH_STATUSES = {200, 302, 400, 404, 405}
MATRIX_ROUTES = [r for r in APP_ROUTES if not _is_allauth(r)]
ALLAUTH_ROUTES = [r for r in APP_ROUTES if _is_allauth(r)]

# --- who may: the table -------------------------------------------------------------------

ANONYMOUS, OFFICER_OF_B = "anonymous", "officer_of_b"
OFFICER, LEADER, OFFICE_ADMIN, OFFICE_STAFF, CORP_ADMIN, CITY = ROLE_NAMES
WHO = (ANONYMOUS, *ROLE_NAMES, OFFICER_OF_B)

NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(WHO)
LOGGED_IN = EVERYONE - {ANONYMOUS}  # members or not: B's officer too
OFFICERS = frozenset({OFFICER})
# Every member of A but the city's viewers: the member directory, subcommittees.
DIRECTORY = frozenset({OFFICER, LEADER, OFFICE_ADMIN, OFFICE_STAFF, CORP_ADMIN})
FILERS = frozenset({OFFICE_ADMIN, OFFICE_STAFF, CORP_ADMIN})  # for their own offices
OFFICE_MANAGERS = frozenset({OFFICER, OFFICE_ADMIN, CORP_ADMIN})
POSTERS = FILERS  # recruitment.post: an office's people and its head office, not officers
SUBCOMMITTEE_MANAGERS = frozenset({OFFICER, LEADER})  # the leader, of 居宅部会 only
REPORT_READERS = frozenset({OFFICER, CITY})
# The 入所部会's subcommittee-only event: officers only. Not the 居宅 leader, office 1's
# people or the city; nor the head office, whose one 入所 office is still applying.
NYUSHO_PEOPLE = OFFICERS

OBJECT_COLUMNS = ("own", "other", "foreign")


@dataclass(frozen=True)
class May:
    """Who may use a route: on the own object, another office's in the same association, and
    another association's. A route that names no object uses `own` only."""

    own: frozenset[str]
    other: frozenset[str] | None = None
    foreign: frozenset[str] = NOBODY
    ok: frozenset[int] = frozenset({200})  # the answer to an allowed GET
    data: dict[str, Any] = field(default_factory=dict)  # the body of refused writes

    def who_may(self, column: str) -> frozenset[str]:
        value = getattr(self, column)
        assert value is not None, f"say who may use it on the {column!r} object"
        return value


def _same(who: frozenset[str], **kwargs: Any) -> May:
    """The same people on own and other objects (association-wide rights, or public)."""
    return May(own=who, other=who, **kwargs)


REGISTRATION = {"target": "event", "name": "漏れ太郎", "email": "leak@example.com", "party_size": 1}
MEETING = {
    "title": "漏れ会議",
    "starts_at": "2027-01-10T10:00",
    "place": "どこか",
    "agenda": "なし",
}
ANNOUNCEMENT = {"subject": "漏れのお知らせ", "body": "本文"}
POSTING = {"action": "save", "title": "漏れ求人", "office": "__other_office__"}
ARTICLE = {
    "action": "publish",
    "title": "漏れ記事",
    "date": "2026-11-01",
    "category": "notice",
    "body": "漏れ",
}

MAY: dict[str, May] = {
    # association
    "association:home": May(EVERYONE),
    "association:dashboard": May(SUBCOMMITTEE_MANAGERS),
    # POST only (a GET by an officer is 405): queues the reminder mails of the month due.
    "association:dashboard_remind": May(OFFICERS, ok=frozenset({405})),
    "association:logo": May(EVERYONE),
    "association:accessibility": May(EVERYONE),
    "association:hero": May(EVERYONE),
    "healthz": May(EVERYONE),
    "sitemap": May(EVERYONE),
    "robots": May(EVERYONE),
    "set_language": May(EVERYONE, ok=frozenset({302})),
    # members
    "members:register": May(LOGGED_IN, data={"name": "漏れ事業所"}),
    "members:applications": May(LOGGED_IN),
    "members:decide": _same(OFFICERS, data={"decision": "reject", "reason": "漏れ"}),
    "members:directory": May(DIRECTORY),
    "members:my_offices": May(LOGGED_IN),
    "members:office": _same(DIRECTORY),
    "members:office_edit": May(OFFICE_MANAGERS, other=OFFICERS, data={"name": "漏れ"}),
    "members:office_staff": May(
        OFFICE_MANAGERS,
        other=OFFICERS,
        data={"email": "leak@example.com", "kind": "office_staff"},
    ),
    "members:invitation": May(LOGGED_IN),
    "members:roster": May(OFFICERS),
    "members:roster_preview": May(OFFICERS),
    "members:roster_apply": May(OFFICERS),
    "members:roster_export_csv": May(OFFICERS),
    "members:roster_export_xlsx": May(OFFICERS),
    # a job is named by ?job=; anyone but its starter gets 404 (test_import_jobs.py)
    "members:roster_progress": May(OFFICERS),
    # subcommittees
    "subcommittees:list": May(DIRECTORY),
    "subcommittees:detail": _same(DIRECTORY),
    "subcommittees:meeting_new": May(SUBCOMMITTEE_MANAGERS, other=OFFICERS, data=MEETING),
    "subcommittees:announcement_new": May(SUBCOMMITTEE_MANAGERS, other=OFFICERS, data=ANNOUNCEMENT),
    "subcommittees:meeting_detail": _same(DIRECTORY),
    "subcommittees:meeting_edit": May(SUBCOMMITTEE_MANAGERS, other=OFFICERS, data=MEETING),
    "subcommittees:meeting_attendance": May(SUBCOMMITTEE_MANAGERS, other=OFFICERS),
    # A POST here sends the announcement: an empty body would change it.
    "subcommittees:announcement_detail": May(SUBCOMMITTEE_MANAGERS, other=OFFICERS),
    "subcommittees:announcement_edit": May(
        SUBCOMMITTEE_MANAGERS, other=OFFICERS, data=ANNOUNCEMENT
    ),
    # kpis
    "kpis:dashboard": May(OFFICERS),
    "kpis:filing": May(FILERS, other=NOBODY, data={"month": "2026-09", "action": "submit"}),
    "kpis:filing_unchanged": May(FILERS, other=NOBODY, data={"month": "2026-09"}),
    "kpis:filing_review": _same(OFFICERS),
    "kpis:history": May(FILERS, other=NOBODY),
    "kpis:history_review": _same(OFFICERS),
    "kpis:reopen": _same(OFFICERS, data={"month": "2026-09", "reason": "漏れ"}),
    "kpis:upload": May(FILERS),
    "kpis:upload_preview": May(FILERS),
    "kpis:upload_apply": May(FILERS),
    "kpis:upload_template": May(FILERS),
    "kpis:upload_progress": May(FILERS),
    "kpis:office_tokens": May(
        frozenset({OFFICE_ADMIN, CORP_ADMIN}), other=NOBODY, data={"name": "漏れ"}
    ),
    # reports. A report is the
    # association's, not an office's: there is no "other" one.
    "reports:list": May(REPORT_READERS),
    "reports:build": May(OFFICERS),
    "reports:viewers": May(OFFICERS),
    "reports:detail": May(REPORT_READERS),
    "reports:progress": May(REPORT_READERS),
    "reports:publish": May(OFFICERS),
    "reports:figures": May(REPORT_READERS),
    "reports:pdf": May(REPORT_READERS),
    "reports:xlsx": May(REPORT_READERS),
    # events: what the list shows a visitor, every page of the event shows, and nothing more
    "events:list": May(EVERYONE),
    "events:feed": May(EVERYONE),
    "events:detail": May(EVERYONE, other=NYUSHO_PEOPLE),
    "events:ics": May(EVERYONE, other=NYUSHO_PEOPLE),
    "events:image": May(EVERYONE, other=NYUSHO_PEOPLE),
    "events:flyer": May(EVERYONE, other=NYUSHO_PEOPLE),
    "events:register": May(EVERYONE, other=NYUSHO_PEOPLE, data=REGISTRATION),
    "events:registration": May(EVERYONE),
    "events:cancel": May(EVERYONE),
    "events:offer": May(EVERYONE),
    "events:registrations": _same(OFFICERS, data={"action": "register", **REGISTRATION}),
    "events:registrations_print": _same(OFFICERS),
    "events:registrations_csv": _same(OFFICERS),
    # recruitment ("other" event: not a job fair, so no fair page)
    "recruitment:my_booths": May(OFFICE_MANAGERS),
    "recruitment:booth_outcome": May(
        OFFICE_MANAGERS, other=OFFICERS, data={"interviews": 3, "hires": 1}
    ),
    "recruitment:fair_list": May(OFFICERS),
    "recruitment:fair_detail": May(OFFICERS, other=NOBODY),
    # joint recruitment: an office's postings and applications are its people's and its head
    # office's only; officers see counts and may hide a posting, never an applicant
    "recruitment:posting_list": May(POSTERS),
    "recruitment:posting_create": May(POSTERS, data=POSTING),
    "recruitment:posting_overview": May(OFFICERS),
    "recruitment:figures": May(OFFICERS),
    "recruitment:posting_detail": May(POSTERS, other=NOBODY, data=POSTING),
    "recruitment:posting_copy": May(POSTERS, other=NOBODY, data={"offices": "__other_office__"}),
    "recruitment:posting_hide": _same(OFFICERS, data={"reason": "漏れ"}),
    "recruitment:application_list": May(POSTERS),
    "recruitment:application_detail": May(
        POSTERS, other=NOBODY, data={"status": "hired", "note": "漏れ"}
    ),
    # the public job board
    "jobs:list": May(EVERYONE),
    "jobs:feed": May(EVERYONE),
    "jobs:detail": _same(EVERYONE),
    "jobs:photo": _same(EVERYONE),
    "jobs:apply": _same(EVERYONE),
    "jobs:application_status": May(EVERYONE),
    # news: published articles for everyone; writing for officers, and for a 部会's leader
    # on their 部会's articles (own: 居宅部会's, other: 入所部会's)
    "news:list": May(EVERYONE),
    "news:feed": May(EVERYONE),
    "news:detail": _same(EVERYONE),
    "news:image": _same(EVERYONE),
    "news:manage": May(SUBCOMMITTEE_MANAGERS),
    "news:manage_new": May(SUBCOMMITTEE_MANAGERS, data=ARTICLE),
    "news:manage_edit": May(SUBCOMMITTEE_MANAGERS, other=OFFICERS, data=ARTICLE),
    # the API (a filing of another office is not there for those who file for their own)
    "api:root": May(EVERYONE),
    "api:me": May(frozenset(ROLE_NAMES)),  # who am I here: members only
    "api:offices": May(DIRECTORY),
    "api:subcommittees": May(DIRECTORY),
    "api:filings": May(FILERS, data={"office": "__other_office__", "month": "2026-08"}),
    "api:filing_detail": May(FILERS, other=NOBODY, data={"rows": [], "expected_version": 1}),
    # public: what the public pages show a visitor who is not logged in, whoever asks (the
    # 入所部会's subcommittee-only event is not public: not there, even for officers)
    "api:events": May(EVERYONE),
    "api:event_detail": May(EVERYONE, other=NOBODY),
    "api:jobs": May(EVERYONE),
    "api:job_detail": _same(EVERYONE),
    "api:news": May(EVERYONE),
    "api:news_detail": _same(EVERYONE),
    # an office's: its profile (the directory reads it; its managers change it), staff, months
    "api:office_detail": _same(DIRECTORY, data={"name": "漏れ"}),
    "api:office_staff": May(OFFICE_MANAGERS, other=OFFICERS),
    "api:office_filing_months": May(FILERS | OFFICERS, other=OFFICERS),
    "api:postings": May(POSTERS, data={"title": "漏れ求人", "office": "__other_office__"}),
    "api:posting_detail": May(POSTERS, other=NOBODY, data={"title": "漏れ求人"}),
    "api:applications": May(POSTERS),
    # officers'
    "api:completeness": May(OFFICERS),
    "api:targets": May(OFFICERS, data={"fiscal_year": 2026, "metric": "hire_rate", "value": "1.0"}),
    # the city's reports (a POST on the list builds one: officers only)
    "api:reports": May(REPORT_READERS, data={"month": "2026-08", "kind": "recruitment"}),
    "api:report_detail": May(REPORT_READERS),
    "api:report_publish": May(OFFICERS),
    "api:report_figures": May(REPORT_READERS),
    "schema": May(EVERYONE),
    "swagger-ui": May(EVERYONE),
    "redoc": May(EVERYONE),
}

# --- the world: two associations, built once for the module --------------------------------


@dataclass
class World:
    a: Tenant
    b: Tenant
    a_objects: MatrixObjects
    b_objects: MatrixObjects
    clients: dict[str, Client]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """A and B, their objects and a logged-in client per role, in one transaction for the
    whole module (each test runs in a savepoint inside it, and it is rolled back at the end)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            a = build_tenant(
                slug="alpha",
                name="アルファ市介護保険事業者連絡会",
                marker="アルファ",
                district="20",
            )
            b = build_tenant(
                slug="beta",
                name="ベータ市介護保険事業者連絡会",
                marker="ベータ",
                district="22",
                pending=2,
            )
            clients = {ANONYMOUS: client_for(a)}
            for role in ROLE_NAMES:
                clients[role] = client_for(a, a.users[role])
            clients[OFFICER_OF_B] = client_for(a, b.users["officer"])
            yield World(a, b, build_matrix_objects(a), build_matrix_objects(b), clients)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- what a request may answer -------------------------------------------------------------

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _accepted_unsafe_methods(route: Route) -> tuple[str, ...]:
    """The unsafe methods a view accepts: a DRF/class view's handlers, or the list given to
    `require_http_methods` (found through `__wrapped__`); a plain function view takes all."""
    view_class = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    if view_class is not None:
        return tuple(m for m in UNSAFE if hasattr(view_class, m.lower()))
    func = route.callback
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return tuple(m for m in UNSAFE if m in cell.cell_contents)
        func = getattr(func, "__wrapped__", None)
    return UNSAFE


def _project_tables() -> list[str]:
    """The tables of every model of the project's own apps (not of installed packages)."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        app_path = Path(model._meta.app_config.path)
        if ROOT in app_path.parents and ".venv" not in app_path.parts and model._meta.managed:
            tables.add(model._meta.db_table)
    return sorted(tables)


def _fingerprint() -> dict[str, str]:
    """Each project table's rows, hashed: an INSERT, DELETE or UPDATE changes its hash."""
    quote = connection.ops.quote_name
    tables = _project_tables()
    # The models' own table names, quoted; nothing here comes from input.
    select = "SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "
    sql = " UNION ALL ".join(select + quote(table) + " t" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


def _body(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8", errors="replace")


def _leaks(response: Any, other: Tenant) -> list[str]:
    text = _body(response)
    needles = [
        other.marker,
        other.association.name,
        other.host,
        *(o.provider_number for o in other.offices),
    ]
    return [needle for needle in needles if needle in text]


def _assert_no_leak(response: Any, other: Tenant, where: str) -> None:
    found = _leaks(response, other)
    assert not found, f"{where} shows {found} of another association"


def _refusals(who: str, column: str, rule: May) -> set[int]:
    """The answers that refuse. Another association's object is not there at all (404) for
    anyone who may use the route on their own; anonymous visitors are sent to log in."""
    if column == "foreign" and who in rule.own and who != ANONYMOUS:
        return {404}
    if who == ANONYMOUS:
        return {302, 401, 403, 404}
    return {403, 404}


def _objects(world: World, route: Route) -> Iterator[tuple[str, dict[str, Any]]]:
    """(column, URL kwargs) for each object the route can be asked about."""
    params = [c for c in route.converters if c.endswith("_pk")]
    if not params:
        yield "own", {}
        return
    for column in OBJECT_COLUMNS:
        source = {
            "own": world.a_objects.own,
            "other": world.a_objects.other,
            "foreign": world.b_objects.own,
        }[column]
        kwargs = url_kwargs(route, source, world.a_objects.own)
        if kwargs is not None:
            yield column, kwargs


def url_kwargs(
    route: Route, source: dict[str, Any], known: dict[str, Any]
) -> dict[str, Any] | None:
    """The URL kwargs naming `source`'s objects (`MatrixObjects.own` or `.other`), or None when
    `source` has no such object (a report is the association's, never an office's)."""
    kwargs = {}
    for param in (c for c in route.converters if c.endswith("_pk")):
        model_name = param.removesuffix("_pk")
        if model_name not in known:
            pytest.fail(f"{route.pattern}: tests/tenants.py creates no {model_name}")
        if model_name not in source:
            return None
        kwargs[param] = source[model_name].pk
    return kwargs


def _send(client: Client, method: str, url: str, data: dict[str, Any], is_api: bool) -> Any:
    if is_api:
        return client.generic(method, url, json.dumps(data), content_type="application/json")
    if method == "POST":
        return client.post(url, data)
    return client.generic(
        method, url, urlencode(data), content_type="application/x-www-form-urlencoded"
    )


def _data(rule: May, world: World) -> dict[str, Any]:
    other_office = world.a_objects.other["office"].pk
    return {k: other_office if v == "__other_office__" else v for k, v in rule.data.items()}


# --- the tests -----------------------------------------------------------------------------


def _policy_of(route: Route) -> AccessPolicy | None:
    policy = getattr(route.callback, "access_policy", None)
    view_class = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    if policy is None and view_class is not None:
        policy = getattr(view_class, "access_policy", None)
    return policy


def test_every_route_is_in_the_table() -> None:
    names = [r.name for r in MATRIX_ROUTES if r.name]
    unnamed = [r.pattern for r in MATRIX_ROUTES if r.name is None]
    assert not unnamed, f"routes without a name (name them so the matrix reaches them): {unnamed}"
    missing = sorted(set(names) - set(MAY))
    assert not missing, f"routes missing from MAY in {__file__}: say who may use them: {missing}"
    stale = sorted(set(MAY) - set(names))
    assert not stale, f"rows of MAY for routes that no longer exist: {stale}"


def test_every_route_declares_an_access_policy() -> None:
    """Views say how they are reached (`public`, `authenticated`, `requires`, `access_policy`)."""
    third_party = {"set_language"}
    missing = [
        r.pattern for r in MATRIX_ROUTES if _policy_of(r) is None and r.name not in third_party
    ]
    assert not missing, f"routes without an access policy: {missing}"
    for route in MATRIX_ROUTES:
        policy = _policy_of(route)
        if policy and policy.capability:
            assert policy.capability in CAPABILITIES, route.pattern


@pytest.mark.django_db
@pytest.mark.parametrize("route", MATRIX_ROUTES, ids=lambda r: r.name or r.pattern)
def test_route_matrix(route: Route, world: World) -> None:
    """Each role on each object: allowed or refused as MAY says; refused writes change nothing;
    no page on A's host shows anything of B."""
    if route.name not in MAY:
        pytest.fail(f"{route.name or route.pattern} is missing from MAY: say who may use it")
    rule = MAY[route.name]
    is_api = route.pattern.startswith("api/")
    methods = _accepted_unsafe_methods(route)
    failures: list[str] = []
    for column, kwargs in _objects(world, route):
        url = reverse(route.name or "", kwargs=kwargs)
        may = rule.who_may(column)
        for who in WHO:
            client = world.clients[who]
            where = f"{route.name} [{column}] as {who}: GET {url}"
            response = client.get(url)
            found = _leaks(response, world.b)
            if found:
                failures.append(f"{where} shows {found} of B")
            if who in may:
                if response.status_code not in rule.ok:
                    failures.append(f"{where} → {response.status_code}, expected {set(rule.ok)}")
                continue
            refusals = _refusals(who, column, rule)
            if response.status_code not in refusals:
                failures.append(f"{where} → {response.status_code}, expected {refusals}")
            elif response.status_code == 302 and "/accounts/login/" not in response["Location"]:
                failures.append(f"{where} → redirected to {response['Location']}, not to log in")
            before = _fingerprint()
            for method in methods:
                response = _send(client, method, url, _data(rule, world), is_api)
                if response.status_code not in refusals | {405}:
                    failures.append(
                        f"{route.name} [{column}] as {who}: {method} {url} → "
                        f"{response.status_code}, expected {refusals | {405}}"
                    )
            after = _fingerprint()
            changed = sorted(t for t in before if before[t] != after.get(t))
            if changed:
                failures.append(f"{route.name} [{column}] as {who}: {methods} changed {changed}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_allauth_routes(world: World) -> None:
    """allauth's own pages: no error, and nothing of B, whoever asks on A's host."""
    for route in ALLAUTH_ROUTES:
        url = reverse(route.name or "", kwargs=dict.fromkeys(route.converters, "not-a-real-key"))
        for who in WHO:
            response = world.clients[who].get(url)
            where = f"GET {url} as {who}"
            assert response.status_code in ALLAUTH_STATUSES, f"{where}: {response.status_code}"
            _assert_no_leak(response, world.b, where)


def _admin_object(model: type[Model], tenant: Tenant) -> Model | None:
    manager = model._default_manager
    if hasattr(manager, "with_scope"):
        return manager.with_scope(association=tenant.association.pk).order_by("pk").first()
    with scopes_disabled():
        if model._meta.concrete_model is Association:  # and its proxy
            return tenant.association
        return manager.order_by("pk").first()


@pytest.mark.django_db
def test_admin_matrix(world: World) -> None:
    """Changelists and change pages of every registered admin, per role, on A's host."""
    from association.admin_site import TenantModelAdmin

    tenant_a, tenant_b, clients = world.a, world.b, world.clients
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        own = _admin_object(model, tenant_a)
        if own is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[own.pk]))
        is_tenant = isinstance(model_admin, TenantModelAdmin)
        for url in urls:
            for who, client in clients.items():
                response = client.get(url)
                where = f"GET {url} as {who}"
                if who == OFFICER and is_tenant:
                    assert response.status_code == 200, where
                elif who == OFFICER:
                    # Platform models (users, associations, schedules) are for operators only.
                    assert response.status_code == 403, where
                else:
                    assert response.status_code == 302, where
                    assert response["Location"].startswith(("/admin/login/", "/accounts/login/")), (
                        where
                    )
                _assert_no_leak(response, tenant_b, where)

        # B's row, asked for by id on A's host by A's officer, does not exist there.
        other = _admin_object(model, tenant_b)
        if is_tenant and other is not None:
            response = clients[OFFICER].get(
                reverse("admin:{}_{}_change".format(*info), args=[other.pk]), follow=True
            )
            _assert_no_leak(response, tenant_b, f"{model.__name__} of B on A's host")


@pytest.mark.django_db
def test_superuser_admin_sees_only_the_hosts_association(world: World) -> None:
    from tests.tenants import make_user

    operator = make_user("operator@renkei.example", superuser=True, totp_secret="JBSWY3DPEHPK3PXP")
    response = client_for(world.a, operator).get(reverse("admin:members_office_changelist"))
    assert response.status_code == 200
    assert world.a.offices[0].provider_number in response.content.decode()
    _assert_no_leak(response, world.b, "operator on A's host")


@pytest.mark.django_db
def test_b_officer_sees_b_on_b_host(world: World) -> None:
    response = client_for(world.b, world.b.users["officer"]).get(reverse("association:dashboard"))
    assert response.status_code == 200
    assert world.b.association.name in response.content.decode()
    _assert_no_leak(response, world.a, "B's dashboard")
