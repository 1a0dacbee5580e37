"""Celery tasks for the recompute: thin wrappers around engagement.ladder.recompute.

They take ids, never objects. Every task is acknowledged only once it finished (acks_late) and
is put back in the queue if its worker dies (reject_on_worker_lost): each step is idempotent, so
running one twice is safe. The nightly run fans out one task per force, so that several workers
share the work, then one task publishes the result (a chord); then the local lenses are counted,
one force each, in one task.

Redis outages: queueing a run (the admin's "Recompute now", publishing a definition) first
checks that the broker answers, within settings.REDIS_TIMEOUT_SECONDS, and otherwise refuses
whole with RecomputeNotQueued (a publication is rolled back with it). The run is sent once the
caller's transaction commits; if Redis fails in between, the run stays queued without `sent_at`
and shows as waiting (RecomputeRun.waiting), and `resend_waiting_runs` (every five minutes on
beat, and the nightly task) sends it again, as it does a run no worker started. Without
REDIS_URL the run is done in this process when the transaction commits, and any failure marks
it failed: in a background thread of the web process (settings.RECOMPUTE_IN_BACKGROUND, the
default), so that the page that asked answers at once and follows the run's progress, stored in
the run as a worker's is; one run at a time, in the order asked. Every line logged by a step of
a run carries its run id.
"""

from __future__ import annotations

import logging
import queue
import threading

import structlog
from celery import Task, chord, shared_task
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import InterfaceError, OperationalError, connections, transaction
from django.dispatch import receiver
from django.utils import timezone
from django_structlog.celery.signals import bind_extra_task_metadata
from kombu.exceptions import OperationalError as BrokerUnreachable
from redis.exceptions import RedisError

from engagement.definitions.selectors import current_definition
from engagement.definitions.signals import definition_published
from engagement.ladder import recompute
from engagement.models import EngagementDefinition, RecomputeRun

logger = logging.getLogger(__name__)

# What sending to an unreachable broker raises (kombu wraps most in its OperationalError).
SEND_ERRORS = (BrokerUnreachable, RedisError, OSError)


class RecomputeNotQueued(Exception):
    """The workers' queue (Redis) cannot be reached: no run was queued and nothing changed."""

    def __init__(self, error: BaseException):
        super().__init__(
            "The recompute queue (Redis) cannot be reached, so nothing was done: "
            f"try again when it is back, or run `manage.py recompute` on the server ({error})."
        )


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
        run_id = _run_id(args, kwargs)
        if run_id is not None:
            with structlog.contextvars.bound_contextvars(run_id=run_id):
                recompute.fail_run(run_id=run_id, error=exc)


def _run_id(args, kwargs) -> int | None:
    return kwargs.get("run_id", args[0] if args else None)


@receiver(bind_extra_task_metadata, dispatch_uid="ladder-run-id-on-task-logs")
def bind_run_id(sender, *, task, **kwargs) -> None:
    """Every line a step of a run logs in a worker (django-structlog's too) names the run."""
    if isinstance(task, RunStep):
        structlog.contextvars.bind_contextvars(
            run_id=_run_id(task.request.args or (), task.request.kwargs or {})
        )


