"""Celery tasks for the recompute: thin wrappers around engagement.ladder.recompute.

They take ids, never objects. Every task is acknowledged only once it finished (acks_late) and
is put back in the queue if its worker dies (reject_on_worker_lost): each step is idempotent, so
running one twice is safe. The nightly run fans out one task per force, so that several workers
share the work, then one task publishes the result (a chord); then the local lenses are counted,
one force each, in one task.
"""

from __future__ import annotations

from celery import Task, chord, shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.db import InterfaceError, OperationalError, transaction
from django.dispatch import receiver

from engagement.definitions.selectors import current_definition
from engagement.definitions.signals import definition_published
from engagement.ladder import recompute
from engagement.models import EngagementDefinition, RecomputeRun

RETRY = {
    # The database restarting, a dropped connection: try again, with growing pauses.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


class RunStep(Task):
    """A step of a run (its first argument is the run id): a final failure fails the run."""

    acks_late = True
    reject_on_worker_lost = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id = kwargs.get("run_id", args[0] if args else None)
        if run_id is not None:
            recompute.fail_run(run_id=run_id, error=exc)


@shared_task(base=RunStep, **RETRY)
def run_recompute(run_id: int) -> None:
    """Start a queued run (from the admin or the nightly schedule) and share out its steps."""
    with recompute.holding_run(run_id):
        force_ids = recompute.start_run(run_id=run_id)
    if force_ids is not None:
        _fan_out(run_id, force_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def nightly_recompute() -> int:
    """The nightly incremental recompute of the published definition (Celery beat)."""
    run = recompute.queue_run(definition=current_definition())
    run_recompute.delay(run.pk)
    return run.pk


@shared_task(base=RunStep, **RETRY)
def compute_force(run_id: int, force_id: int) -> int:
    return recompute.compute_force(run_id=run_id, force_id=force_id)


# Publishing also waits (retries) while a force step is still running: a force step delivered
# twice may complete the chord early.
PUBLISH_RETRY = {
    **RETRY,
    "autoretry_for": (OperationalError, InterfaceError, recompute.RunNotFinished),
    "max_retries": 60,
}


@shared_task(base=RunStep, **PUBLISH_RETRY)
def publish_run(run_id: int) -> None:
    run = recompute.finish_run(run_id=run_id)
    if (
        run.status == RecomputeRun.Status.SUCCEEDED
        and not run.preview
        and not run.definition.is_lens
    ):
        recompute_lenses.delay()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def recompute_lenses() -> list[int]:
    """Every published local lens, counted beside the shared figures that were just published."""
    return [run.pk for run in recompute.recompute_lenses()]


def _fan_out(run_id: int, force_ids: list[int]) -> None:
    """One task per force, then the publishing step once they all finished."""
    if force_ids:
        chord(compute_force.si(run_id, force_id) for force_id in force_ids)(publish_run.si(run_id))
    else:
        publish_run.delay(run_id)


def request_recompute(
    *,
    definition: EngagementDefinition,
    full: bool = False,
    user: AbstractBaseUser | None = None,
) -> RecomputeRun:
    """Queue a run for the workers, sent once the caller's transaction commits (in-process
    without REDIS_URL)."""
    with transaction.atomic():
        run = recompute.queue_run(definition=definition, full=full, user=user)
        transaction.on_commit(lambda: run_recompute.delay(run.pk))
    return run


@receiver(definition_published, dispatch_uid="ladder-recompute-on-publish")
def recompute_published_definition(
    sender, *, definition: EngagementDefinition, user: AbstractBaseUser | None = None, **kwargs
) -> None:
    """A newly published version gets its figures now, not after the nightly run."""
    request_recompute(definition=definition, full=True, user=user)
