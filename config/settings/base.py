"""Settings shared by every environment. Everything deployment-specific comes from `env`."""

from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env
from config.settings.celery import *  # noqa: F403
from config.settings.logging import LOGGING  # noqa: F401
from config.settings.storage import DEFAULT_FILE_STORAGE_ENTRY

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "association.admin_site.RenkeiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
    "association",
    "members",
    "subcommittees",
    "events",
    "recruitment",
    "news",
    "kpis",
    "reports",
    "demo",
]

MIDDLEWARE = [
    "association.middleware.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Under /api/, every error answer is the API's JSON error (association/api_errors.py).
    "association.api_errors.ApiErrorMiddleware",
    # Cached public pages for visitors without a session, before sessions, auth and the database.
    "association.middleware.PublicPageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "association.middleware.AssociationMiddleware",
    "association.middleware.RequireTwoFactorMiddleware",
    "association.middleware.PrivateResponseMiddleware",
    "association.middleware.RejectNulCharactersMiddleware",
    # Idempotency-Key on API writes: inside the tenant scope, after authentication.
    "association.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "association.context_processors.association",
            ],
        },
    },
]

# With no DATABASE_URL the embedded default is a SQLite file beside manage.py.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Behind PgBouncer in transaction mode a server-side cursor (QuerySet.iterator) may find its
# connection handed to another client between statements: DATABASE_POOLER=true turns them off.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DATABASE_POOLER", default=False)
# Persistent connections are checked before a request uses them, but a connection in steady
# use costs no query for it: config/db/postgresql checks psycopg's own state for free and sends
# Django's `SELECT 1` only on a connection idle for CONN_HEALTH_CHECK_IDLE_SECONDS or more.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "config.db.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECK_IDLE_SECONDS"] = env.float(
        "CONN_HEALTH_CHECK_IDLE_SECONDS", default=10.0
    )
    # No JIT: the dashboards' and reports' queries over the maintained aggregates run in
    # milliseconds, but their cost estimates (table-wide statistics, growing with every
    # association) pass jit_above_cost and PostgreSQL then spends ~0.5 s compiling each one.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "options": "-c jit=off",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded demo: runserver serves while `seed_demo --history-only` still writes. WAL
    # lets readers through during a write; writers queue (busy timeout) instead of failing with
    # "database is locked", and IMMEDIATE takes the write lock when a transaction starts, so
    # a reader never has to upgrade its lock mid-transaction (which SQLite refuses at once).
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL is Celery's broker and result backend; the cache may (in production: should) be
# another Redis, REDIS_CACHE_URL, one allowed to evict keys when full (allkeys-lru) while the
# broker's Redis never evicts (noeviction), so a full cache can never drop a queued task.
# Without REDIS_CACHE_URL the cache shares REDIS_URL, as it did before the two were split.
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default="") or REDIS_URL
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            # Fails soft: Redis away is an empty cache, logged (association/cache.py).
            "BACKEND": "association.cache.SoftRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="renkei"),
            # A Redis that hangs must not hold a page for long.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): log in by email, verified email, rate-limited failures.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    # Brute-force protection: failed log-ins per client address and per account.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# The adapter's get_client_ip is association.client.client_address: the limits "per ip" above
