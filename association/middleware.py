"""Host → association, the tenant scope around every request, and two-factor enforcement."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, cast

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse, QueryDict
from django.http.request import split_domain_port
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_scopes import scope

from association.hosts import current_host_table, host_table, resolve_host
from association.http import AssociationRequest, InvalidParameter, access_of
from association.permissions import access_for
from association.public_cache import (
    PublicPage,
    cached_page_response,
    fill_csrf,
    page_key,
    page_versions,
)

# Paths that answer without a tenant (load balancers call /healthz by IP address).
TENANTLESS_PREFIXES = ("/healthz", "/static/")


class AssociationMiddleware:
    """Resolve the request's association from its host and run the view inside its scope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant_request = cast(AssociationRequest, request)
        if request.path.startswith(TENANTLESS_PREFIXES):
            tenant_request.association = None  # type: ignore[assignment]  # tenantless paths
            tenant_request.access = access_for(None, None)
            return self.get_response(request)

        host, _port = split_domain_port(request.get_host())
        table = host_table()
        association = resolve_host(host, table)
        if association is None and table.count > 1:
            # Several tenants and this host belongs to none: never guess one.
            return HttpResponseNotFound(
                render_to_string("association/unknown_host.html", {"host": host}, request=None)
            )
        tenant_request.association = association  # type: ignore[assignment]  # None: fresh install
        tenant_request.access = SimpleLazyObject(  # type: ignore[assignment]
            lambda: access_for(request.user, association)
        )
        # No association yet (a fresh install): an empty scope, so tenant queries find nothing.
        with scope(association=association.pk if association else []):
            return self.get_response(request)


RESOLVED_PATHS = 2048
_UNKNOWN = object()


