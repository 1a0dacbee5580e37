"""PostgreSQL unreachable (issue #27): 503 with the product's words on the pages and the API,
/readyz 503 and /healthz 200, commands exit 1 with one line, workers wait and lose no task, and
everything answers again when the database is back, without a restart.

The outage is real: gunicorn and the worker reach the test database through a TCP proxy
(tests/outage_helpers.DatabaseProxy) that the test cuts, which refuses new connections and
breaks the open ones, as a PostgreSQL restart does. The shared server is never stopped.
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from api.support import unavailable_body
from config.celery import app as celery_app
from engagement.definitions.selectors import current_definition
from engagement.ladder import recompute
from engagement.ladder.tasks import run_recompute
from engagement.models import RecomputeRun
from tests.database_helpers import database_url, manage
from tests.factories import AnalystFactory, ChannelFactory, CitizenFactory
from tests.live_processes import get, loadtest
from tests.outage_helpers import DatabaseProxy
from tests.processes import stop
from tests.recompute_helpers import act

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = ["/", "/compare/", "/definition/"]
API = ["/api/v1/forces/", "/api/v1/definitions/"]
UNAVAILABLE_PAGE = "Figures unavailable for a moment"


@pytest.fixture(scope="module")
def proxy(django_db_setup):
    db = connection.settings_dict
    proxy = DatabaseProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    proxy.start()
    yield proxy
    proxy.cut()


@pytest.fixture(scope="module")
def site(proxy):
    """gunicorn on the test database through the proxy, keeping its connections (CONN_MAX_AGE):
    one server for the module, never restarted."""
    env = {"DATABASE_URL": database_url(port=proxy.port), "DATABASE_CONN_MAX_AGE": "600"}
    with loadtest.serve(env, workers=1) as url:
        yield url


@pytest.fixture
def signed_in(client, migrations_data, published):
    client.force_login(AnalystFactory())
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.fixture
def outage(proxy):
    """`with outage(): ...`: the database cut off for the block, then reachable again."""

    @contextmanager
    def cut() -> Iterator[None]:
        proxy.cut()
        try:
            yield
        finally:
            proxy.restore()

    return cut


def answers(site, paths, cookies):
    return {path: get(site + path, cookies=cookies) for path in paths}


def test_pages_answer_503_with_the_products_page_and_200_again_once_the_database_is_back(
    site, signed_in, outage
):
    assert {p: a.status for p, a in answers(site, PAGES, signed_in).items()} == dict.fromkeys(
        PAGES, 200
    )
    with outage():
        during = answers(site, PAGES, signed_in)
    for answer in during.values():
        assert answer.status == 503
        assert UNAVAILABLE_PAGE in answer.body and "Nothing is lost" in answer.body
        assert "Traceback" not in answer.body and "OperationalError" not in answer.body
        assert answer.headers["Retry-After"] == "30"
    after = answers(site, PAGES, signed_in)  # the same server: no restart
    assert {p: a.status for p, a in after.items()} == dict.fromkeys(PAGES, 200)


def test_the_api_answers_503_in_its_error_shape_and_200_again_after(site, signed_in, outage):
    with outage():
        during = answers(site, API, signed_in)
    for answer in during.values():
        assert answer.status == 503
        assert json.loads(answer.body) == unavailable_body()
    after = answers(site, API, signed_in)
    assert {p: a.status for p, a in after.items()} == dict.fromkeys(API, 200)


def test_readyz_answers_503_naming_the_database_and_healthz_200(site, outage):
    with outage():
        ready, alive = get(f"{site}/readyz"), get(f"{site}/healthz")
    assert ready.status == 503
    body = json.loads(ready.body)
    assert body["checks"]["database"] == "unreachable"
    assert body["problems"][0].startswith("The database cannot be reached")
    assert (alive.status, json.loads(alive.body)) == (200, {"status": "ok"})
    assert get(f"{site}/readyz").status == 200


@pytest.mark.parametrize(
    "command", [["recompute"], ["export_distributions"], ["migrate", "--check"], ["backup", "x"]]
)
def test_a_command_exits_1_with_one_line_naming_the_outage(proxy, outage, command, migrations_data):
    with outage():
        done = manage(*command, DATABASE_URL=database_url(port=proxy.port))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"{command[0]}: the database cannot be reached (connection to server at "
        f'"127.0.0.1", port {proxy.port} failed: Connection refused); try again.'
    ]


@pytest.mark.worker
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL is unset)")
def test_a_worker_retries_a_task_while_the_database_is_away_and_finishes_it_after(
    proxy, outage, tmp_path, migrations_data
):
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    run = recompute.queue_run(definition=current_definition(), full=True)
    hostname = f"outage-test-{os.getpid()}@localhost"
    log = tmp_path / "worker.log"
    celery_app.control.purge()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "1"]
        + ["--queues", settings.CELERY_TASK_DEFAULT_QUEUE, "--hostname", hostname, "-l", "info"],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "DATABASE_URL": database_url(port=proxy.port)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[hostname], timeout=1):
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
        with outage():
            run_recompute.delay(run.pk)
            deadline = time.monotonic() + 30
            while "Retry in" not in log.read_text():
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            run.refresh_from_db()
            assert run.status == RecomputeRun.Status.QUEUED
        deadline = time.monotonic() + 120
        while run.status != RecomputeRun.Status.SUCCEEDED:
            assert time.monotonic() < deadline, f"{run.status} {run.error}\n{log.read_text()}"
            time.sleep(0.5)
            run.refresh_from_db()
    finally:
        stop(worker)
    assert run.rows_written > 0
