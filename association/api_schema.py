"""The OpenAPI schema documents every answer an operation can give, not only its successes.

`ApiAutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to each operation what the
project's cross-cutting behaviour may answer, in the one error shape (association/api_errors.py):
400 (a bad parameter or body), 401/403 (who may call it), 404, 406 (JSON only), 413/415 (a
body too large or not JSON), 422 (an Idempotency-Key reused), 412/428 (If-Match), 429
(throttled, with Retry-After), 500. Public operations (`AccessPolicy(public=True)`) are
declared without authentication (`security: []`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from association.api_conditional import conditional_view
from association.idempotency import (
    IDEMPOTENCY_HEADER,
    IDEMPOTENT_METHODS,
    KEY_SCHEMA,
    MAX_KEY_LENGTH,
)


class ApiFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="Path of the field (`rows[0].hires`); empty: the whole request."
    )
    message = serializers.CharField()
    code = serializers.CharField(required=False)


class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Machine-readable: invalid, parse_error, not_authenticated, "
        "authentication_failed, permission_denied, not_found, method_not_allowed, not_acceptable, "
        "precondition_failed, precondition_required, request_too_large, unsupported_media_type, "
        "idempotency_key_reused, throttled, server_error …"
    )
    detail = serializers.CharField(help_text="A message in the request's language.")
    errors = ApiFieldErrorSerializer(  # type: ignore[assignment]  # a field, not Serializer.errors
        many=True, required=False, help_text="Field-level messages (400)."
    )

    class Meta:
        ref_name = "ApiError"


ERROR_DESCRIPTIONS = {
    "400": "The request is not valid (parameters or body); `errors` names the fields.",
    "401": "Not authenticated (see WWW-Authenticate).",
    "403": "Authenticated, but not allowed.",
    "404": "No such resource (or not yours).",
    "406": "The Accept header asks for something other than JSON.",
    "409": "Conflicts with the resource's state.",
    "412": "If-Match does not match the resource's ETag: it was changed meanwhile.",
    "413": "The body is larger than allowed.",
    "415": "The body is not JSON.",
    "422": "The Idempotency-Key was used before for another request.",
    "428": "If-Match is required.",
    "429": "Too many requests; wait Retry-After seconds.",
    "500": "A server error (logged).",
}
HEADER_SCHEMAS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "The challenge."}},
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
}
ETAG_HEADER = {
    "ETag": {
        "schema": {"type": "string"},
        "description": "The resource's version: send it back as If-Match to change it.",
    }
}


class ApiAutoSchema(AutoSchema):
    def _is_public(self) -> bool:
        policy = getattr(self.view, "access_policy", None)
        return bool(policy is not None and policy.public)

    def get_auth(self) -> list[dict[str, Any]]:
        return [] if self._is_public() else super().get_auth()

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        names = {getattr(p, "name", None) for p in parameters}
        if self.method in IDEMPOTENT_METHODS and IDEMPOTENCY_HEADER not in names:
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    KEY_SCHEMA,
                    OpenApiParameter.HEADER,
                    description=f"Any unique string (1–{MAX_KEY_LENGTH} visible ASCII "
                    "characters, no spaces): repeating the request with the same key and body "
                    "within 24 hours returns the first answer (header Idempotent-Replayed) "
                    "instead of doing it twice; another body under the same key is refused (422).",
                )
            )
        if self.method in ("PUT", "PATCH") and conditional_view(self.view):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="The ETag of the version this change starts from. Stale: 412.",
                )
            )
        return parameters

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        if self._is_public():
            operation["security"] = []
        codes = ["400", "403", "404", "406", "429", "500"]
        if not self._is_public():
            codes.append("401")
        if "requestBody" in operation:
            codes += ["413", "415"]
        if self.method in IDEMPOTENT_METHODS:
            codes.append("422")
        if self.method in ("PUT", "PATCH") and conditional_view(self.view):
            codes += ["412", "428"]
        responses = operation["responses"]
        error = self.resolve_serializer(ApiErrorSerializer(), "response").ref
        for code in codes:
            if code in responses:
                continue
            responses[code] = {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {"application/json": {"schema": error}},
                **({"headers": HEADER_SCHEMAS[code]} if code in HEADER_SCHEMAS else {}),
            }
        if self.method == "GET" and conditional_view(self.view) and "200" in responses:
            responses["200"].setdefault("headers", {}).update(ETAG_HEADER)
        operation["responses"] = dict(sorted(responses.items()))
        return operation