class PublicPageCacheMiddleware:
    """Answers a cached public page before sessions, authentication, CSRF, messages and the
    database are reached, for a visitor who cannot be anyone in particular: a GET or HEAD with
    no session cookie and no message cookie, on a route whose view is cached for anonymous
    visitors (association.public_cache marks it). Everything else, and a page not in the cache
    yet, goes down the whole stack as before (where the view's decorator caches it).

    It sits right after the security middleware, so its headers (HSTS, nosniff, referrer) are
    added on the way out as for any response; what the middleware below it would have added to
    an anonymous cached page (language, CSRF cookie, Vary, X-Frame-Options, Content-Length, the
    CSP) it adds by calling the same middleware's hooks, in the same order. A test compares the
    headers of both ways for every cached page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # The hooks of the middleware the early answer skips (their get_response is unused).
        self.locale = LocaleMiddleware(get_response)
        self.common = CommonMiddleware(get_response)
        self.csrf = CsrfViewMiddleware(get_response)
        self.frame = XFrameOptionsMiddleware(get_response)
        self.csp = CSPMiddleware(get_response)
        self._paths: OrderedDict[str, object] = OrderedDict()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CookieStorage.cookie_name not in request.COOKIES
            and not request.path.startswith(TENANTLESS_PREFIXES)
            # A NUL character is RejectNulCharactersMiddleware's 400, below.
            and "%00" not in request.META.get("QUERY_STRING", "")
        ):
            response = self._cached(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _cached(self, request: HttpRequest) -> HttpResponseBase | None:
        page, on_hit, kwargs = self._page_for(request.path_info)
        if page is None:
            return None
        host, _port = split_domain_port(request.get_host())
        table = current_host_table()
        association = resolve_host(host, table) if table else None
        association_id = association.pk if association else None
        # The host table's version comes in the same cache read as the page's own version.
        versions = page_versions(page, association_id)
        fresh = host_table(versions[0])
        if fresh is not table:
            association = resolve_host(host, fresh)
            if (association.pk if association else None) != association_id:
                association_id = association.pk if association else None
                versions = page_versions(page, association_id)
        if association is None:
            return None  # no tenant, or an unknown host: the normal way answers
        tenant_request = cast(AssociationRequest, request)
        tenant_request.association = association
        tenant_request.access = access_for(None, association)
        self.locale.process_request(request)
        with scope(association=association.pk):
            key = page_key(request, page, association_id, versions)
            response = cached_page_response(request, key) if key else None
        if response is None:
            return None
        self.csrf.process_request(request)
        # On the way out, as the stack below would: innermost first.
        answer: HttpResponseBase = self.frame.process_response(
            request, fill_csrf(request, response)
        )
        answer = self.csrf.process_response(request, answer)
        answer = self.common.process_response(request, answer)
        answer = self.locale.process_response(request, answer)
        # The whole stack reads the (absent) session to learn the visitor is anonymous.
        patch_vary_headers(answer, ("Cookie",))
        for name, value in self._csp_headers(request).items():
            answer[name] = value
        if on_hit is not None:  # what the view does on every answer, cached or not (a count)
            on_hit(request, **kwargs)
        return answer

    def _page_for(self, path: str) -> tuple[PublicPage | None, Any, dict[str, Any]]:
        """The cached page a path leads to, if any: resolving against the whole URL conf costs
        up to 1.5 ms a request (the API's routes come last), so each process remembers its last
        RESOLVED_PATHS paths (least recently used dropped: any path may be asked for)."""
        known = self._paths.get(path, _UNKNOWN)
        if known is not _UNKNOWN:
            self._paths.move_to_end(path)
            return cast(tuple[PublicPage | None, Any, dict[str, Any]], known)
        try:
            match = resolve(path)
        except Resolver404:
            found: tuple[PublicPage | None, Any, dict[str, Any]] = (None, None, {})
        else:
            found = (
                getattr(match.func, "public_page", None),
                getattr(match.func, "public_page_hit", None),
                dict(match.kwargs),
            )
        self._paths[path] = found
        if len(self._paths) > RESOLVED_PATHS:
            self._paths.popitem(last=False)
        return found

    def _csp_headers(self, request: HttpRequest) -> dict[str, str]:
        """The Content-Security-Policy headers django-csp puts on a page whose view asked for
        nothing of its own (a cached page's view does not run): the same for every such page,
        built by django-csp once per process and settings (it costs more than the rest of the
        early answer). No nonce: the policy uses none, and a cached page could not carry one."""
        global _csp_memo
        if _csp_memo is None:
            probe = HttpResponse()
            self.csp.process_request(request)
            self.csp.process_response(request, probe)
            _csp_memo = {
                name: value
                for name, value in probe.headers.items()
                if name.lower().startswith("content-security-policy")
            }
        return _csp_memo


_csp_memo: dict[str, str] | None = None


@receiver(setting_changed)
def _forget_csp_memo(**kwargs: Any) -> None:
    global _csp_memo
    if kwargs.get("setting", "").startswith("CONTENT_SECURITY_POLICY"):
        _csp_memo = None


class RequireTwoFactorMiddleware:
    """Officers and platform operators must set up TOTP before doing anything else."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and (request.user.is_superuser or access_of(request).is_officer)
            and not _has_totp(request.user)
        ):
            if request.path.startswith("/api/"):  # a program cannot follow a redirect to a form
                return JsonResponse(
                    {
                        "code": "mfa_required",
                        "detail": _("Set up two-factor authentication before using this."),
                    },
                    status=403,
                    json_dumps_params={"ensure_ascii": False},
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_totp(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class HealthzMiddleware:
    """Answers /healthz before host validation, so a load balancer may call it by IP address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path == "/healthz":
            from association.views import healthz

            return healthz(request)
        return self.get_response(request)


class PrivateResponseMiddleware:
    """`Cache-Control: no-store` on every response to a logged-in person: their pages, lists,
    check-in sheets, CSV files and applications hold personal data, and no browser cache or
    shared proxy may keep them. A response that declares itself `public` (a logo, a public
    event's image) keeps its own header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            declared = response.get("Cache-Control", "")
            if "public" not in declared:
                patch_cache_control(response, no_store=True, private=True)
        return response


class RejectNulCharactersMiddleware:
    """A NUL character in a query or form parameter is a 400 naming the parameter.

    No field takes one (Django's form fields refuse them too), and PostgreSQL refuses them in
    text: a view that looks a key up would otherwise answer 500.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._check(request.GET)
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            self._check(request.POST)
        return self.get_response(request)

    @staticmethod
    def _check(params: QueryDict) -> None:
        for name, values in params.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                field = name.replace("\x00", "")
                raise InvalidParameter(
                    field,
                    _("“%(field)s” contains a NUL character, which no field accepts.")
                    % {"field": field},
                )
