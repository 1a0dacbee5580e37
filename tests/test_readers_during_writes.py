"""Readers during writes (issue #27): the pages and the API answer 200, and only 200, while an
import and a full recompute run. The readers are scripts/loadtest.py's, on gunicorn; the import
and the recompute are `manage.py` processes, as the worker or cron runs them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.database_helpers import database_url
from tests.ingestion import examples_dir
from tests.live_processes import loadtest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SMALL = examples_dir("small")


@pytest.fixture
def site(migrations_data, tmp_path):
    """Published figures of the small example, and gunicorn serving them with two workers."""
    call_command("import_channels", str(SMALL / "channels.csv"))
    call_command("import_interactions", str(SMALL / "interactions.csv"))
    call_command("recompute", "--full")
    with loadtest.serve({"DATABASE_URL": database_url()}, workers=2) as url:
        yield url


def read_while(site: str, *command: str):
    """`manage.py COMMAND` in its own process, with readers on every page and API read until it
    ends; the readers' report, once the command succeeded."""
    cookie = loadtest.reader_session()
    paths = loadtest.default_paths()
    writer = subprocess.Popen(
        [sys.executable, "manage.py", *command],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "DATABASE_URL": database_url()},  # the test database, as gunicorn
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    report = loadtest.load(
        site, paths, readers=4, until=lambda: writer.poll() is not None, cookie=cookie
    )
    output = writer.communicate()[0]
    assert writer.returncode == 0, output
    return report


def test_readers_see_only_200_during_an_import(site):
    report = read_while(site, "generate_demo", "--interactions", "20000", "--months", "6")
    assert report.statuses.keys() == {"200"}, report.lines()
    assert all(figures.requests >= 1 for figures in report.by_path.values()), report.lines()


def test_readers_see_only_200_during_a_full_recompute(site):
    call_command("generate_demo", "--interactions", "20000", "--months", "6")
    report = read_while(site, "recompute", "--full")
    assert report.statuses.keys() == {"200"}, report.lines()
    assert all(figures.requests >= 1 for figures in report.by_path.values()), report.lines()
