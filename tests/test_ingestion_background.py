"""Large uploads go to a worker: the request stores the file and answers at once; the page follows
the import record's progress to its outcome. Here the task runs in-process (as without
REDIS_URL) once the request's transaction commits."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagement.ingest.uploads import FILE_GONE, run_stored_upload, uploads_to_resend
from engagement.models import ImportBatch, Interaction
from forces.models import Force
from tests.factories import ChannelFactory, StaffFactory
from tests.ingestion import INTERACTION_HEADER, UNKNOWN_KIND, held_rows

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROWS = 3000  # about 150 kB, over the lowered threshold below, and over a progress step


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.UPLOAD_BACKGROUND_BYTES = 10_000
    settings.UPLOAD_DIR = tmp_path / "uploads"
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="tw", platform="twitter")


@pytest.fixture
def in_process(monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # as without REDIS_URL


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def large_csv(*extra: str) -> bytes:
    lines = [f"kent,tw,c{n},view,2026-05-01T10:00:00Z,e{n}" for n in range(ROWS)]
    return ("\n".join([INTERACTION_HEADER, *lines, *extra]) + "\n").encode()


def post(client, data: bytes, **fields):
    upload = SimpleUploadedFile("big.csv", data, content_type="text/csv")
    return client.post(
        reverse("engagement:imports"), {"what": "interactions", "file": upload, **fields}
    )


def test_a_large_upload_is_queued_and_the_request_answers_at_once(staff_client, settings):
    response = post(staff_client, large_csv())  # no commit here: the task is not run
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("engagement:import-batch", args=[batch.pk])
    assert batch.status == ImportBatch.Status.QUEUED
    assert (settings.UPLOAD_DIR / batch.upload).stat().st_size == batch.bytes_total
    page = staff_client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert not Interaction.objects.exists()


def test_the_worker_imports_it_and_the_page_shows_the_outcome(
    staff_client, settings, in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert (batch.rows_read, batch.created, batch.duplicates) == (ROWS, ROWS, 0)
    assert batch.bytes_read == batch.bytes_total
    assert Interaction.objects.count() == ROWS
    assert not (settings.UPLOAD_DIR / batch.upload).exists()
    page = staff_client.get(response["Location"]).content.decode()
    assert "big.csv: imported" in page
    assert "http-equiv" not in page


def test_a_rejected_large_upload_lists_its_problems_and_keeps_nothing(
    staff_client, in_process, django_capture_on_commit_callbacks
):
    before = held_rows()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(staff_client, large_csv("kent,tw,x,poke,2026-05-01T10:00:00Z,"))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.problems == [f"line {ROWS + 2}: kind: {UNKNOWN_KIND}"]
    page = staff_client.get(response["Location"]).content.decode()
    assert "big.csv was not imported: nothing was written" in page
    assert held_rows() == before


def test_a_large_dry_run_is_counted_and_writes_nothing(
    staff_client, in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(staff_client, large_csv(), dry_run="on")
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created) == (ImportBatch.Status.DRY_RUN, ROWS)
    assert not Interaction.objects.exists()


def test_the_task_run_twice_imports_once(staff_client):
    post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    run_stored_upload(batch_id=batch.pk)
    run_stored_upload(batch_id=batch.pk)
    assert ImportBatch.objects.get().created == ROWS
    assert Interaction.objects.count() == ROWS


def test_a_file_gone_from_the_upload_folder_fails_the_record_with_a_message(staff_client, settings):
    post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    (settings.UPLOAD_DIR / batch.upload).unlink()
    run_stored_upload(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.problems == [
        "The import stopped on an unexpected error (it has been logged); nothing was written."
    ]


def stopped_mid_import(batch: ImportBatch, *, minutes_ago: int) -> None:
    """The record as a worker killed mid-import leaves it: running, partly read, silent since."""
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING,
        bytes_read=5000,
        heartbeat_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_an_import_whose_worker_stopped_is_queued_again_and_then_imported(staff_client, settings):
    post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    stopped_mid_import(batch, minutes_ago=settings.UPLOAD_LEASE_MINUTES + 1)

    assert uploads_to_resend() == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.bytes_read) == (ImportBatch.Status.QUEUED, 0)

    run_stored_upload(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert batch.created == Interaction.objects.count() == ROWS


def test_an_import_with_a_live_worker_is_left_alone(staff_client, settings):
    post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    stopped_mid_import(batch, minutes_ago=settings.UPLOAD_LEASE_MINUTES - 1)

    assert uploads_to_resend() == []
    run_stored_upload(batch_id=batch.pk)  # a second message for it: it does nothing
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.RUNNING
    assert Interaction.objects.count() == 0


def test_a_redelivered_message_takes_over_an_import_whose_worker_stopped(staff_client, settings):
    post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    stopped_mid_import(batch, minutes_ago=settings.UPLOAD_LEASE_MINUTES + 1)

    run_stored_upload(batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert Interaction.objects.count() == ROWS


def test_a_queued_upload_nobody_took_is_sent_again_after_a_while(staff_client, settings):
    post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    assert uploads_to_resend() == []  # just queued: a worker may still take it

    ImportBatch.objects.filter(pk=batch.pk).update(
        started_at=timezone.now() - timedelta(minutes=settings.UPLOAD_RESEND_MINUTES + 1)
    )

    assert uploads_to_resend() == [batch.pk]


def test_an_import_whose_worker_stopped_and_whose_file_is_gone_fails_with_a_message(
    staff_client, settings
):
    post(staff_client, large_csv())
    batch = ImportBatch.objects.get()
    stopped_mid_import(batch, minutes_ago=settings.UPLOAD_LEASE_MINUTES + 1)
    (settings.UPLOAD_DIR / batch.upload).unlink()

    assert uploads_to_resend() == []

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.problems == [FILE_GONE]
    page = staff_client.get(reverse("engagement:import-batch", args=[batch.pk])).content.decode()
    assert "Upload the file again" in page