@shared_task(base=RunStep, ignore_result=True, **RETRY)
def run_recompute(run_id: int, sent: str | None = None) -> None:
    """Start a queued run (from the admin or the nightly schedule) and share out its steps.

    `sent` is when this message was sent: a run sent again (resend_waiting_runs) starts from
    its latest message only, so that the copies left in the queue do no work twice.
    """
    if sent is not None and not recompute.is_latest_send(run_id=run_id, sent=sent):
        return
    with recompute.holding_run(run_id):
        force_ids = recompute.start_run(run_id=run_id)
    if force_ids is not None:
        _fan_out(run_id, force_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def nightly_recompute() -> int:
    """The nightly incremental recompute of the published definition (Celery beat)."""
    resend_waiting_runs()
    run = recompute.queue_run(definition=current_definition())
    _dispatch(run.pk)
    return run.pk


@shared_task(ignore_result=True)
def resend_waiting_runs() -> int:
    """Send again the queued runs that never reached a worker (Celery beat, every 5 minutes).

    A run sent twice is safe: the second start finds it running (or ended) and repeats only
    idempotent steps.
    """
    waiting = recompute.runs_to_resend()
    for run_id in waiting:
        _dispatch(run_id)
    return len(waiting)


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
    if _lenses_follow(recompute.finish_run(run_id=run_id)):
        recompute_lenses.delay()


def _lenses_follow(run: RecomputeRun) -> bool:
    """New shared figures are followed by every published local lens's."""
    return (
        run.status == RecomputeRun.Status.SUCCEEDED
        and not run.preview
        and not run.definition.is_lens
    )


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
    """Queue a run, sent to the workers once the caller's transaction commits (done in this
    process without REDIS_URL). Raises RecomputeNotQueued, before writing anything, when the
    workers' queue cannot be reached."""
    if not _in_process():
        _check_broker()
    with transaction.atomic():
        run = recompute.queue_run(definition=definition, full=full, user=user)
        run_id = run.pk
        transaction.on_commit(lambda: _dispatch(run_id))
    return run


def _in_process() -> bool:
    return bool(run_recompute.app.conf.task_always_eager)


def _check_broker() -> None:
    """Refuse at once, rather than commit a run nobody will receive, when Redis is down."""
    try:
        with run_recompute.app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
    except SEND_ERRORS as error:
        logger.warning("The recompute queue (Redis) is unreachable: %s", error)
        raise RecomputeNotQueued(error) from error


def _dispatch(run_id: int) -> None:
    """Hand a queued run to the workers, or run it here when tasks run in-process: in the
    background thread (settings.RECOMPUTE_IN_BACKGROUND), else at once."""
    if not _in_process():
        _send(run_id)
    elif settings.RECOMPUTE_IN_BACKGROUND:
        recompute.mark_in_process(run_id=run_id)  # this process does it: no worker awaited
        _background().put(run_id)
    else:
        _run_here(run_id)


def _run_here(run_id: int) -> None:
    if _lenses_follow(recompute.run_queued(run_id=run_id)):
        recompute.recompute_lenses()


_runs: queue.SimpleQueue[int] | None = None
_runs_lock = threading.Lock()


def _background() -> queue.SimpleQueue[int]:
    """The queue of this process's background thread, started on first use.

    One thread, so runs never overlap (a second would be skipped while the first runs) and
    follow in the order asked. A daemon: stopping the server does not wait for a run; the run
    left "running" is found dead by the next one (its lock or heartbeat is gone) and abandoned.
    """
    global _runs
    with _runs_lock:
        if _runs is None:
            _runs = queue.SimpleQueue()
            threading.Thread(
                target=_work_through, args=(_runs,), name="ladder-recompute", daemon=True
            ).start()
        return _runs


def _work_through(runs: queue.SimpleQueue[int]) -> None:
    """The background thread: each run in its own database connection, closed after it."""
    while True:
        run_id = runs.get()
        try:
            _run_here(run_id)
        except Exception:  # run_queued marks its own failures; this is what escaped it
            logger.exception("Recompute run %s failed in the background", run_id)
        finally:
            connections.close_all()


def _send(run_id: int) -> None:
    """Send a run to the workers. If Redis fails now, the run stays queued and unsent (shown
    as waiting) for resend_waiting_runs: the caller's transaction has already committed."""
    sent = timezone.now()
    recompute.mark_sent(run_id=run_id, at=sent)  # before the send: a worker may start at once
    try:
        run_recompute.delay(run_id, sent=sent.isoformat())
    except SEND_ERRORS as error:
        recompute.mark_sent(run_id=run_id, at=None)
        logger.warning(
            "Recompute run %s could not be sent to the workers (%s); it is sent again within "
            "%s minutes.",
            run_id,
            error,
            settings.RECOMPUTE_RESEND_MINUTES,
        )


@receiver(definition_published, dispatch_uid="ladder-recompute-on-publish")
def recompute_published_definition(
    sender, *, definition: EngagementDefinition, user: AbstractBaseUser | None = None, **kwargs
) -> None:
    """A newly published version gets its figures now, not after the nightly run."""
    request_recompute(definition=definition, full=True, user=user)
