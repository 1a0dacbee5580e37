"""A large upload imported by a real Celery worker on the real Redis and PostgreSQL."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagement.ingest.tasks import recover_uploads
from engagement.ingest.uploads import store_upload
from engagement.models import ImportBatch, Interaction
from tests.factories import StaffFactory
from tests.ingestion import INTERACTION_HEADER, background_uploads_into_kent, imported_by_worker
from tests.processes import ON_A_REAL_WORKER
from tests.test_recompute_worker import worker  # noqa: F401 (the fixture: a real worker)

pytestmark = ON_A_REAL_WORKER


def test_a_large_upload_is_imported_by_the_worker_and_the_page_shows_the_outcome(
    worker,  # noqa: F811
    client,
    migrations_data,
    settings,
):
    background_uploads_into_kent(settings)
    client.force_login(StaffFactory())
    lines = [f"kent,tw,c{n},view,2026-05-01T10:00:00Z,e{n}" for n in range(2000)]
    data = ("\n".join([INTERACTION_HEADER, *lines]) + "\n").encode()

    response = client.post(
        reverse("engagement:imports"),
        {"what": "interactions", "file": SimpleUploadedFile("big.csv", data)},
    )

    assert response.status_code == 302
    batch = imported_by_worker(ImportBatch.objects.get(), worker)
    assert batch.created == Interaction.objects.count() == 2000
    assert "big.csv: imported" in client.get(response["Location"]).content.decode()


def test_the_beat_entry_sends_an_import_whose_worker_stopped_to_a_live_worker(
    worker,  # noqa: F811
    client,
    migrations_data,
    settings,
):
    """The record a killed worker leaves (running, silent past the lease, the file still
    stored): the beat's recover-uploads queues it again, and the live worker imports it."""
    background_uploads_into_kent(settings)
    lines = [f"kent,tw,c{n},view,2026-05-01T10:00:00Z,e{n}" for n in range(500)]
    data = ("\n".join([INTERACTION_HEADER, *lines]) + "\n").encode()
    batch = store_upload(
        upload=SimpleUploadedFile("big.csv", data), kind="interactions", dry_run=False, user=None
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=settings.UPLOAD_LEASE_MINUTES + 5),
    )

    assert recover_uploads() == 1

    batch = imported_by_worker(batch, worker)
    assert batch.created == Interaction.objects.count() == 500
