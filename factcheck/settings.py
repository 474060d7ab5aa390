"""Settings for the claim tracker, read from the environment.

With no environment at all the project runs as the quickstart: DEBUG on, SQLite under var/,
Celery tasks executed in process. Production sets DJANGO_DEBUG=0, a real DJANGO_SECRET_KEY,
DATABASE_URL and CELERY_BROKER_URL. See docs/architecture.md for the full list.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from factcheck.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FACTCHECK_VAR_DIR", str(BASE_DIR / "var")))

# Without DATABASE_URL the project is the embedded quickstart, so development defaults apply;
# a deployment names its database and so gets DEBUG off unless it asks otherwise.
DEBUG = env_bool("DJANGO_DEBUG", not env_str("DATABASE_URL"))

_DEV_SECRET_KEY = "dev-only-insecure-key-for-the-quickstart-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG=0) needs a random secret of at "
            "least 50 characters; set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "accounts",
    "sources",
    "claims",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that its process_exception runs last and only sees what no view handled.
    "factcheck.security.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout seen during the view into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"
ASGI_APPLICATION = "factcheck.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL picks the backend; without it the quickstart keeps a SQLite file in var/.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "factcheck.sqlite3",
            # Several threads (runserver, in-process tasks) share the file: wait instead of failing.
            "OPTIONS": {"timeout": 20},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve static files straight from the apps in development and tests: no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", False)

LOGIN_URL = "admin:login"

# Login rate limiting (django-axes, factcheck/security.py): after AXES_FAILURE_LIMIT wrong passwords
# for one username from one address, that pair is refused for the cool-off period. Keyed on both so
# that an attacker cannot lock an editor out from elsewhere by guessing at their name.
AUTHENTICATION_BACKENDS = [
    "factcheck.security.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The address is REMOTE_ADDR (django-ipware is not installed): behind a proxy every client shares
# the proxy's address, and the username half of the key still keeps one editor's lockout their own.

# Uploads (bundles through the admin) are read in memory only up to this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
BUNDLE_UPLOAD_MAX_BYTES = env_int("BUNDLE_UPLOAD_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)

# Security: strict unless DEBUG. Behind a TLS-terminating proxy set DJANGO_SECURE_PROXY_SSL=1.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check must answer plain HTTP probes from the load balancer and compose.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Throttle counters, idempotency and health caches must be shared by every web process in
# production: set CACHE_URL to a Redis database there. The in-memory default suits one process.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: only redis:// URLs are supported")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rendered API reads (claim list and detail), keyed on the database's WAL position so that any
# committed write makes them stale: claims/api/response_cache.py, docs/api.md. PostgreSQL only.
# API_CACHE_URL names a Redis database of its own (else CACHE_URL's, else per-process memory).
API_RESPONSE_CACHE = env_bool("API_RESPONSE_CACHE", True) and IS_POSTGRES
API_RESPONSE_CACHE_SECONDS = env_int("API_RESPONSE_CACHE_SECONDS", 300, minimum=1)
_API_CACHE_URL = env_str("API_CACHE_URL", CACHE_URL)
if _API_CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES["api_responses"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _API_CACHE_URL, "KEY_PREFIX": "api",
    }
elif _API_CACHE_URL:
    raise ImproperlyConfigured(f"API_CACHE_URL={_API_CACHE_URL!r}: only redis:// URLs are supported")
else:
    # A page of 100 claims renders to ~100 kB: bound what each process keeps.
    CACHES["api_responses"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                               "LOCATION": "api-responses", "OPTIONS": {"MAX_ENTRIES": 300}}

# Celery: no broker URL means every task runs in process, so the quickstart needs no service.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None) or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=1)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail a queueing attempt quickly when the broker is down: the user's save must not hang.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The result backend is the same Redis: when it is down, delay() subscribes to the result and by default
# retries 20 times a second apart, holding every save for 20 s (tests/reliability/test_broker_down.py).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
# Figures per task of the periodic sweep: small metrics share a task, a big one has its own.
CHECKS_SWEEP_GROUP_FIGURES = env_int("CHECKS_SWEEP_GROUP_FIGURES", 50_000, minimum=1)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # The sweep re-checks everything, so that a change made while the broker was down is still checked.
    "checks-sweep": {"task": "claims.checks_sweep", "schedule": env_int("CHECKS_SWEEP_SECONDS", 3600, minimum=60)},
    "flags-digest": {"task": "claims.flags_digest", "schedule": env_int("FLAGS_DIGEST_SECONDS", 86400, minimum=60)},
}

# Mail (the editors' flag digest): printed to the console unless the environment names a backend.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "claim-tracker@localhost")
CELERY_TIMEZONE = TIME_ZONE

# REST API v1 (claims/api, docs/api.md). Token auth comes first so that a request without
# credentials gets 401 with a challenge rather than 403.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.api.permissions.RolePermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "claims.api.throttling.TokenRateThrottle",
        "claims.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_THROTTLE_USER", "1200/min"),
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
    },
    # Proxies in front of the app that append to X-Forwarded-For. 0: the client is REMOTE_ADDR and the
    # header is ignored, so an anonymous caller cannot pick its own throttle bucket by forging it.
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0, minimum=0),
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "claims.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["claims.api.parsers.DecimalJSONParser"],
    "COERCE_DECIMAL_TO_STRING": False,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# How long a POST's Idempotency-Key is remembered.
API_IDEMPOTENCY_TTL_SECONDS = env_int("API_IDEMPOTENCY_TTL_SECONDS", 24 * 3600, minimum=60)
SPECTACULAR_SETTINGS = {
    "TITLE": "Claim tracker API",
    "DESCRIPTION": "Claims, their figures and attribution chains, sources, documents, metrics and the flags "
    "the checks raise. Records read as in the bundle contract (factcheck-bundle/1). See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {},
}

# Attribution reports (claims/reports, docs/reports.md). The report pages are for logged-in users
# unless REPORTS_PUBLIC says the organisation publishes them.
REPORTS_PUBLIC = env_bool("REPORTS_PUBLIC", False)
FACTCHECK_ORG_NAME = env_str("FACTCHECK_ORG_NAME", "Claim tracker")
FACTCHECK_ORG_URL = env_str("FACTCHECK_ORG_URL", "https://factcheck.example.org/")
# Where each published review lives; {key} is the claim's key.
FACTCHECK_REVIEW_URL = env_str("FACTCHECK_REVIEW_URL", "https://factcheck.example.org/claims/{key}/")
# Verdict (claim status) -> ClaimReview rating on a 1 (worst) .. 5 (best) scale; alternateName is the
# words readers see. A status missing here gets no ClaimReview. ratingValue None: no numeric rating.
VERDICT_RATINGS = {
    "accurate": {"ratingValue": 5, "alternateName": "Accurate"},
    "mostly_accurate": {"ratingValue": 4, "alternateName": "Mostly accurate"},
    "misleading": {"ratingValue": 2, "alternateName": "Misleading"},
    "false": {"ratingValue": 1, "alternateName": "False"},
    "unverifiable": {"ratingValue": None, "alternateName": "Unverifiable"},
}
VERDICT_RATING_BEST = 5
VERDICT_RATING_WORST = 1
REPORTS_CSP = env_str(
    "REPORTS_CSP",
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
)
REPORTS_EXPORT_DIR = VAR_DIR / "exports"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
