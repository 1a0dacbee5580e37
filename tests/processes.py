"""Processes the tests start (Celery workers, beat): stopping them the way a server would."""

import signal
import subprocess

import pytest
from django.conf import settings

# The marks of a test on a real Celery worker: Redis for its queue, and committed data it can see.
ON_A_REAL_WORKER = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL is unset)"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (a warm shutdown), then SIGKILL if it has not exited within 30 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
