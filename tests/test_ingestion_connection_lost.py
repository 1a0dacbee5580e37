"""The database connection lost during an import: a clear message on every door, nothing kept.

The loss is real: another connection locks the citizens table, so the import waits at its first
write; the watcher then ends the import's PostgreSQL backend (pg_terminate_backend) and lets go.
"""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from engagement.ingest.rows import DATABASE_LOST, DatabaseLost
from engagement.ingest.uploads import run_stored_upload, store_upload, upload_storage
from engagement.models import ImportBatch
from forces.models import Force
from tests.factories import ChannelFactory, InteractionFactory, StaffFactory
from tests.ingestion import INTERACTION_HEADER, held_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CSV = f"{INTERACTION_HEADER}\nkent,tw,alice,view,2026-05-01T10:00:00Z,e1\n"


@pytest.fixture(autouse=True)
def kent_channel(migrations_data):
    channel = ChannelFactory(force=Force.objects.get(slug="kent"), slug="tw", platform="twitter")
    InteractionFactory(channel=channel)
    return channel


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def connection_lost_at_first_write() -> Iterator[list[int]]:
    """Within the block, the first import to write a citizen loses its database connection."""
    db = connection.settings_dict
    watcher = psycopg2.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"])
    ended: list[int] = []
    with watcher.cursor() as cursor:
        cursor.execute("LOCK TABLE engagement_citizen IN ACCESS EXCLUSIVE MODE")

    def end_the_waiting_import() -> None:
        with watcher.cursor() as cursor:
            for _ in range(600):
                # pg_stat_activity is read once per transaction unless its snapshot is cleared.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                waiting = [pid for (pid,) in cursor.fetchall()]
                if waiting:
                    for pid in waiting:
                        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                    ended.extend(waiting)
                    break
                time.sleep(0.05)
        watcher.rollback()  # lets go of the lock

    thread = threading.Thread(target=end_the_waiting_import)
    thread.start()
    try:
        yield ended
    finally:
        thread.join(timeout=60)
        watcher.close()


def test_the_command_says_so_in_one_line_and_exits_1(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(CSV)
    before = held_rows()
    with connection_lost_at_first_write() as ended:
        command = subprocess.run(
            [sys.executable, "manage.py", "import_interactions", str(path)],
            cwd=Path(settings.BASE_DIR),
            env={**os.environ, "DATABASE_URL": database_url()},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert ended, command.stdout + command.stderr
    assert command.returncode == 1
    assert "Traceback" not in command.stderr
    assert command.stderr.strip().splitlines()[-1] == f"CommandError: {path}: {DATABASE_LOST}"
    assert held_rows() == before


def test_the_upload_page_shows_an_error_message(client):
    client.force_login(StaffFactory())
    before = held_rows()
    upload = SimpleUploadedFile("rows.csv", CSV.encode(), content_type="text/csv")
    with connection_lost_at_first_write() as ended:
        response = client.post(
            reverse("engagement:imports"), {"what": "interactions", "file": upload}
        )
    assert ended
    assert response.status_code == 503
    page = response.content.decode()
    assert "rows.csv was not imported" in page
    assert "The database connection was lost during the import; nothing was written." in page
    assert held_rows() == before


def test_the_api_answers_503_with_the_error_body(client):
    client.force_login(StaffFactory())
    before = held_rows()
    row = {
        "force": "kent",
        "channel": "tw",
        "citizen": "alice",
        "kind": "view",
        "occurred_at": "2026-05-01T10:00:00Z",
    }
    with connection_lost_at_first_write() as ended:
        response = client.post("/api/v1/interactions/", [row], content_type="application/json")
    assert ended
    assert response.status_code == 503
    assert response.json() == {
        "status": 503,
        "code": "unavailable",
        "message": DATABASE_LOST,
        "errors": {},
    }
    assert held_rows() == before
    assert not ImportBatch.objects.exists()


def test_a_workers_upload_import_is_queued_again_with_its_file_and_imported_once_back(
    settings, tmp_path
):
    settings.UPLOAD_DIR = str(tmp_path)
    upload = SimpleUploadedFile("rows.csv", CSV.encode(), content_type="text/csv")
    batch = store_upload(upload=upload, kind="interactions", dry_run=False, user=None)
    before = held_rows()
    with connection_lost_at_first_write() as ended, pytest.raises(DatabaseLost):
        run_stored_upload(batch_id=batch.pk, wait_for_database=True)
    assert ended
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.QUEUED and batch.problems == []
    assert upload_storage().exists(batch.upload)
    assert held_rows() == before

    run_stored_upload(batch_id=batch.pk, wait_for_database=True)  # the task's retry
    batch.refresh_from_db()
    assert (batch.status, batch.created) == (ImportBatch.Status.SUCCEEDED, 1)
    assert not upload_storage().exists(batch.upload)
