"""Celery task for the upload page's large files: a wrapper around engagement.ingest.uploads."""

from celery import shared_task
from django.db import transaction

from engagement.ingest import uploads
from engagement.models import ImportBatch


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_stored_upload(batch_id: int) -> None:
    uploads.run_stored_upload(batch_id=batch_id)


def request_import(batch: ImportBatch) -> None:
    """Queue the stored upload's import once the record of it is committed."""
    transaction.on_commit(lambda: import_stored_upload.delay(batch.pk))