# count the client's address behind TRUSTED_PROXY_COUNT proxies, not the proxy's.
ACCOUNT_ADAPTER = "association.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Renkei"
LOGIN_REDIRECT_URL = "association:home"
LOGIN_URL = "account_login"
# Roles whose holders must have TOTP two-factor set up before they can do anything else.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=not DEBUG)

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": DEFAULT_FILE_STORAGE_ENTRY,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Renkei <noreply@renkei.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Mail is sent by a Celery task (association.tasks.mail_send), never in a request; a mail server
# that does not answer is given up after this many seconds and the task retried with back-off:
# MAIL_RETRY_SECONDS, doubling up to MAIL_RETRY_MAX_SECONDS, MAIL_MAX_RETRIES times.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
MAIL_RETRY_SECONDS = env.int("MAIL_RETRY_SECONDS", default=30)
MAIL_RETRY_MAX_SECONDS = env.int("MAIL_RETRY_MAX_SECONDS", default=60 * 60)
MAIL_MAX_RETRIES = env.int("MAIL_MAX_RETRIES", default=12)
# Sessions stay in the database (Django's default, said here on purpose): Redis away must not
# log anybody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["association.api_auth.ApiSessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["association.api_permissions.HasCapability"],
    # JSON in and out: another Accept is 406, another body type 415.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "association.api_schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "association.api_pagination.ApiPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "association.api_errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["association.api_throttles.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": env.str("API_RATE_TOKEN", default="600/min"),
        "api_user": env.str("API_RATE_USER", default="300/min"),
        "api_anon": env.str("API_RATE_ANON", default="60/min"),
    },
}
# How long an API Idempotency-Key answers with its first answer (association/idempotency.py).
IDEMPOTENCY_KEY_TTL = env.int("IDEMPOTENCY_KEY_TTL", default=24 * 3600)
SPECTACULAR_SETTINGS = {
    "TITLE": "Renkei API",
    "DESCRIPTION": "API for member offices and officers of a care-provider liaison association.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields named alike ("status", "kind") in several apps: one enum per choice set, by name.
    "ENUM_NAME_OVERRIDES": {
        "OfficeStatusEnum": "members.models.OfficeStatus",
        "FilingStatusEnum": "kpis.models.ReportStatus",
        "MonthlyReportStatusEnum": "reports.models.MonthlyReportStatus",
        "ReportKindEnum": "reports.models.ReportKind",
        "EventKindEnum": "events.models.EventKind",
        "EventStatusEnum": "events.models.EventStatus",
        "PostingStatusEnum": "recruitment.models.PostingStatus",
        "ApplicationStatusEnum": "recruitment.models.ApplicationStatus",
        "SubcommitteeKindEnum": "subcommittees.models.SubcommitteeKind",
        "QualificationEnum": "recruitment.models.Qualification",
    },
}

# How many proxies of our own (TLS terminator, load balancer) stand in front of gunicorn, each
# appending the address it received the request from to X-Forwarded-For. 0 (the default):
# no proxy, the header is ignored and REMOTE_ADDR is the client. See association/client.py.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Content-Security-Policy (django-csp 4) on every response: scripts, styles, images and fonts
# from this site only, no inline script or style anywhere (the templates have none; the
# Swagger UI page loads its start-up script as a file). A view that needs more says so with
# csp.decorators.csp_update, as /api/docs/ does for Swagger UI's inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Public event registration (events/registration_views.py): how many a client address and an
# event may take (django-ratelimit rates, counted in the cache), and the fewest seconds between
# showing the form and sending it (a person needs more; a script does not wait).
EVENTS_REGISTRATION_RATE_PER_ADDRESS = env.str("EVENTS_REGISTRATION_RATE_PER_ADDRESS", "5/h")
EVENTS_REGISTRATION_RATE_PER_EVENT = env.str("EVENTS_REGISTRATION_RATE_PER_EVENT", "30/10m")
EVENTS_REGISTRATION_MIN_SECONDS = env.float("EVENTS_REGISTRATION_MIN_SECONDS", default=3.0)
# With the cache away, registrations go on unlimited rather than being refused.
RATELIMIT_FAIL_OPEN = True

# Each web process reads the public pages' version keys from the cache at most once a
# PUBLIC_CACHE_LOCAL_SECONDS and keeps its last PUBLIC_CACHE_LOCAL_PAGES cached pages, so a
# cached page costs no round trip to Redis; another process's change shows that much later
# (association/local_cache.py). 0: read every time, keep nothing.
PUBLIC_CACHE_LOCAL_SECONDS = env.float("PUBLIC_CACHE_LOCAL_SECONDS", default=1.0)
PUBLIC_CACHE_LOCAL_PAGES = env.int("PUBLIC_CACHE_LOCAL_PAGES", default=256)
# A web process sends the job-posting views it counted to Redis at most this often, in one
# pipeline (recruitment.services.posting_view_count): no round trip per view. 0: every view.
RECRUITMENT_VIEWS_SEND_SECONDS = env.float("RECRUITMENT_VIEWS_SEND_SECONDS", default=2.0)

# /healthz reuses a healthy answer for this many seconds per process (a failure is never
# reused); /healthz?deep=1 always checks database, cache and broker.
HEALTHZ_CACHE_SECONDS = env.float("HEALTHZ_CACHE_SECONDS", default=5.0)

# Spreadsheet imports (roster, filing upload) of more rows than this are applied by a Celery
# task with a progress page, not inside the request.
SPREADSHEET_BACKGROUND_ROWS = env.int("SPREADSHEET_BACKGROUND_ROWS", default=300)
# Every spreadsheet is read in a child process under these limits (core.spreadsheets.bounded),
# on top of the reader's own bounds on rows, cells and XML elements.
SPREADSHEET_READ_SECONDS = env.int("SPREADSHEET_READ_SECONDS", default=20)
SPREADSHEET_READ_MEMORY_MB = env.int("SPREADSHEET_READ_MEMORY_MB", default=512)
