"""`Idempotency-Key` on every POST, PUT and PATCH under /api/: one middleware, not per view.

A client that sends a write with `Idempotency-Key: <unique string>` and does not hear the
answer (a timeout, a dropped connection) sends it again with the same key and gets the first
answer (`Idempotent-Replayed: true`) instead of the write being done twice.

- Keyed by association, principal (a hash of the Authorization header for a token; the user
  for a session; the client's address for an anonymous caller), method, path and key; the
  body's fingerprint (JSON canonicalised, otherwise the bytes) is kept with it. The same key
  with another body: 422 `idempotency_key_reused`.
- The key is claimed (a row inserted) in the transaction the view runs in: a concurrent
  duplicate waits on the unique index until the first commits, then replays its answer.
- Successful answers (below 400) are kept; after a 4xx the key is released (the client may
  correct the request and send it again under the same key); after a 5xx everything the
  request did is rolled back with it.
- Keys expire after `IDEMPOTENCY_KEY_TTL` seconds (24 h); an expired key is a new one, and
  the beat job `idempotency_keys_purge` deletes old rows.

The body is read whole to fingerprint it, so it is bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
(413 above it), which multipart uploads with a key must respect too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from association.api_errors import error_body, is_api_path, status_error_body
from association.client import client_address
from association.models import IdempotencyKey

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENT_METHODS = ("POST", "PUT", "PATCH")
MAX_KEY_LENGTH = 100
REPLAYED_HEADER = "Idempotent-Replayed"
# Headers of a kept answer that a replay repeats.
KEPT_HEADERS = ("Content-Type", "ETag", "Location")


def key_ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "IDEMPOTENCY_KEY_TTL", 24 * 3600))


# Visible ASCII (no spaces), as the schema's pattern says: a UUID, a run name, a hash.
KEY_PATTERN = re.compile(f"[!-~]{{1,{MAX_KEY_LENGTH}}}")
KEY_SCHEMA = {"type": "string", "pattern": f"^[!-~]{{1,{MAX_KEY_LENGTH}}}$"}


def _valid_key(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None


def principal_of(request: HttpRequest) -> str:
    """Who sends the request, as far as a middleware can tell before DRF authenticates it."""
    authorization = request.headers.get("Authorization")
    if authorization:
        return "auth:" + hashlib.sha256(authorization.encode("utf-8", "replace")).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"anon:{client_address(request)}"


def body_fingerprint(request: HttpRequest, body: bytes) -> str:
    """The same JSON with other spacing or key order is the same request."""
    canonical = body
    if "json" in (request.content_type or ""):
        # Not JSON, or nested too deep to parse: the bytes as they are.
        with suppress(ValueError, RecursionError):
            canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(f"{request.content_type}\n".encode() + canonical).hexdigest()


def _error(status: int, code: str, detail: str, field: str | None = None) -> JsonResponse:
    errors = [{"field": field, "message": detail, "code": code}] if field else None
    return JsonResponse(
        error_body(code, detail, errors), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _replay(stored: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(stored.response_body), status=stored.response_status)
    for name, value in stored.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotencyMiddleware:
    """Placed after AssociationMiddleware (the tenant scope) and authentication (the user)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if (
            key is None
            or request.method not in IDEMPOTENT_METHODS
            or not is_api_path(request.path)
            or getattr(request, "association", None) is None
        ):
            return self.get_response(request)
        if not _valid_key(key):
            return _error(
                400,
                "idempotency_key_invalid",
                _("An Idempotency-Key has 1 to %(max)s visible ASCII characters, no spaces.")
                % {"max": MAX_KEY_LENGTH},
                field=IDEMPOTENCY_HEADER,
            )
        try:
            body = request.body
        except RequestDataTooBig:
            return JsonResponse(status_error_body(413), status=413)
        return self._once(request, key=key, fingerprint=body_fingerprint(request, body))

    def _once(self, request: HttpRequest, *, key: str, fingerprint: str) -> HttpResponse:
        association = request.association  # type: ignore[attr-defined]
        principal = principal_of(request)
        method = request.method or ""
        path = request.path[:300]
        lookup = hashlib.sha256(
            "\n".join([str(association.pk), principal, method, request.path, key]).encode()
        ).hexdigest()
        with transaction.atomic():
            is_new, claim = self._claim(
                association=association,
                lookup=lookup,
                principal=principal,
                method=method,
                path=path,
                key=key,
                fingerprint=fingerprint,
            )
            if not is_new:
                if claim.fingerprint != fingerprint:
                    return _error(
                        422,
                        "idempotency_key_reused",
                        _(
                            "This Idempotency-Key was used for a different request. "
                            "Use a new key for a new request."
                        ),
                        field=IDEMPOTENCY_HEADER,
                    )
                return _replay(claim)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)  # nothing the request did is kept, nor the key
                return response
            if response.status_code >= 400 or getattr(response, "streaming", False):
                claim.delete()  # released: the corrected request may use the key again
                return response
            claim.response_status = response.status_code
            claim.response_headers = {
                name: response[name] for name in KEPT_HEADERS if response.has_header(name)
            }
            claim.response_body = response.content
            claim.save(update_fields=["response_status", "response_headers", "response_body"])
            return response

    @staticmethod
    def _claim(
        *, association: Any, lookup: str, fingerprint: str, **fields: str
    ) -> tuple[bool, IdempotencyKey]:
        """(True, our new claim) or (False, the answer kept under this key)."""
        now = timezone.now()
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    claim = IdempotencyKey.objects.create(
                        association=association,
                        lookup=lookup,
                        fingerprint=fingerprint,
                        expires_at=now + key_ttl(),
                        **fields,
                    )
                return True, claim
            except IntegrityError:
                # Taken, perhaps by a request still running: its row lock makes us wait here.
                stored = IdempotencyKey.objects.select_for_update().filter(lookup=lookup).first()
                if stored is None:
                    continue  # released or purged meanwhile: claim it again
                if stored.expires_at <= now:
                    stored.delete()  # expired: the key is new again
                    continue
                return False, stored
        raise RuntimeError("Idempotency-Key could not be claimed")  # pragma: no cover


def idempotency_keys_purge(*, now: Any = None) -> int:
    """Delete the keys past their expiry, of every association; how many."""
    with scopes_disabled():
        deleted, _by_model = IdempotencyKey.objects.filter(
            expires_at__lte=now or timezone.now()
        ).delete()
    return deleted
