"""The Celery app: the nightly recompute runs here, in workers that share the per-force work.

Start a worker with `celery -A config worker -l info` and the scheduler with
`celery -A config beat -l info`. Without REDIS_URL, tasks run in-process (eager). A task that
loses the database waits for it (WaitsForTheDatabase).

Worker and beat log through Django's LOGGING (settings: one JSON object a line with
LOG_FORMAT=json), not Celery's own format, and every line of a task carries its task id
(django-structlog's worker step) and, for a recompute step, the run id (engagement.ladder.tasks).
"""

import logging.config
import os

from celery import Celery, Task
from celery.signals import setup_logging
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class WaitsForTheDatabase(Task):
    """Every task (unless it names its own base): a lost database is retried with growing pauses
    (5 s, 10 s, … up to 5 minutes, about 8 hours in all) rather than failed, so no task is lost
    to a PostgreSQL restart. Each retry is a new message, sent before this one is acknowledged
    (acks_late), and every task is safe to run twice. Run in-process (no REDIS_URL) the error is
    the caller's at once: there is no queue to wait in.
    """

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 5
    retry_backoff_max = 300
    max_retries = 100

    def retry(self, *args, exc=None, **kwargs):
        if self.request.is_eager and isinstance(exc, self.autoretry_for):
            raise exc
        return super().retry(*args, exc=exc, **kwargs)


app = Celery("ladder", task_cls=WaitsForTheDatabase)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["engagement.ladder", "engagement.ingest", "reports"])
app.steps["worker"].add(DjangoStructLogInitStep)


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Worker and beat: Django's handlers and format instead of Celery's."""
    logging.config.dictConfig(settings.LOGGING)
