"""The Celery app: the nightly recompute runs here, in workers that share the per-force work.

Start a worker with `celery -A config worker -l info` and the scheduler with
`celery -A config beat -l info`. Without REDIS_URL, tasks run in-process (eager).

Worker and beat log through Django's LOGGING (settings: one JSON object a line with
LOG_FORMAT=json), not Celery's own format, and every line of a task carries its task id
(django-structlog's worker step) and, for a recompute step, the run id (engagement.ladder.tasks).
"""

import logging.config
import os

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ladder")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["engagement.ladder", "engagement.ingest", "reports"])
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Worker and beat: Django's handlers and format instead of Celery's."""
    logging.config.dictConfig(settings.LOGGING)
