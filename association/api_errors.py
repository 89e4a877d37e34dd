"""One JSON error shape for everything under /api/.

    {"code": "<machine code>", "detail": "<message in the request's language>",
     "errors": [{"field": "rows[0].hires", "message": "…", "code": "min_value"}]}

`errors` is there for 400s with field-level messages. Two ways in: DRF's exception handler
(`api_exception_handler`, in settings) for what views raise, and `ApiErrorMiddleware` for what
never reaches a DRF view (an unknown path or a non-integer id under /api/, an unknown host, a
body over the size limit, a server error): a non-JSON error answer under /api/ becomes JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from association.http import InvalidParameter

API_PREFIX = "/api/"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "The resource was changed since you read it (If-Match does not match its ETag). "
        "Read it again and repeat your change."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy(
        "Send the ETag you read as If-Match, so a change made meanwhile is not overwritten."
    )
    default_code = "precondition_required"


# What a status means when the answer was not made by a DRF view (code, message).
STATUS_ERRORS: dict[int, tuple[str, Any]] = {
    400: ("invalid", gettext_lazy("The request is not valid.")),
    401: ("not_authenticated", gettext_lazy("Authentication credentials were not provided.")),
    403: ("permission_denied", gettext_lazy("You may not do this.")),
    404: ("not_found", gettext_lazy("Nothing was found at this address.")),
    405: ("method_not_allowed", gettext_lazy("This method is not allowed here.")),
    406: ("not_acceptable", gettext_lazy("The API answers in JSON only.")),
    409: ("conflict", gettext_lazy("The request conflicts with the resource's state.")),
    412: ("precondition_failed", PreconditionFailed.default_detail),
    413: ("request_too_large", RequestTooLarge.default_detail),
    415: ("unsupported_media_type", gettext_lazy("Send the body as JSON.")),
    428: ("precondition_required", PreconditionRequired.default_detail),
    429: ("throttled", gettext_lazy("Too many requests: wait and try again.")),
    500: ("server_error", gettext_lazy("The server failed to answer; the error was logged.")),
    503: ("unavailable", gettext_lazy("The service is unavailable for a moment.")),
}


def error_body(
    code: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def status_error_body(status_code: int) -> dict[str, Any]:
    code, detail = STATUS_ERRORS.get(
        status_code, ("server_error" if status_code >= 500 else "invalid", "")
    )
    return error_body(code, str(detail))


def flatten_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """DRF's nested error detail as a flat list: `field` is a path (`rows[0].hires`), empty
    for errors of the whole body."""
    flat: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for name, value in detail.items():
            name = "" if name == "non_field_errors" else str(name)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            flat += flatten_errors(value, path)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                flat += flatten_errors(value, f"{prefix}[{index}]")
            else:
                flat += flatten_errors(value, prefix)
    else:
        flat.append(
            {"field": prefix, "message": str(detail), "code": getattr(detail, "code", "invalid")}
        )
    return flat


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound(STATUS_ERRORS[404][1])
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, InvalidParameter):
        return exceptions.ValidationError({exc.field: [exc.message]})
    return None


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every exception a view raises, in the one shape.

    Anything else (a bug) is left to Django: a logged 500, made JSON by ApiErrorMiddleware.
    """
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    headers: dict[str, str] = {}
    auth_header = getattr(api_exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(api_exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if isinstance(api_exc, exceptions.ValidationError):
        body = error_body("invalid", _("The request has errors."), flatten_errors(api_exc.detail))
    else:
        codes = api_exc.get_codes()
        code = codes if isinstance(codes, str) else api_exc.default_code
        detail = api_exc.detail
        message = (
            str(detail) if not isinstance(detail, dict | list) else str(api_exc.default_detail)
        )
        if isinstance(api_exc, exceptions.Throttled):
            message = str(STATUS_ERRORS[429][1])
        body = error_body(code, message)
    set_rollback()
    return Response(body, status=api_exc.status_code, headers=headers)


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


class ApiErrorMiddleware:
    """Under /api/, an error answer that is not JSON (Django's 404 for a path no route takes,
    the unknown-host page, a 500, a CSRF or size refusal) becomes the API's JSON error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            is_api_path(request.path)
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and request.content_type != "multipart/form-data"
        ):
            # DRF's JSON parser reads the raw stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
            # check: read the body through Django first, so every API body is bounded.
            # (Multipart goes through Django's own parser, which bounds it.)
            try:
                request.body  # noqa: B018 - read (and kept) for its size check
            except RequestDataTooBig:
                return HttpResponse(
                    json.dumps(status_error_body(413), ensure_ascii=False),
                    status=413,
                    content_type="application/json",
                )
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_path(request.path)
            and not getattr(response, "streaming", False)
            and "json" not in response.get("Content-Type", "")
        ):
            response.content = json.dumps(
                status_error_body(response.status_code), ensure_ascii=False
            ).encode()
            response["Content-Type"] = "application/json"
            if response.has_header("Content-Length"):  # the HTML page's length no longer holds
                response["Content-Length"] = str(len(response.content))
            if response.status_code == 401 and not response.has_header("WWW-Authenticate"):
                response["WWW-Authenticate"] = 'Session realm="api"'
        return response
