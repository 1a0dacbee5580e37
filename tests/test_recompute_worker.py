"""The nightly recompute end to end: a real Celery worker on the real Redis and PostgreSQL."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from engagement.ladder.tasks import nightly_recompute
from engagement.models import RecomputeRun
from tests.factories import ChannelFactory, CitizenFactory
from tests.processes import ON_A_REAL_WORKER, stop
from tests.recompute_helpers import act, current_snapshot, engaged

pytestmark = ON_A_REAL_WORKER


@pytest.fixture
def worker(tmp_path):
    """`celery -A config worker` with two processes, on this test's database and queue."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "DATABASE_CONN_MAX_AGE": "0",
    }
    hostname = f"recompute-test-{os.getpid()}@localhost"
    celery_app.control.purge()  # nothing left over from an earlier run on this queue
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--concurrency", "2"),
            *("--hostname", hostname, "-l", "info"),
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=(tmp_path / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    process.log = tmp_path / "worker.log"
    deadline = time.monotonic() + 60
    while not celery_app.control.ping(destination=[hostname], timeout=1):
        assert process.poll() is None, process.log.read_text()
        assert time.monotonic() < deadline, "the worker did not start within 60s"
    yield process
    stop(process)


def wait_for_run(worker, timeout: float = 90) -> RecomputeRun:
    """The run the nightly task started, once it ended well; the worker's log if it did not."""
    deadline = time.monotonic() + timeout
    run = None
    while time.monotonic() < deadline:
        run = RecomputeRun.objects.order_by("-pk").first()
        if run is not None and run.status == "succeeded":
            return run
        if run is not None and run.status not in {"queued", "running"}:
            break
        time.sleep(0.5)
    pytest.fail(f"run {run and run.status}: {run and run.error}\n{worker.log.read_text()}")


def test_nightly_task_fans_out_per_force_and_publishes_on_a_real_worker(worker):
    kent, essex = ChannelFactory(), ChannelFactory()
    act(kent, CitizenFactory(), "follow", "2026-01-10")
    act(essex, CitizenFactory(), "share", "2026-02-10")

    nightly_recompute.delay()
    run = wait_for_run(worker)

    assert set(run.covered["done"]) == {kent.force_id, essex.force_id}
    assert current_snapshot().run == run
    steps = [
        line
        for line in worker.log.read_text().splitlines()
        if "task=engagement.ladder.tasks.compute_force" in line or "published" in line
    ]
    assert any("published" in line for line in steps), steps
    assert all(f"run_id={run.pk}" in line for line in steps), steps  # the run id on each
    assert engaged(period="2026-02", channel=kent) == {1: 1}
    assert engaged(period="2026-02", channel=essex) == {4: 1}
