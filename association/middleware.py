"""Host → association, the tenant scope around every request, and two-factor enforcement."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, QueryDict
from django.http.request import split_domain_port
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_scopes import scope

from association.http import AssociationRequest, InvalidParameter, access_of
from association.permissions import access_for
from association.selectors import association_for_host

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
        association = association_for_host(host=host)
        if association is None and _association_count() > 1:
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


def _association_count() -> int:
    from association.models import Association

    return Association.objects.count()


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
