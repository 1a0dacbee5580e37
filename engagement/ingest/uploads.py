"""Large uploads: kept on disk and imported by a worker, the page following the import record.

A request never imports a file for minutes: the upload page stores a file larger than
UPLOAD_BACKGROUND_BYTES under UPLOAD_DIR, records the import as queued, and a worker (Celery;
in-process without REDIS_URL) runs the same import service on it, filling that record with its
progress (bytes read) and its outcome. The stored file is deleted once the import has ended.

A worker can stop mid-import (killed, its host lost). Its transaction is rolled back, so nothing
was written, but the record would say "running" for ever: the progress refreshes a heartbeat,
and an import with none for UPLOAD_LEASE_MINUTES is taken over (`run_stored_upload` claims it,
`uploads_to_resend` queues it again for the beat task); one whose file has gone is marked failed
with a message saying so.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from engagement.ingest.channels import import_channels
from engagement.ingest.interactions import import_interactions, import_with_profile
from engagement.ingest.links import WithdrawalResult, import_links, withdraw_links
from engagement.ingest.profiles import Profile, parse_profile
from engagement.ingest.routes import import_routes
from engagement.ingest.rows import (
    ImportFailed,
    ImportRejected,
    ImportRequest,
    ImportResult,
    filling,
    without_nul,
)
from engagement.models import ImportBatch
from forces.selectors import forces_managed_by, routes_managed_by

logger = logging.getLogger(__name__)

IMPORTERS: dict[str, Callable[..., ImportResult | WithdrawalResult]] = {
    ImportBatch.Kind.INTERACTIONS: import_interactions,
    ImportBatch.Kind.CHANNELS: import_channels,
    ImportBatch.Kind.LINKS: import_links,
    ImportBatch.Kind.LINK_WITHDRAWALS: withdraw_links,
    ImportBatch.Kind.ROUTES: import_routes,
}


def forces_allowed(kind: str, user) -> frozenset[str] | None:
    """The forces whose rows `user` may import of a kind (None: every force): their own
    forces, but every force's routes for a definition admin."""
    if kind == ImportBatch.Kind.ROUTES:
        return routes_managed_by(user)
    return forces_managed_by(user)


# Exports kept while they are mapped on the import-profile pages, and how long an abandoned one
# stays (the recover-uploads beat deletes it after).
PROFILE_DRAFT_DIR = "profile-drafts"
PROFILE_DRAFT_HOURS = 24
UNEXPECTED = "The import stopped on an unexpected error (it has been logged); nothing was written."
FILE_GONE = (
    "The worker importing this file stopped, and the stored file is gone; nothing was written. "
    "Upload the file again."
)


def upload_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.UPLOAD_DIR)


def store_upload(
    *,
    upload: UploadedFile,
    kind: str,
    dry_run: bool,
    user: AbstractBaseUser | None,
    profile: Profile | None = None,
) -> ImportBatch:
    """Keep the upload where a worker can read it, and record its import as queued (with the
    import profile to read it through, if it is another tool's export)."""
    name = upload_storage().save(f"{uuid.uuid4().hex}.csv", upload)
    with transaction.atomic():
        return ImportBatch.objects.create(
            kind=kind,
            source=ImportBatch.Source.UPLOAD,
            filename=without_nul(upload.name or "")[:255],
            user=user if user is not None and user.is_authenticated else None,
            status=ImportBatch.Status.QUEUED,
            dry_run=dry_run,
            upload=name,
            bytes_total=upload.size,
            profile=None if profile is None else profile.document(),
        )


def _stopped() -> Q:
    """Running imports whose worker has shown no sign of life within the lease."""
    lease = timezone.now() - timedelta(minutes=settings.UPLOAD_LEASE_MINUTES)
    return Q(status=ImportBatch.Status.RUNNING, source=ImportBatch.Source.UPLOAD) & (
        Q(heartbeat_at__lt=lease) | Q(heartbeat_at__isnull=True, started_at__lt=lease)
    )


