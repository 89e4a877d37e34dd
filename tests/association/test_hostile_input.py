"""Hostile values in every parameter a page or the API reads: a 400 or a form error, never a 500.

Every route of the URL conf (the isolation matrix's walk) is asked, as someone who may use it
on their own object, with each hostile value in turn in each query parameter its view reads
(found in the view's source) and, for pages that take a POST, in each field of the forms the
page shows (found in its HTML). The API's filing body gets the same treatment, field by field.
Hostile values: other scripts' digits (they pass `isdigit()`), numbers past the database's
integers, negative ids, empty strings, very long strings and NUL characters (PostgreSQL
refuses them in text).
"""

from __future__ import annotations

import inspect
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.association import test_isolation_matrix
from tests.association.test_isolation_matrix import (
    ANONYMOUS,
    CITY,
    CORP_ADMIN,
    LEADER,
    MATRIX_ROUTES,
    MAY,
    OFFICE_ADMIN,
    OFFICE_STAFF,
    OFFICER,
    OFFICER_OF_B,
    Route,
    World,
    _accepted_unsafe_methods,
    _objects,
)

# The matrix's two associations and logged-in clients (a module fixture named `world`).
world = test_isolation_matrix.world

pytestmark = pytest.mark.django_db

HOSTILE = [
    "²",  # a superscript two: str.isdigit() says yes, int() says no
    "٣",  # an Arabic-Indic three: int() reads it
    "9" * 30,  # past any integer column
    str(2**31),  # just past PostgreSQL's integer
    "-1",
    "",
    "x" * 5000,
    "\x00",
    "1\x00",
]
# The parameters a view reads from the query string or the body, as written in its source.
PARAMETER = re.compile(
    r"""(?:GET|POST|query_params|data)\.get(?:list)?\(\s*["']([a-z_]+)["']"""
    r"""|(?:GET|POST|query_params)\[["']([a-z_]+)["']\]"""
)
# Who tries each route: the first of these the route lets in on its own object.
TRY_AS = (OFFICER, OFFICE_ADMIN, CORP_ADMIN, LEADER, OFFICE_STAFF, CITY, OFFICER_OF_B, ANONYMOUS)


def _source(route: Route) -> str:
    view = getattr(route.callback, "cls", None) or getattr(route.callback, "view_class", None)
    if view is None:
        view = inspect.unwrap(route.callback)
    try:
        return inspect.getsource(view)
    except (OSError, TypeError):
        return ""


def _parameters(route: Route) -> list[str]:
    names = {a or b for a, b in PARAMETER.findall(_source(route))}
    return sorted(names | {"page"})


class _Forms(HTMLParser):
    """The POST forms of a page: each form's fields and their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._current: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._current = {}
            self.forms.append(self._current)
        if self._current is None or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._current.setdefault(a["name"], "")
                return
            if a.get("type") == "file":
                return
            self._current[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            self._current.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._current[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._current[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea:
            self._current[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# A grid's cells (`care_worker.regular.hires`) and formsets' rows (`form-3-name`): each kind of
# field is parsed by the same code in every row, so one row of each kind gets every value
# (the filing grid has a dozen kinds over many rows; trying every cell took minutes).
ROW_OF_GRID = re.compile(r"^[a-z_]+\.[a-z_]+\.(?=[a-z_]+$)|(?<=-)\d+(?=-)")


def _one_of_each_kind(names: set[str]) -> list[str]:
    kept: dict[str, str] = {}
    for name in sorted(names):
        kept.setdefault(ROW_OF_GRID.sub("*", name), name)
    return sorted(kept.values())


def _client(world: World, who: str) -> Client:
    client = world.clients[who]
    client.raise_request_exception = False
    return client


def _who(route: Route) -> str:
    rule = MAY[route.name or ""]
    return next((who for who in TRY_AS if who in rule.own), ANONYMOUS)


@pytest.mark.parametrize("route", MATRIX_ROUTES, ids=lambda r: r.name or r.pattern)
def test_hostile_parameters_give_no_500(route: Route, world: World) -> None:
    who = _who(route)
    client = _client(world, who)
    kwargs = next(kw for column, kw in _objects(world, route) if column == "own")
    url = reverse(route.name or "", kwargs=kwargs)
    failures = []
    parameters = _parameters(route)
    for name in parameters:
        for value in HOSTILE:
            response = client.get(url, {name: value})
            if response.status_code >= 500:
                failures.append(f"GET {url}?{name}={value[:12]!r} as {who}")
    if "POST" in _accepted_unsafe_methods(route) and not route.pattern.startswith("api/"):
        page = client.get(url)
        parser = _Forms()
        if page.status_code == 200 and not getattr(page, "streaming", False):
            parser.feed(page.content.decode("utf-8", errors="replace"))
        forms = parser.forms or [{}]
        for form in forms:
            base = {k: v for k, v in form.items() if k != "csrfmiddlewaretoken"}
            for name in _one_of_each_kind(set(base) | set(parameters)):
                for value in HOSTILE:
                    response = client.post(url, {**base, name: value})
                    if response.status_code >= 500:
                        failures.append(f"POST {url} {name}={value[:12]!r} as {who}")
    # A path id past PostgreSQL's integers (the converters only take ASCII digits).
    for param in kwargs:
        huge = reverse(route.name or "", kwargs={**kwargs, param: 2**63})
        if client.get(huge).status_code >= 500:
            failures.append(f"GET {huge} as {who}")
    assert not failures, "\n".join(failures)


API_VALUES: list[Any] = [
    "²",
    "٣",
    2**31,
    2**63,
    10**30,
    -1,
    1.5,
    "",
    "x" * 5000,
    "\x00",
    None,
    [],
    {},
    True,
]


def test_api_filing_body_field_by_field(world: World) -> None:
    """Each field of a filing, and each cell of its row, given each hostile value."""
    from tests.kpis.test_api import new_token

    token = new_token(world.a)
    client = Client(HTTP_HOST=world.a.host, HTTP_AUTHORIZATION=f"Bearer {token}")
    client.raise_request_exception = False
    row = {
        "job_category": "care_worker",
        "employment_type": "regular",
        "headcount_start": 10,
        "hires": 0,
        "separations": 0,
        "separations_within_year": 0,
        "headcount_end": 10,
    }
    body: dict[str, Any] = {
        "office": world.a.offices[0].pk,
        "month": "2026-10",
        "rows": [row],
        "submit": False,
        "expected_version": None,
        "comment": "",
        "confirm_warnings": False,
    }
    failures = []
    for name in [*body, *(f"rows.{cell}" for cell in row)]:
        for value in API_VALUES:
            sent = json.loads(json.dumps(body))
            if name.startswith("rows."):
                sent["rows"][0][name.removeprefix("rows.")] = value
            else:
                sent[name] = value
            response = client.post(
                "/api/v1/filings/", json.dumps(sent), content_type="application/json"
            )
            if response.status_code >= 500:
                failures.append(f"POST /api/v1/filings/ {name}={str(value)[:12]!r}")
            elif response.status_code == 400 and name != "rows":
                text = response.content.decode()
                field = name.split(".")[-1]
                if field not in text:
                    failures.append(f"{name}={str(value)[:12]!r}: 400 without the field: {text}")
    assert not failures, "\n".join(failures)
