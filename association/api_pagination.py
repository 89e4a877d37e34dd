"""The API's one pagination: `limit` (1–200, default 100) and `offset` (0–1,000,000).

DRF's LimitOffsetPagination ignores a `limit` it cannot read and clamps a large one; here
both parameters are checked and a bad value is a 400 naming it, so a client learns of its
mistake instead of silently getting another page than it asked for.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
# Far more rows than any list holds; an offset beyond it is a client's error, not a query.
MAX_OFFSET = 1_000_000


def _bounded_int(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise ValidationError(
            {
                name: [
                    _("Give a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
                ]
            }
        )
    return int(text)


class ApiPagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request: Request) -> int:
        return _bounded_int(
            request, self.limit_query_param, default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT
        )

    def get_offset(self, request: Request) -> int:
        return _bounded_int(request, self.offset_query_param, default=0, low=0, high=MAX_OFFSET)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.limit_query_param,
                "required": False,
                "in": "query",
                "description": f"How many results (1–{MAX_LIMIT}, default {DEFAULT_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            },
            {
                "name": self.offset_query_param,
                "required": False,
                "in": "query",
                "description": f"How many results to skip (0–{MAX_OFFSET:,}).",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
            },
        ]
