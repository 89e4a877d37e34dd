"""The API fuzzed from outside: schemathesis 4 against a live gunicorn on PostgreSQL.

Three callers, one gunicorn (production settings, bin/web): nobody, an office's token, an
officer's session (with its CSRF token). Every phase (examples, coverage, fuzzing, stateful;
stateful finds no links in this schema and ends at once) and every check: no server errors,
status codes, content types, headers and bodies as the schema documents them, bad input
rejected, good input accepted. Bounded: 5 examples per operation and phase
(SCHEMATHESIS_MAX_EXAMPLES), a request timeout, a fixed seed (SCHEMATHESIS_SEED changes it),
no shrinking. SCHEMATHESIS_CALLERS picks callers ("anonymous,office token,officer session").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django_scopes import scope

from kpis.tokens import token_create
from tests.tenants import Tenant
from tests.test_processes import SECRET, started_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261130")
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5")

# Why a check's expectations differ from schemathesis' defaults, operation by operation.
# positive_data_acceptance: data the schema allows can still be refused for what it means,
# and the schema documents these answers: a filing's rows are checked cell by cell against each
# other (400 naming the row and field), a month may be locked or already filed (409), an office
# or filing may be another's (403, 404), the same answers the filing form gives. A PUT needs the
# ETag of a GET as If-Match (or the version in the body), which no schema can generate: the
# made-up If-Match is refused (412) and none at all is 428. Everything else must be accepted.
# Anonymous callers are also refused (401) by every operation that is not public.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "403", "404", "409", "412", "428"{extra}]
{auth}
"""
# Each caller is sent to the operations its credentials are for (the others answer 401 by
# design, which positive_data_acceptance would report); anonymous callers to all of them.
SCHEME_OF = {"anonymous": None, "office token": "officeToken", "officer session": "cookieAuth"}


def schema_for(document: dict[str, Any], who: str) -> dict[str, Any]:
    scheme = SCHEME_OF[who]
    if scheme is None:
        return document
    paths: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        kept = {}
        for method, operation in operations.items():
            security = operation.get("security")
            if not security:  # public
                kept[method] = operation
            elif any(scheme in requirement for requirement in security):
                # Only this caller's scheme: schemathesis would make up the others' credentials.
                mine = [requirement for requirement in security if scheme in requirement]
                kept[method] = {**operation, "security": mine}
        if kept:
            paths[path] = kept
    return {**document, "paths": paths}


def st_run(
    schema: Path, base: str, host: str, auth: str, workdir: Path, who: str
) -> tuple[int, str]:
    """`st run` with every phase and check: its exit code and output."""
    config = workdir / "schemathesis.toml"
    extra = ', "401"' if who == "anonymous" else ""
    config.write_text(CONFIG.format(extra=extra, auth=auth))
    command = [
        str(Path(sys.executable).with_name("st")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        str(schema),
        "--url",
        base,
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--request-timeout",
        "30",  # generous: a loaded CI machine, not the API, is what is slow
        "--workers",
        "1",
        "--no-shrink",
        "--suppress-health-check",
        "all",
        "--header",
        f"Host: {host}",
    ]
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=300, check=False
    )
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def live_api(
    tmp_path: Path, tenant_a: Tenant, tenant_b: Tenant, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, dict[str, Any]]]:
    """gunicorn serving both tenants (rates high enough not to throttle the run) and the
    schema it serves, saved to a file."""
    for scope_name in ("TOKEN", "USER", "ANON"):
        monkeypatch.setenv(f"API_RATE_{scope_name}", "100000/min")
    with started_gunicorn(tmp_path) as (base, process):
        # Drain gunicorn's access log: a full pipe blocks its worker on the next log line
        # (thousands of requests fill 64 KiB), which looked like the API hanging.
        threading.Thread(target=process.communicate, daemon=True).start()
        client = Client(HTTP_HOST=tenant_a.host)
        schema = client.get("/api/schema/?format=json")
        assert schema.status_code == 200
        yield base, schema.json()


def _caller_auth(who: str, tenant: Tenant) -> str:
    """The caller's credentials as schemathesis' OpenAPI-aware auth (so its negative cases
    know what to leave out). The session has no CSRF token: schemathesis cannot send the
    cookie and the header together, so the officer's writes end at 403 (CSRF), which the
    filing tests check with a real token (tests/kpis/test_api.py)."""
    if who == "anonymous":
        return ""
    if who == "office token":
        with scope(association=tenant.association.pk):
            _token, raw = token_create(office=tenant.offices[0], name="fuzz", created_by=None)
        return f'[auth.openapi.officeToken]\nbearer = "{raw}"'
    client = Client(HTTP_HOST=tenant.host)
    with override_settings(SECRET_KEY=SECRET):  # gunicorn's key signs and checks sessions
        client.force_login(tenant.users["officer"])
    session = client.cookies["sessionid"].value
    return f'[auth.openapi.cookieAuth]\napi_key = "{session}"'


def test_schemathesis_finds_nothing(
    live_api: tuple[str, dict[str, Any]], tenant_a: Tenant, tmp_path: Path
) -> None:
    base, document = live_api
    failures = []
    callers = os.environ.get("SCHEMATHESIS_CALLERS", "anonymous,office token,officer session")
    for who in callers.split(","):
        workdir = tmp_path / who.replace(" ", "-")
        workdir.mkdir()
        schema = workdir / "openapi.json"
        schema.write_text(json.dumps(schema_for(document, who)))
        started = time.monotonic()
        auth = _caller_auth(who, tenant_a)
        code, output = st_run(schema, base, tenant_a.host, auth, workdir, who)
        print(f"schemathesis as {who}: {time.monotonic() - started:.1f} s")
        (workdir / "output.txt").write_text(output)
        if code != 0:
            failures.append(f"--- as {who} ---\n{output[-8000:]}")
    assert not failures, "\n".join(failures)
