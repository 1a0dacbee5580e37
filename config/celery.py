"""The Celery app: the nightly recompute runs here, in workers that share the per-force work.

Start a worker with `celery -A config worker -l info` and the scheduler with
`celery -A config beat -l info`. Without REDIS_URL, tasks run in-process (eager).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ladder")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["engagement.ladder", "engagement.ingest", "reports"])
