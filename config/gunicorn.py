"""gunicorn's settings for the web process: `gunicorn -c python:config.gunicorn config.wsgi`.

The timeout must outlast the largest upload: a worker reading a request body counts as busy,
and gunicorn kills a worker silent for `timeout` seconds, which answered a 207 MB upload with
a 500 and no record under the default 30 s. UPLOAD_MAX_BYTES (default 512 MB) at a slow 2 MB/s
is about 260 s, plus the import's own checking and writing: hence GUNICORN_TIMEOUT's 600 s
default. Raise both together. The log lines go through Django's LOGGING (one JSON object a line
with LOG_FORMAT=json); the access log is off, as every request is logged by django-structlog.
"""

import os

from config.settings import LOGGING

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # noqa: S104 (inside the container)
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "600"))
graceful_timeout = 30
keepalive = 5
accesslog = None
logconfig_dict = {
    **LOGGING,
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True},
    },
}
