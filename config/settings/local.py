"""Local development and the embedded demo (`make run`)."""

from config.env import env
from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-do-not-deploy")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", ".localhost"])
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=False)
# Serve static files straight from the apps while developing (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
LOGGING["handlers"]["console"]["formatter"] = env.str("LOG_FORMAT", default="text")  # type: ignore[index]  # noqa: F405
SILENCED_SYSTEM_CHECKS = ["models.W047"]  # SQLite: Role uniqueness is kept by role_grant
