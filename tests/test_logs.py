"""Logs: one JSON object a line with LOG_FORMAT=json, readable lines otherwise; the run id on
every line of a recompute, the import id on every line of an import, never a citizen's id.

The commands run as they do on a server, in a process of their own, against this test's
database, and their standard error is what a log shipper would read.
"""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection

from engagement.models import ImportBatch, Interaction, RecomputeRun
from tests.factories import ChannelFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CITIZEN = "alice.the.citizen@example.org"


def manage(*args: str, log_format: str | None) -> subprocess.CompletedProcess:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
    }
    env.pop("LOG_FORMAT", None)
    if log_format:
        env["LOG_FORMAT"] = log_format
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done


def json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # every line is one JSON object


@pytest.fixture
def interactions_file(tmp_path) -> Path:
    channel = ChannelFactory()
    path = tmp_path / "interactions.csv"
    path.write_text(
        "force,channel,citizen,kind,occurred_at,external_id\n"
        f"{channel.force.slug},{channel.slug},{CITIZEN},follow,2026-03-01T10:00:00Z,a1\n"
        f"{channel.force.slug},{channel.slug},{CITIZEN},share,2026-03-10T10:00:00Z,a2\n"
    )
    return path


def test_an_import_logs_json_lines_that_all_carry_its_import_id_and_no_citizen(
    interactions_file,
):
    done = manage("import_interactions", str(interactions_file), log_format="json")
    lines = json_lines(done.stderr)
    assert len({line["import_id"] for line in lines}) == 1
    assert all(line["level"] and line["timestamp"] and line["event"] for line in lines)
    assert any("2 row(s) read, 2 created" in line["event"] for line in lines)
    assert CITIZEN not in done.stderr and "alice" not in done.stderr
    assert Interaction.objects.count() == 2 and ImportBatch.objects.get().created == 2


def test_a_recompute_logs_json_lines_that_all_carry_its_run_id(interactions_file):
    manage("import_interactions", str(interactions_file), log_format="json")
    done = manage("recompute", "--full", log_format="json")
    run = RecomputeRun.objects.get()
    lines = json_lines(done.stderr)
    assert {line["run_id"] for line in lines} == {run.pk}
    assert any("published" in line["event"] for line in lines)
    assert run.status == "succeeded"


def test_in_development_the_lines_are_readable_text_with_the_run_id():
    done = manage("recompute", "--full", log_format=None)
    run = RecomputeRun.objects.get()
    lines = done.stderr.strip().splitlines()
    assert lines and all(f"run_id={run.pk}" in line for line in lines)
    assert not lines[0].startswith("{")


def test_in_development_a_traceback_is_plain_python_text():
    """Whether or not rich is installed (a dev tool brings it): its boxes took a second a 403."""
    config = settings.LOGGING["formatters"]["structured"]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=config["foreign_pre_chain"], processors=config["processors"]
    )
    try:
        raise PermissionDenied("not yours")
    except PermissionDenied:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Forbidden", None, sys.exc_info()
        )
    text = formatter.format(record)
    assert "Traceback (most recent call last):" in text
    assert "PermissionDenied: not yours" in text
    assert "╭" not in text
