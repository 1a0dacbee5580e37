"""Ladder settings. Every setting that differs between machines comes from the environment.

Each variable has one documented default, chosen so that a fresh clone runs with no server at all:

- DATABASE_URL   default: an SQLite file in var/ladder.sqlite3 (PostgreSQL in production,
                 e.g. postgres://postgres@127.0.0.1:5432/ladder)
- REDIS_URL      default: unset, tasks run in-process and the cache is in memory
                 (e.g. redis://127.0.0.1:6379/0: Celery broker, results and cache)
- SECRET_KEY     default: a random key generated once into var/secret_key
- PSEUDONYM_KEY  default: a random key generated once into var/pseudonym_key. Production must set
                 it and keep it: changing it makes every citizen a new pseudonym.
- DEBUG          default: false
- ALLOWED_HOSTS  default: localhost,127.0.0.1 (comma-separated)
- RECOMPUTE_AT   default: 02:30 (Europe/London), when the nightly recompute runs
- HTTPS          default: false. true behind TLS (directly or through a proxy that sets
                 X-Forwarded-Proto): HTTPS redirect, HSTS, secure cookies.
- HSTS_SECONDS   default: 31536000 (a year), used when HTTPS is true
- API_THROTTLE_USER  default: 1200/minute, API requests per signed-in user (token or session)
- API_THROTTLE_ANON  default: 60/minute, API requests per address without credentials
- LOG_FORMAT     default: console (readable lines); json in production: one JSON object a line
- LOG_LEVEL      default: INFO
- RECOMPUTE_IN_BACKGROUND  default: true. Without REDIS_URL, recomputes and previews asked for
                 from a page run in a background thread of the web process (false: in the request).
- RECOMPUTE_RESEND_MINUTES  default: 10. A run still queued this long (no worker took it, or
                 Redis was down when it was sent) is shown as waiting and sent again.
- COUNTING_ENGINE  default: duckdb. Where full recounts count on PostgreSQL: duckdb (a copy of
                 each force's data, counted in DuckDB) or postgres (in the database).
- COUNTING_DUCKDB_FROM  default: 5000. Smaller forces count in the database even with duckdb.
- READY_SNAPSHOT_MAX_HOURS  default: 36. /readyz answers 503 when the published figures are
                 older than this (0: never); see config/health.py.
Every variable is listed, with an example, in .env.example.
"""

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import structlog
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LADDER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret(name: str) -> str:
    """A development secret kept outside the repository, created on first use."""
    value = os.environ.get(name)
    if value:
        return value
    path = VAR_DIR / name.lower()
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = local_secret("SECRET_KEY")
PSEUDONYM_KEY = local_secret("PSEUDONYM_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "rest_framework.authtoken",  # API tokens (issue #9); their issue and revocation are audited
    "audit",  # the audit log (issue #9)
    "django_structlog",
    "forces",
    "engagement",
    "dashboard",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Hardening (issue #9): headers on every response, static files included.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Hardening (issue #9): below WhiteNoise, so static files stay cacheable.
    "config.headers.private_no_store",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Binds a request id (and the user id) to every log line of a request (see Logs below).
    "django_structlog.middlewares.RequestMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.recompute_status",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ladder.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
# A kept connection is checked before a request uses it, so that after a database outage the
# first request does not fail on a connection the outage broke (config.unavailable).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL: the pages read while a background recompute writes; IMMEDIATE: a writer waits for
    # the lock when its transaction begins (up to the timeout), never fails half way through.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
    # StaleCitizen's one recount mark per force and month (NULLs not distinct) is PostgreSQL's;
    # on SQLite a repeated mark is harmless, so its "constraint won't be created" is not news.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Chart.js and the other front-end packages come from npm (package-lock.json) and are served
# from node_modules as static files: no CDN.
CHART_JS_DIST = BASE_DIR / "node_modules" / "chart.js" / "dist"
if CHART_JS_DIST.exists():
    STATICFILES_DIRS.append(("vendor/chart.js", CHART_JS_DIST))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

REDIS_URL = os.environ.get("REDIS_URL", "")

# --- Redis outages ---------------------------------------------------------------------------
# The pages keep working when Redis is unreachable: the cache (config.cache.ResilientRedisCache)
# answers "miss" at once, logs the outage once, and stops trying for a while; connections time
# out within REDIS_TIMEOUT_SECONDS. Queueing a recompute checks the broker first and refuses
# with a clear message (engagement.ladder.tasks), so nothing waits on Celery's long retries.
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ladder"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# --- end of Redis outages --------------------------------------------------------------------

# Celery: Redis when REDIS_URL is set, otherwise every task runs in-process as it is queued.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Without REDIS_URL, a recompute or a preview asked for from a page runs in a background thread
# of the web process (true) so the page answers at once and shows its progress; false runs it
# in the request (the tests' default, where a test's transaction must see the result).
RECOMPUTE_IN_BACKGROUND = os.environ.get("RECOMPUTE_IN_BACKGROUND", "true").lower() == "true"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "ladder")
# --- Celery and Redis outages: fail within seconds, never Celery's 20 x 1 s reconnects ---------
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_timeout": max(REDIS_TIMEOUT_SECONDS, 5.0),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 3, "interval_max": 1}}
# Workers keep retrying the broker at start-up (docker compose may start them before Redis).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A run still queued after this long is shown as waiting and sent again by the beat task below.
RECOMPUTE_RESEND_MINUTES = int(os.environ.get("RECOMPUTE_RESEND_MINUTES", "10"))
# --- end of Celery and Redis outages ---------------------------------------------------------
RECOMPUTE_AT = os.environ.get("RECOMPUTE_AT", "02:30")
_recompute_hour, _recompute_minute = RECOMPUTE_AT.split(":")
CELERY_BEAT_SCHEDULE = {
    "nightly-recompute": {
        "task": "engagement.ladder.tasks.nightly_recompute",
        "schedule": crontab(hour=int(_recompute_hour), minute=int(_recompute_minute)),
    },
    # Runs nobody picked up (Redis was down when they were queued, or the message was lost).
    "resend-waiting-runs": {
        "task": "engagement.ladder.tasks.resend_waiting_runs",
        "schedule": crontab(minute="*/5"),
    },
    # Uploads whose worker stopped, or whose message never reached one (UPLOAD_LEASE_MINUTES).
    "recover-uploads": {
        "task": "engagement.ingest.tasks.recover_uploads",
        "schedule": crontab(minute="*/5"),
    },
}

# Saved and scheduled reports, and small-number protection ----------------------------------
# SUPPRESS_BELOW   default 0 (off): withhold counts from 1 to SUPPRESS_BELOW - 1 in exports, API
#                  answers (but to superusers and holders of engagement.view_small_numbers), pages
#                  and reports; 5 is usual practice.
# REPORTS_DIR      default var/reports: where delivered report files are kept
# REPORT_RETENTION_DAYS  default 90: delivered files older than this are deleted (records stay)
# REPORT_RETRIES   default 3: a failed delivery is tried again this many times, then marked failed
# REPORT_RETRY_SECONDS  default 60: the first pause before trying again (then doubling)
# REPORTS_AT       default 06:00 (Europe/London): when weekly and monthly reports run
# SITE_URL         default http://127.0.0.1:8000: the address e-mailed links start with
# EMAIL_HOST       default unset: e-mails are printed to the console; set it (and EMAIL_PORT 587,
#                  EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS true, DEFAULT_FROM_EMAIL)
#                  to send them by SMTP
SUPPRESS_BELOW = int(os.environ.get("SUPPRESS_BELOW", "0"))
# DASHBOARD_WARM_PAGES  default true: once figures are published, a worker renders the overview
#                  and every force page into the page cache (dashboard.tasks), so no reader waits
DASHBOARD_WARM_PAGES = env_bool("DASHBOARD_WARM_PAGES", True)
DELIVERED_REPORTS_DIR = Path(os.environ.get("REPORTS_DIR", VAR_DIR / "reports"))
REPORT_RETENTION_DAYS = int(os.environ.get("REPORT_RETENTION_DAYS", "90"))
REPORT_RETRIES = int(os.environ.get("REPORT_RETRIES", "3"))
REPORT_RETRY_SECONDS = int(os.environ.get("REPORT_RETRY_SECONDS", "60"))
REPORTS_AT = os.environ.get("REPORTS_AT", "06:00")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ladder@localhost")
# Beat reads its schedule from the database (django-celery-beat), so people can see, pause and
# edit it in the admin; the entries below are written there when beat starts.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE["prune-delivered-reports"] = {
    "task": "reports.tasks.prune_delivered",
    "schedule": crontab(hour=4, minute=15),
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.support.ErrorDocumentingSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "api.support.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ladder API",
    "DESCRIPTION": "Engagement ladder distributions for the 43 police forces of England and Wales.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The docs page's JavaScript comes from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logs (django-structlog) -------------------------------------------------------------------
# LOG_FORMAT=json (production): one JSON object a line, from web, worker and beat (config.celery
# hands Celery the same LOGGING). Otherwise readable lines. Context bound with structlog's
# contextvars (request_id, task_id, run_id of a recompute, import_id of an import) is on every
# line, including lines from the standard `logging` module. Never log a citizen identifier.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "console").strip().lower()
_LOG_CONTEXT = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "foreign_pre_chain": _LOG_CONTEXT,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *(
                    [structlog.processors.dict_tracebacks, structlog.processors.JSONRenderer()]
                    if LOG_FORMAT == "json"
                    # Plain tracebacks: the same lines whether or not rich is installed (a dev
                    # tool brings it), and rich takes a second to draw each 403's traceback.
                    else [
                        structlog.dev.ConsoleRenderer(
                            colors=False, exception_formatter=structlog.dev.plain_traceback
                        )
                    ]
                ),
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Without REDIS_URL the broker is in memory and has no host: kombu warns "No hostname was
    # supplied" at every task queued in-process (make demo printed it). With Redis its
    # connection warnings matter and are kept.
    "loggers": {} if REDIS_URL else {"kombu.connection": {"level": "ERROR"}},
}
structlog.configure(
    processors=[
        *_LOG_CONTEXT,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.UnicodeDecoder(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
# Python's warnings become log lines too (py.warnings), not raw text between the JSON lines.
logging.captureWarnings(True)
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# --- end of Logs -------------------------------------------------------------------------------

# --- Probes ------------------------------------------------------------------------------------
# /healthz and /readyz (config/health.py) need no sign-in (login_not_required): load balancers and
# docker compose call them.
# /readyz answers 503 when the published figures are older than this many hours (0: never).
READY_SNAPSHOT_MAX_HOURS = float(os.environ.get("READY_SNAPSHOT_MAX_HOURS", "36"))
# --- end of Probes -----------------------------------------------------------------------------

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Hardening (issue #9) -------------------------------------------------------------------
# HTTPS=true turns on everything `check --deploy` asks for. Behind a TLS proxy, the proxy must set
# X-Forwarded-Proto (and strip it from clients). /healthz stays reachable over plain HTTP for a
# load balancer's checks.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# A session lasts a working day from sign-in (eight hours), then the user signs in again.
SESSION_COOKIE_AGE = 8 * 60 * 60

# Content-Security-Policy (django-csp): only the project's own scripts, styles, images and
# fonts; no inline script or style (the templates keep none: data for charts travels in
# json_script blocks, which are not executed). "data:" images: the empty favicon and the API
# docs' icons.
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

# Permissions-Policy (django-permissions-policy): the pages use none of these browser features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
}
# Histories are a record, not an undo: the admin's History pages show versions but offer no
# "revert", which would bypass the rules (a published definition is never edited).
SIMPLE_HISTORY_REVERT_DISABLED = True
# --- end of hardening -----------------------------------------------------------------------

# The recompute (engagement.ladder.recompute). A run shared out as Celery tasks counts as alive
# while some step holds its lock or its last heartbeat is younger than this; after that, the next
# run abandons it and deletes its unpublished figures.
RECOMPUTE_LEASE_SECONDS = int(os.environ.get("RECOMPUTE_LEASE_SECONDS", "900"))
# PostgreSQL memory for grouping one force's citizens (SET LOCAL in each force step).
RECOMPUTE_WORK_MEM = os.environ.get("RECOMPUTE_WORK_MEM", "64MB")
# Where a full recount groups citizens: duckdb (a columnar engine on a copy of each force's data,
# engagement.ladder.columnar; PostgreSQL only, several times faster) or postgres (in the database).
COUNTING_ENGINE = os.environ.get("COUNTING_ENGINE", "duckdb").lower()
if COUNTING_ENGINE not in ("duckdb", "postgres"):
    raise ImproperlyConfigured("COUNTING_ENGINE must be duckdb or postgres")
# A force with fewer interactions than this counts in the database even so: DuckDB's fixed cost
# per statement and copy makes it the slower engine for small forces (0: every force in DuckDB).
COUNTING_DUCKDB_FROM = int(os.environ.get("COUNTING_DUCKDB_FROM", "5000"))

# --- Input limits (issue #10: every bad input a clear answer) ---------------------------------
# The upload page (/imports/): a file larger than UPLOAD_MAX_BYTES is refused with a message
# before it is read; one larger than UPLOAD_BACKGROUND_BYTES is stored under UPLOAD_DIR and
# imported by a worker (in-process without REDIS_URL), the page following its progress.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(512 * 1024 * 1024)))
UPLOAD_BACKGROUND_BYTES = int(os.environ.get("UPLOAD_BACKGROUND_BYTES", str(1024 * 1024)))
UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", VAR_DIR / "uploads"))
# A stored upload's import whose worker stopped (killed, lost its host) is found every five
# minutes (the recover-uploads beat entry): a running import with no sign of life for
# UPLOAD_LEASE_MINUTES (default 60: longer than the largest file's write takes) is queued again,
# and one still queued after UPLOAD_RESEND_MINUTES (default 10: Redis was down, or the message
# was lost) is sent again. Nothing is written twice: an import writes in one transaction.
UPLOAD_LEASE_MINUTES = int(os.environ.get("UPLOAD_LEASE_MINUTES", "60"))
UPLOAD_RESEND_MINUTES = int(os.environ.get("UPLOAD_RESEND_MINUTES", "10"))
# Every CSV import (page, worker, command): a longer line is a problem naming it.
IMPORT_MAX_LINE_BYTES = int(os.environ.get("IMPORT_MAX_LINE_BYTES", str(1024 * 1024)))
# POST /api/v1/interactions/: at most 10,000 rows (api.ingest); a request of 10,000 rows with
# every value at its longest allowed length fits in 16 MB. Larger answers 413.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(16 * 1024 * 1024)))
# Never a 500 for a NUL character in an address (config.middleware.RefuseNul answers 400).
MIDDLEWARE.insert(1, "config.middleware.RefuseNul")

# People and access (issue #9): the product's own sign-in page, roles (engagement.roles), API
# tokens, and limits on sign-in attempts and API requests. Every page needs a signed-in person
# (LoginRequiredMiddleware): only the sign-in page and /healthz are exempt; the API answers
# anonymous clients itself (401, api.access).
INSTALLED_APPS += ["axes"]  # rest_framework.authtoken is installed above
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last: it turns a lockout into the page
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked account before checking
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "dashboard:sign-in"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "dashboard:sign-in"
# Sign-in attempts (django-axes): 5 failures within 15 minutes lock the account, and the address
# they came from, for 15 minutes; a success clears the count. Admins see and clear the attempts
# under Administration > Axes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dashboard.accounts.locked_out"
AXES_VERBOSE = False
REST_FRAMEWORK.update(
    {
        # Token first: its WWW-Authenticate header makes an anonymous request a 401.
        "DEFAULT_AUTHENTICATION_CLASSES": [
            "rest_framework.authentication.TokenAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ],
        "DEFAULT_PERMISSION_CLASSES": ["api.access.ReadsFigures"],
        "DEFAULT_THROTTLE_CLASSES": ["api.access.AnonymousThrottle", "api.access.UserThrottle"],
    }
)
API_THROTTLE_RATES = {
    "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
    "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
}
SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] = ["api.access.ReadsFigures"]
