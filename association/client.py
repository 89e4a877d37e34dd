"""The address of the person at the other end of a request, as far as we can trust it.

Production runs behind a TLS proxy (a load balancer, nginx): there `REMOTE_ADDR` is the
proxy's address for everyone, and the client's is in `X-Forwarded-For`, which each proxy
extends with the address it received the request from. Anyone can send that header, so it
is read only when `TRUSTED_PROXY_COUNT` (settings, from the environment) says how many of
our own proxies stand in front of the web process; the client is then the right-most hop
that none of them added. Without the setting the header is ignored.

Every per-address limit (allauth's log-in limits, the public forms' rate limits) and every
stored trace of an address goes through `client_address`.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - a placeholder key, never bound to


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's IP address: from X-Forwarded-For behind `TRUSTED_PROXY_COUNT` proxies of
    our own (the right-most hop they did not add), else `REMOTE_ADDR`."""
    remote = _valid(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_ADDRESS
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote
    hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
    if not hops:
        return remote
    # Our proxies appended the last `trusted` hops; the one before them is the client's
    # address as our outermost proxy saw it. Fewer hops than proxies: every hop is ours.
    candidate = hops[-trusted] if len(hops) >= trusted else hops[0]
    return _valid(candidate) or remote