def run_stored_upload(*, batch_id: int) -> None:
    """Import a queued upload into its record. Safe to run twice: only a queued one starts, or
    a running one whose worker has stopped (it starts again from the top)."""
    claimable = Q(status=ImportBatch.Status.QUEUED) | _stopped()
    if not ImportBatch.objects.filter(claimable, pk=batch_id).update(
        status=ImportBatch.Status.RUNNING, heartbeat_at=timezone.now(), bytes_read=0
    ):
        return
    batch = ImportBatch.objects.select_related("user").get(pk=batch_id)
    storage = upload_storage()
    try:
        with storage.open(batch.upload, "rb") as source, filling(batch):
            _importer(batch)(
                source=source,
                request=ImportRequest(
                    filename=batch.filename,
                    dry_run=batch.dry_run,
                    user=batch.user,
                    origin=ImportBatch.Source.UPLOAD,
                    # A force data manager's upload names only their forces, as on the page.
                    forces=forces_allowed(batch.kind, batch.user) if batch.user else None,
                    progress=lambda read: _advance(batch_id, read),
                ),
            )
    except ImportRejected:
        pass  # its problems are on the record
    except ImportFailed as failed:
        _fail(batch_id, str(failed))
    except Exception:
        logger.exception("import %s of an upload failed", batch_id)
        _fail(batch_id, UNEXPECTED)
    finally:
        storage.delete(batch.upload)


def _importer(batch: ImportBatch) -> Callable[..., Any]:
    """The import a stored upload is read with: its kind's, or through its import profile."""
    if batch.profile:
        return functools.partial(import_with_profile, profile=parse_profile(batch.profile))
    return IMPORTERS[batch.kind]


def uploads_to_resend() -> list[int]:
    """Stored uploads to send to a worker again, oldest first: those whose worker stopped (queued
    again) and those still queued after UPLOAD_RESEND_MINUTES. One whose file has gone is marked
    failed instead: there is nothing left to import."""
    waited = timezone.now() - timedelta(minutes=settings.UPLOAD_RESEND_MINUTES)
    storage = upload_storage()
    resend = []
    with transaction.atomic():
        candidates = ImportBatch.objects.select_for_update(skip_locked=True).filter(
            Q(status=ImportBatch.Status.QUEUED, started_at__lt=waited) | _stopped(),
            source=ImportBatch.Source.UPLOAD,
        )
        for batch in candidates.order_by("started_at", "pk"):
            if not batch.upload or not storage.exists(batch.upload):
                batch.status = ImportBatch.Status.FAILED
                batch.finished_at = timezone.now()
                batch.problems = [FILE_GONE]
                batch.save(update_fields=["status", "finished_at", "problems"])
                continue
            if batch.status == ImportBatch.Status.RUNNING:
                batch.status, batch.bytes_read = ImportBatch.Status.QUEUED, 0
                batch.save(update_fields=["status", "bytes_read"])
            resend.append(batch.pk)
    if resend:
        logger.warning("uploads sent to a worker again: %s", resend)
    return resend


def prune_profile_drafts() -> int:
    """Delete the exports kept for the import-profile pages more than PROFILE_DRAFT_HOURS ago
    (their person left without importing); returns how many went."""
    storage = upload_storage()
    if not storage.exists(PROFILE_DRAFT_DIR):
        return 0
    oldest = timezone.now() - timedelta(hours=PROFILE_DRAFT_HOURS)
    pruned = 0
    for name in storage.listdir(PROFILE_DRAFT_DIR)[1]:
        path = f"{PROFILE_DRAFT_DIR}/{name}"
        if storage.get_modified_time(path) < oldest:
            storage.delete(path)
            pruned += 1
    return pruned


def _advance(batch_id: int, read: int) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(
        bytes_read=F("bytes_read") + read, heartbeat_at=timezone.now()
    )


def _fail(batch_id: int, message: str) -> None:
    ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.RUNNING).update(
        status=ImportBatch.Status.FAILED, finished_at=timezone.now(), problems=[message]
    )
