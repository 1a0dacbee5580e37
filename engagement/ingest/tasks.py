"""Celery tasks for the upload page's large files: wrappers around engagement.ingest.uploads."""

from celery import shared_task
from django.db import transaction

from engagement.ingest import uploads
from engagement.models import ImportBatch


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_stored_upload(batch_id: int) -> None:
    uploads.run_stored_upload(batch_id=batch_id)


@shared_task
def recover_uploads() -> int:
    """Beat, every five minutes: send again the uploads whose worker stopped or never came, and
    delete the exports left on the import-profile pages for a day."""
    uploads.prune_profile_drafts()
    resend = uploads.uploads_to_resend()
    for batch_id in resend:
        import_stored_upload.delay(batch_id)
    return len(resend)


def request_import(batch: ImportBatch) -> None:
    """Queue the stored upload's import once the record of it is committed."""
    transaction.on_commit(lambda: import_stored_upload.delay(batch.pk))
