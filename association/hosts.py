"""Host → association from an in-process table, checked against a version in the shared cache.

Every web process keeps every association and every domain in memory (a platform holds tens of
associations, not millions), so resolving a request's host costs one cache read of the version
key (at most once a PUBLIC_CACHE_LOCAL_SECONDS, association.local_cache) instead of one or two
database queries. Whoever changes an association or a domain calls
`hosts_changed()` (association_create, the operators' admin, and after the commit again), which
moves the version on: every process sees the new version on its next request and reloads the
table (the writing process reloads at once). A table older than `MAX_AGE_SECONDS` is reloaded
anyway, so a change made behind the services' back (a shell, raw SQL) is picked up then.

With Redis away the version cannot be read: every read then makes a new one (kept for
PUBLIC_CACHE_LOCAL_SECONDS), so the table is reloaded that often: correct, only slower. With the
local-memory cache (the embedded default, one process) the version lives in the process.

A request gets its own shallow copy of the cached association, so nothing a view sets on it
leaks into another request.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field

from django.db import connection, transaction

from association.local_cache import read_version, write_version
from association.models import Association, AssociationDomain

VERSION_KEY = "association:hosts:version"
MAX_AGE_SECONDS = 300.0


@dataclass(frozen=True)
class HostTable:
    version: int
    loaded_at: float
    by_domain: dict[str, Association] = field(default_factory=dict)
    only: Association | None = None  # the one association, when there is exactly one
    count: int = 0
    # Loaded inside a transaction (a writer's, before its commit): trusted only while one is
    # open, so a rolled-back change does not stay in the table.
    in_transaction: bool = False


_table: HostTable | None = None
_lock = threading.Lock()


def hosts_version() -> int:
    """The current version of the host table (association.local_cache: made on first use,
    read from the shared cache at most once a PUBLIC_CACHE_LOCAL_SECONDS per process)."""
    return read_version(VERSION_KEY)


def hosts_changed() -> None:
    """An association or a domain changed: every process reloads its host table, now and again
    after the commit (a table loaded from the old rows mid-transaction is dropped too)."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    """A new version, and this process's table reloaded under it at once (the writer's own
    next request, often the next thing it does, costs no query)."""
    global _table
    _table = _load(write_version(VERSION_KEY))


def _load(version: int) -> HostTable:
    associations = {a.pk: a for a in Association.objects.all()}
    by_domain = {
        domain.lower(): associations[association_id]
        for domain, association_id in AssociationDomain.objects.values_list(
            "domain", "association_id"
        )
        if association_id in associations
    }
    only = next(iter(associations.values())) if len(associations) == 1 else None
    return HostTable(
        version=version,
        loaded_at=time.monotonic(),
        by_domain=by_domain,
        only=only,
        count=len(associations),
        in_transaction=connection.in_atomic_block,
    )


def host_table(version: int | None = None) -> HostTable:
    """This process's table, reloaded when `version` (read from the cache when not given)
    is not the one it was loaded under, or when it is older than MAX_AGE_SECONDS."""
    global _table
    if version is None:
        version = hosts_version()
    table = _table
    if (
        table is None
        or table.version != version
        or time.monotonic() - table.loaded_at > MAX_AGE_SECONDS
        or (table.in_transaction and not connection.in_atomic_block)
    ):
        with _lock:
            table = _load(version)
            _table = table
    return table


def current_host_table() -> HostTable | None:
    """This process's table as it is, unchecked (the caller checks its version)."""
    return _table


def resolve_host(host: str, table: HostTable | None = None) -> Association | None:
    """The association a host serves: its own domain, or the only association there is; None
    when several exist and none claims the host, or when there is none yet. A copy: the
    caller may set attributes on it."""
    table = table or host_table()
    association = table.by_domain.get(host.lower()) or table.only
    return copy.copy(association) if association is not None else None
