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
- API_THROTTLE_USER  default: 1200/minute, API requests per signed-in user (token or session)
- API_THROTTLE_ANON  default: 60/minute, API requests per address without credentials
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

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
    "forces",
    "engagement",
    "dashboard",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}
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

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ladder"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set, otherwise every task runs in-process as it is queued.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "ladder")
RECOMPUTE_AT = os.environ.get("RECOMPUTE_AT", "02:30")
_recompute_hour, _recompute_minute = RECOMPUTE_AT.split(":")
CELERY_BEAT_SCHEDULE = {
    "nightly-recompute": {
        "task": "engagement.ladder.tasks.nightly_recompute",
        "schedule": crontab(hour=int(_recompute_hour), minute=int(_recompute_minute)),
    }
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True

# The recompute (engagement.ladder.recompute). A run shared out as Celery tasks counts as alive
# while some step holds its lock or its last heartbeat is younger than this; after that, the next
# run abandons it and deletes its unpublished figures.
RECOMPUTE_LEASE_SECONDS = int(os.environ.get("RECOMPUTE_LEASE_SECONDS", "900"))
# PostgreSQL memory for grouping one force's citizens (SET LOCAL in each force step).
RECOMPUTE_WORK_MEM = os.environ.get("RECOMPUTE_WORK_MEM", "64MB")

# People and access (issue #9): the product's own sign-in page, roles (engagement.roles), API
# tokens, and limits on sign-in attempts and API requests. Every page needs a signed-in person
# (LoginRequiredMiddleware): only the sign-in page and /healthz are exempt; the API answers
# anonymous clients itself (401, api.access).
INSTALLED_APPS += ["rest_framework.authtoken", "axes"]
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
