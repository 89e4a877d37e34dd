"""Production settings plus the bench's reference views; used only by bench/pages.py, never
deployed (config.urls does not know these routes)."""

from config.settings.production import *  # noqa: F403
from config.settings.production import MIDDLEWARE

ROOT_URLCONF = "bench.urls"
# /bench/ceiling is answered by the first middleware: a Django view with nothing around it.
MIDDLEWARE = ["bench.views.CeilingMiddleware", *MIDDLEWARE]
