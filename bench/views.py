"""The reference views the page benchmark compares with (bench/settings.py mounts them).

/bench/ceiling: a short page from a view called by the first middleware, so Django's handler
and gunicorn are all it costs: the framework's ceiling on this machine.
/bench/bare: the same view behind the whole production middleware stack (host table, scope,
sessions, CSRF, CSP ...), as any page of ours would be, with no database work of its own."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


class CeilingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == "/bench/ceiling":
            return bare(request)
        return self.get_response(request)
