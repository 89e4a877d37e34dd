"""ETag on reads of resources that can be changed, If-Match on their changes.

A view that changes a resource says so with `conditional_updates = True` (the schema then
documents If-Match, 412 and 428, and the ETag header of its GET), answers its GET with
`with_etag(response, etag_of(obj))` and checks a PUT or PATCH with `require_if_match`, under
a row lock, before it writes. The ETag is strong and opaque: the resource's version counter
(or its last change time) and id, hashed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Model
from rest_framework.request import Request
from rest_framework.response import Response

from association.api_errors import PreconditionFailed, PreconditionRequired


def etag_of(obj: Model) -> str:
    """`"…"`: changes whenever the row's `version` (or else `updated_at`) changes."""
    marker = getattr(obj, "version", None)
    if marker is None:
        marker = getattr(obj, "updated_at", None)
    digest = hashlib.sha256(f"{obj._meta.label}:{obj.pk}:{marker}".encode()).hexdigest()[:32]
    return f'"{digest}"'


def etag_of_data(data: Any) -> str:
    """For a resource with neither `version` nor `updated_at`: its representation, hashed
    (any change a client could see changes it)."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return f'"{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"'


def with_etag(response: Response, etag: str) -> Response:
    response["ETag"] = etag
    return response


def if_match_tags(request: Request) -> list[str] | None:
    """The entity tags of If-Match (None without the header); weak tags never match."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def require_if_match(request: Request, current: str, *, required: bool = True) -> bool:
    """Raise 412 when If-Match names another version, 428 when it is missing and `required`.

    True when the header was sent and matches. Call it with the row locked (select_for_update)
    so nothing changes between the check and the write.
    """
    tags = if_match_tags(request)
    if tags is None:
        if required:
            raise PreconditionRequired()
        return False
    if "*" in tags or current in tags:
        return True
    raise PreconditionFailed()


def conditional_view(view: Any) -> bool:
    return bool(getattr(view, "conditional_updates", False))
