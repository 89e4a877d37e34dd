from functools import partial
from typing import Any

from django.http import HttpRequest

from association.navigation import nav_links


def association(request: HttpRequest) -> dict[str, Any]:
    access = getattr(request, "access", None)
    return {
        "association": getattr(request, "association", None),
        "access": access,
        # Called by the template only when the menu is rendered.
        "nav_links": partial(nav_links, access, getattr(request, "user", None)),
    }
