"""Session authentication for the API that answers 401 (with a challenge), not 403.

DRF turns "not authenticated" into 403 when the first authenticator names no
`WWW-Authenticate` challenge, which SessionAuthentication does not; RFC 9110 wants 401 with
the header. CSRF is checked as before for unsafe methods of a logged-in session.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

SESSION_CHALLENGE = 'Session realm="api"'


class ApiSessionAuthentication(SessionAuthentication):
    def authenticate_header(self, request: Request) -> str:
        return SESSION_CHALLENGE


class ApiSessionScheme(OpenApiAuthenticationExtension):
    target_class = ApiSessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A logged-in session (log in at /accounts/login/). Unsafe methods "
            "also need the CSRF token as X-CSRFToken.",
        }
