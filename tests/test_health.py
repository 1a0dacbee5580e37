"""/healthz says the process answers; /readyz says whether it can serve, with the reasons."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagement.models import RecomputeRun
from tests.factories import SnapshotFactory
from tests.outage_helpers import free_port, nowhere

pytestmark = pytest.mark.django_db


def ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, response.json()


def test_healthz_answers_anonymously_without_touching_the_database(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert len(queries) == 0


def test_readyz_is_ok_anonymously_with_the_age_of_the_figures(client, settings, spare_redis):
    settings.REDIS_URL = spare_redis.url
    SnapshotFactory(published_at=timezone.now() - timedelta(hours=2))
    status, body = ready(client)
    assert status == 200 and body["status"] == "ok" and body["problems"] == []
    checks = body["checks"]
    assert (checks["database"], checks["migrations"], checks["redis"]) == ("ok", "ok", "ok")
    assert checks["figures"]["age_hours"] == 2.0


def test_readyz_before_any_figures_is_ok_and_says_so(client):
    status, body = ready(client)
    assert status == 200
    assert body["checks"]["figures"] == {"published_at": None, "note": "no figures published yet"}


def test_readyz_with_figures_older_than_the_limit_is_503_naming_their_age(client, settings):
    settings.READY_SNAPSHOT_MAX_HOURS = 36
    SnapshotFactory(published_at=timezone.now() - timedelta(hours=50))
    status, body = ready(client)
    assert status == 503 and body["status"] == "unavailable"
    assert body["problems"] == [
        "The published figures are 50.0 hours old (more than 36): the nightly recompute has "
        "not succeeded since."
    ]


def test_readyz_with_redis_down_is_503_and_changes_nothing(client, settings):
    settings.REDIS_URL = nowhere()
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["redis"] == "unreachable"
    assert [problem.split(":")[0] for problem in body["problems"]] == ["Redis cannot be reached"]
    assert not RecomputeRun.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_with_a_migration_not_applied_is_503_naming_it(client):
    graph = MigrationLoader(connection).graph
    latest = max(node for node in graph.leaf_nodes() if node[0] == "engagement")
    (previous,) = graph.node_map[latest].parents
    call_command("migrate", "engagement", previous.key[1], verbosity=0)
    try:
        status, body = ready(client)
    finally:
        call_command("migrate", "engagement", latest[1], verbosity=0)
    assert status == 503
    assert body["problems"] == [f"1 migration(s) not applied: engagement.{latest[1]}"]
    assert ready(client)[0] == 200


def test_readyz_with_the_database_unreachable_is_503_saying_so():
    """In a process of its own, as the database must be down from its first query."""
    code = (
        "import json\n"
        "from django.test import Client\n"
        "response = Client(HTTP_HOST='localhost').get('/readyz')\n"
        "print(json.dumps([response.status_code, response.json()]))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/ladder",
        "LOG_LEVEL": "CRITICAL",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (answer,) = [line for line in done.stdout.splitlines() if line.startswith("[")]
    status, body = json.loads(answer)
    assert status == 503, done.stderr
    assert body["checks"]["database"] == "unreachable"
    assert body["problems"][0].startswith("The database cannot be reached: ")
