from typing import Any

from django.http import HttpRequest


def association(request: HttpRequest) -> dict[str, Any]:
    return {
        "association": getattr(request, "association", None),
        "access": getattr(request, "access", None),
    }
