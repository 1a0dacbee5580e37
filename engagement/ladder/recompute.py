"""Recompute runs: which forces to count, the snapshot they write, the locks, and publishing.

The counting itself is engagement.ladder.counting; this module decides when its steps run and
makes the result safe to serve:

- A run is recorded (RecomputeRun) from start to end: when, which definition, what it covered
  (`covered`: the range, the forces and months it recounted, the stale marks it consumed), how
  long, how many rows, and success or the error.
- A run writes a NEW snapshot (is_current false) in steps that each commit on their own: one step
  per force (rebuild its rollup rows, count it), then a finishing step (copy what did not
  change, rung 0). Only then a final short transaction makes the snapshot current, replacing the
  previous one, and consumes the stale-month marks the run covered. A run that dies half way
  leaves the previous snapshot serving; the next run marks it abandoned and deletes its
  unpublished snapshot.
- Two runs never overlap. A database constraint allows one run in status "running" at a time,
  and run starts are serialised by a PostgreSQL advisory lock. A run is alive while some process
  holds its advisory lock (every step holds it while it works, and the command holds it from
  start to end) or, for runs shared out as Celery tasks, while its heartbeat is younger than
  settings.RECOMPUTE_LEASE_SECONDS (the gaps between tasks waiting in the queue). A second run
  that finds a live one says so and exits (status "skipped"); one that finds a dead one
  abandons it and goes on. On SQLite, which has no advisory locks, a run is alive while its
  heartbeat is younger than the lease: the same rule without the lock.
- Every step is idempotent, so Celery may deliver a task twice (acks_late, rejected on worker
  loss): a force step first deletes what it wrote before, under a lock on (run, force); the
  finishing step runs once per snapshot; publishing a published run does nothing.
- Incremental runs (the default for the published definition) recount only what changed since
  the previous snapshot: the forces with stale-month marks, from their earliest marked month
  (a lasting state carries a change forward; its rollup is replayed from that month, not
  rebuilt over the whole history); and, if the horizon moved, every force from the
  old horizon's next month (open states now reach further). Everything else is copied. A force
  whose stale months hold only imported citizens' new interactions is counted by difference
  instead (counting.py step 7: only those citizens are counted again), unless an unpublished
  run already rebuilt its rollups (RollupsAhead: they no longer match the published figures). Runs
  fall back to a full rebuild when there is no previous snapshot to build on, when the range
  moved backwards (data older than the previous earliest month, or data removed), or when the
  previous snapshot predates platform scope. An incremental run with nothing to count (no
  mark, the same range and horizon, rung 0 still what today's populations give) writes no
  snapshot at all: it succeeds and the published figures stay current.
- A run under a draft definition is a preview: a full rebuild into a snapshot marked is_preview,
  under the draft, that never touches the published definition's figures nor the marks. Its plan
  keeps the draft's fingerprint (`ladder`), so the impact preview knows when the draft changed.
- A run under a force's local lens counts that force only, always in full, and never consumes
  the marks (the shared run needs them): see "Local lenses" at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from structlog.contextvars import bound_contextvars

from engagement.definitions.selectors import current_definition, ladder_spec
from engagement.ladder import columnar, counting, mobility, upkeep
from engagement.ladder.periods import period_of
from engagement.ladder.signals import figures_published
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    Interaction,
    PeriodType,
    RecomputeRun,
    RollupsAhead,
    Scope,
    StaleCitizen,
    StaleMonth,
)
from forces.models import Force

logger = logging.getLogger(__name__)

Status = RecomputeRun.Status

# Advisory lock keys. Two-int keys: (LOCK_CLASS, 0) serialises run starts, (LOCK_CLASS, run id)
# is a run's own lock. One-bigint keys (a separate key space) lock one force step of one run.
LOCK_CLASS = 0x1ADDE2
START_KEY = 0
FORCE_STEP_BITS = 24

# How many previous snapshots of a definition to keep after publishing (for comparison).
KEEP_PREVIOUS_SNAPSHOTS = 1


class RunNotFinished(Exception):
    """The publishing step ran before every force step finished (Celery retries it)."""


# ---------------------------------------------------------------------------------------------
# Locks
# ---------------------------------------------------------------------------------------------


def _on_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def holding_run(run_id: int) -> Iterator[None]:
    """Hold the run's lock (shared: several workers may work on one run at once)."""
    if not _on_postgres():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)", [LOCK_CLASS, run_id])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock_shared(%s, %s)", [LOCK_CLASS, run_id])
        except Exception:  # the connection is gone, and the lock with it
            logger.warning("Could not release the lock of recompute run %s", run_id)


def _run_lock_held(run_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, run_id])
        (free,) = cursor.fetchone()
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, run_id])
    return not free


def _lock_starts() -> None:
    """Serialise run starts until the end of the transaction (SQLite serialises writes itself)."""
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, START_KEY])


def _lock_force_step(run_id: int, force_id: int) -> None:
    """Serialise two deliveries of the same force step until the end of the transaction."""
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [(run_id << FORCE_STEP_BITS) + force_id]
            )


def _prepare_counting() -> None:
    """Let PostgreSQL group a big force's citizens in memory rather than on disk, and join by
    hashing or merging (this transaction only; the worker process itself stays small).

    Every join in the counting is bulk, so a nested loop is never the right plan; the planner
    would pick one anyway where the rollup rows it has just rewritten have no statistics yet
    (it then expects one row where there are thousands).
    """
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = %s", [settings.RECOMPUTE_WORK_MEM])
            cursor.execute("SET LOCAL enable_nestloop = off")
            # The penalty that keeps nested loops out inflates the estimated cost past the JIT
            # thresholds: compiling would then take longer than counting.
            cursor.execute("SET LOCAL jit = off")
            # A force step's commit need not wait for the disk: lost in a crash, the step is
            # lost whole (its rows, its rollups and its "done" together), and the run cannot
            # publish without it. Forty-odd flushes were a fifth of a small incremental run.
            cursor.execute("SET LOCAL synchronous_commit = off")


def _analyze_rollups() -> None:
    """Fresh planner statistics for the rollups a run rewrote, for the pages and the next run."""
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE engagement_citizenmonth, engagement_lastingstate")


def is_alive(run: RecomputeRun) -> bool:
    """Whether a run in status "running" is still being worked on (see the module docstring)."""
    if _on_postgres():
        if _run_lock_held(run.pk):
            return True
        if run.in_process:
            return False
    lease = timedelta(seconds=settings.RECOMPUTE_LEASE_SECONDS)
    return run.heartbeat_at is not None and run.heartbeat_at > timezone.now() - lease


def _heartbeat(run_id: int) -> None:
    RecomputeRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now())


# ---------------------------------------------------------------------------------------------
# Starting a run
# ---------------------------------------------------------------------------------------------


def queue_run(
    *,
    definition: EngagementDefinition,
    full: bool = False,
    user: AbstractBaseUser | None = None,
) -> RecomputeRun:
    """Record a run to start. Only the published definition can be recomputed incrementally."""
    published = definition.status == DefinitionStatus.PUBLISHED and not definition.is_lens
    return RecomputeRun.objects.create(
        definition=definition,
        mode=RecomputeRun.Mode.INCREMENTAL if published and not full else RecomputeRun.Mode.FULL,
        preview=definition.status == DefinitionStatus.DRAFT,
        requested_by=user if user is not None and user.is_authenticated else None,
    )


def start_run(*, run_id: int, in_process: bool = False) -> list[int] | None:
    """Start a queued run: clean up dead runs, plan the work, open the snapshot.

    Returns the ids of the forces to count (possibly none), or None when the run does not go
    ahead (another run is alive, or this one already ended). Starting a run that is already
    running returns its forces again, so a redelivered start task re-queues the same
    (idempotent) steps.
    """
    try:
        with transaction.atomic():
            _lock_starts()
            run = (
                RecomputeRun.objects.select_for_update().select_related("definition").get(pk=run_id)
            )
            if run.status == Status.RUNNING:
                return [int(force_id) for force_id in run.covered["forces"]]
            if run.status != Status.QUEUED:
                return None
            for other in RecomputeRun.objects.filter(status=Status.RUNNING).exclude(pk=run_id):
                if is_alive(other):
                    since = timezone.localtime(other.started_at or other.queued_at)
                    _skip(
                        run,
                        f"Run {other.pk} (definition v{other.definition.version}, started "
                        f"{since:%Y-%m-%d %H:%M}) is still running, so this run did nothing.",
                    )
                    return None
                _abandon(other, by=run)
            now = timezone.now()
            run.covered = _plan(run)
            if _nothing_changed(run):
                _keep_published(run, at=now)
                return None
            run.status = Status.RUNNING
            run.started_at = run.heartbeat_at = now
            run.in_process = in_process
            run.save()
            data = run.covered.get("range")
            DistributionSnapshot.objects.create(
                definition=run.definition,
                run=run,
                is_preview=run.preview,
                first_month=data["first_month"] if data else None,
                horizon_month=data["horizon_month"] if data else None,
                horizon=data["horizon"] if data else None,
            )
    except IntegrityError:  # another start won the race for the one running slot
        RecomputeRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
            status=Status.SKIPPED,
            finished_at=timezone.now(),
            error="Another run started at the same moment, so this run did nothing.",
        )
        return None
    return [int(force_id) for force_id in run.covered["forces"]]


def _nothing_changed(run: RecomputeRun) -> bool:
    """Whether an incremental run has nothing to count: no force to recount, no stale mark,
    the same range and horizon as the published figures, and their rung 0 still what today's
    populations give. Its snapshot would be a row-for-row copy of the published one."""
    plan = run.covered
    if run.mode != RecomputeRun.Mode.INCREMENTAL or plan["forces"] or plan["marks"]:
        return False
    previous = DistributionSnapshot.objects.get(pk=plan["previous_snapshot"])
    data = plan["range"]
    if data is None or previous.horizon is None:
        return False
    same_range = (data["first_month"], data["horizon_month"]) == (
        previous.first_month,
        previous.horizon_month,
    )
    if not same_range or datetime.fromisoformat(data["horizon"]) != previous.horizon:
        return False
    return counting.rung_zero_is_current(
        snapshot_id=previous.pk,
        first_month=data["first_month"],
        horizon_month=data["horizon_month"],
    )


def _keep_published(run: RecomputeRun, *, at: datetime) -> None:
    """End a run that had nothing to count: the published figures stay, no new snapshot."""
    previous = DistributionSnapshot.objects.select_related("run").get(
        pk=run.covered["previous_snapshot"]
    )
    run.covered["note"] = (
        f"Nothing changed since run {previous.run_id}: its figures stay published."
    )
    run.status = Status.SUCCEEDED
    run.started_at = run.finished_at = run.heartbeat_at = at
    run.rows_written = previous.run.rows_written
    run.save()
    logger.info("Recompute run %s: nothing changed, the published figures stay", run.pk)


def _skip(run: RecomputeRun, reason: str) -> None:
    run.status = Status.SKIPPED
    run.finished_at = timezone.now()
    run.error = reason
    run.save(update_fields=["status", "finished_at", "error"])
    logger.warning("Recompute run %s skipped: %s", run.pk, reason)


def _abandon(run: RecomputeRun, *, by: RecomputeRun) -> None:
    """A run that died: record it, and delete its snapshot unless it was published."""
    run.status = Status.ABANDONED
    run.finished_at = timezone.now()
    run.error = (
        "The run stopped before finishing (worker or database lost); its unpublished figures "
        f"were deleted by run {by.pk}. The previous figures stayed current."
    )
    run.save(update_fields=["status", "finished_at", "error"])
    _delete_unpublished_snapshot(run.pk)
    logger.warning("Recompute run %s was abandoned; cleaned up by run %s", run.pk, by.pk)


def _delete_unpublished_snapshot(run_id: int) -> None:
    snapshots = DistributionSnapshot.objects.filter(run_id=run_id, is_current=False)
    Distribution.objects.filter(snapshot__in=snapshots).delete()
    snapshots.delete()


def _plan(run: RecomputeRun) -> dict:
    """What the run will do, stored in run.covered so that every step (any worker) reads it.

    {"range": {...} | None, "previous_snapshot": id | None, "note": why full,
     "forces": {force id: {"slug", "rebuild": "all" | [months], "recount_from": month | None}},
     "marks": [[mark id, marked_at]], "done": [force ids]}
    """
    published = run.definition.status == DefinitionStatus.PUBLISHED and not run.definition.is_lens
    # Marks first, then the range: an import committed before the marks were read is inside
    # the range; one committed later leaves a mark that survives for the next run.
    marks = list(StaleMonth.objects.values_list("pk", "force_id", "local_month", "marked_at"))
    data = counting.data_range()
    previous = DistributionSnapshot.objects.filter(
        definition=run.definition, is_current=True
    ).first()
    note = _why_full(run, previous, data)
    if note:
        run.mode = RecomputeRun.Mode.FULL
    incremental = run.mode == RecomputeRun.Mode.INCREMENTAL
    plan: dict = {
        "range": None,
        "previous_snapshot": previous.pk if incremental else None,
        "note": note,
        "forces": {},
        "marks": [],
        "done": [],
        "ladder": ladder_spec(run.definition).fingerprint(),
    }
    if data is None:
        return plan
    plan["range"] = {
        "first_month": data.first_month,
        "horizon_month": data.horizon_month,
        "horizon": data.horizon.isoformat(),
    }
    covered_marks = [mark for mark in marks if mark[2] <= data.horizon_month]
    if published:
        plan["marks"] = [[pk, marked_at.isoformat()] for pk, _, _, marked_at in covered_marks]
    forces = dict(
        _forces_of(run.definition)
        .filter(Exists(Interaction.objects.filter(force=OuterRef("pk"))))
        .order_by("id")
        .values_list("id", "slug")
    )
    if run.mode == RecomputeRun.Mode.FULL:
        plan["forces"] = {
            str(force_id): {"slug": slug, "rebuild": "all", "recount_from": None}
            for force_id, slug in forces.items()
        }
        return plan
    stale: dict[int, set[int]] = {}
    for _, force_id, month, _ in covered_marks:
        stale.setdefault(force_id, set()).add(month)
    horizon_moved_from = (
        previous.horizon_month + 1 if data.horizon_month > previous.horizon_month else None
    )
    for force_id, slug in forces.items():
        starts = [*stale.get(force_id, ()), *([horizon_moved_from] if horizon_moved_from else [])]
        if starts:
            plan["forces"][str(force_id)] = {
                "slug": slug,
                "rebuild": sorted(stale.get(force_id, ())),
                "recount_from": min(starts),
            }
    return plan


def _why_full(run, previous: DistributionSnapshot | None, data) -> str:
    """Why an incremental run must rebuild everything instead; empty when it need not."""
    if run.mode == RecomputeRun.Mode.FULL:
        return ""
    if previous is None or previous.is_preview:
        return "No published figures to build on yet: full rebuild."
    if data is None or previous.first_month is None:
        return "The previous figures were empty: full rebuild."
    if data.first_month < previous.first_month:
        return "Data older than the previous earliest month arrived: full rebuild."
    if data.horizon_month < previous.horizon_month:
        return "The horizon moved back (data removed): full rebuild."
    if _lacks_platform_scope(previous):
        return "The previous figures have no platform scope (older release): full rebuild."
    if _lacks_mobility(previous):
        return "The previous figures have no mobility (older release): full rebuild."
    return ""


def _lacks_mobility(snapshot: DistributionSnapshot) -> bool:
    """Whether a snapshot was written before mobility existed.

    Over two months or more, anyone engaged at force scope is in some pair of consecutive
    months, so engaged citizens without a single transition mean an older snapshot.
    """
    spans_two_months = (snapshot.horizon_month or 0) > (snapshot.first_month or 0)
    return (
        spans_two_months
        and Distribution.objects.filter(
            snapshot=snapshot, scope=Scope.FORCE, rung_position__gt=0, citizens__gt=0
        ).exists()
        and not snapshot.transitions.exists()
    )


def _lacks_platform_scope(snapshot: DistributionSnapshot) -> bool:
    """Whether a snapshot was written before platform scope existed.

    Every channel-scope row comes with platform-scope rows for its platform, so channel rows
    without any platform row mean an older snapshot; copying from it would leave the platform
    figures of the periods not recounted missing.
    """
    rows = Distribution.objects.filter(snapshot=snapshot)
    return (
        rows.filter(scope=Scope.CHANNEL).exists() and not rows.filter(scope=Scope.PLATFORM).exists()
    )


# ---------------------------------------------------------------------------------------------
# The steps
# ---------------------------------------------------------------------------------------------


def compute_force(*, run_id: int, force_id: int) -> int:
    """Rebuild one force's rollup where it changed and count it into the run's snapshot: by
    difference when only a few citizens' interactions changed, else by recounting."""
    with holding_run(run_id):
        run = RecomputeRun.objects.select_related("snapshot").get(pk=run_id)
        if run.status != Status.RUNNING:
            return 0  # abandoned, failed or already published: nothing to add
        _heartbeat(run_id)
        work = run.covered["forces"][str(force_id)]
        # A full recount may run in DuckDB (engagement.ladder.columnar): the force's results
        # are copied back into this transaction as the block ends. Never by difference.
        counting_in = columnar.engine_for(
            definition_id=run.definition_id,
            force_id=force_id,
            snapshot_id=run.snapshot.pk,
            full=work["rebuild"] == "all" and work["recount_from"] is None,
        )
        try:
            return _count_step(run, force_id, work, counting_in)
        except columnar.OutOfMemory:
            # A force too big for DuckDB's memory limit is counted in the database instead:
            # slower, the same figures, and the night's run does not fail for it.
            logger.warning("Force %s: DuckDB ran out of memory, counted in the database", force_id)
            return _count_step(run, force_id, work, nullcontext(None), out_of_memory=True)


def _count_step(
    run: RecomputeRun,
    force_id: int,
    work: dict,
    counting_in: AbstractContextManager[counting.Engine | None],
    *,
    out_of_memory: bool = False,
) -> int:
    """One force's step in one transaction: its rows counted, by difference or recounted with
    the engine `counting_in` gives, and the force marked done in the run (and among those
    DuckDB had no memory for, which the run's record keeps for whoever sizes the workers)."""
    with transaction.atomic(), counting_in as engine:
        _lock_force_step(run.pk, force_id)
        _prepare_counting()
        Distribution.objects.filter(snapshot=run.snapshot, force_id=force_id).delete()
        by_difference = engine is None and _can_count_by_difference(run, force_id, work)
        if by_difference:
            rows = _count_by_difference(run, force_id, work)
        else:
            rows = _recount(run, force_id, work, engine=engine)
        RollupsAhead.objects.bulk_create(
            [RollupsAhead(definition_id=run.definition_id, force_id=force_id)],
            ignore_conflicts=True,
        )
        done = RecomputeRun.objects.select_for_update().get(pk=run.pk)
        done.covered["done"] = sorted({*done.covered["done"], force_id})
        differed = set(done.covered.get("by_difference", [])) - {force_id}
        done.covered["by_difference"] = sorted(differed | ({force_id} if by_difference else set()))
        if out_of_memory:
            spilled = {*done.covered.get("out_of_duckdb_memory", []), force_id}
            done.covered["out_of_duckdb_memory"] = sorted(spilled)
        done.heartbeat_at = timezone.now()
        done.save(update_fields=["covered", "heartbeat_at"])
    return rows


def _recount(
    run: RecomputeRun, force_id: int, work: dict, *, engine: counting.Engine | None = None
) -> int:
    """Rebuild the force's rollups where they changed and count it from `recount_from` on;
    the finishing step copies its earlier periods. `engine` is DuckDB for a full recount
    (engagement.ladder.columnar), else the database itself."""
    data = run.covered["range"]
    if work["rebuild"]:
        months = None if work["rebuild"] == "all" else work["rebuild"]
        counting.rebuild_moments(
            definition_id=run.definition_id, force_id=force_id, months=months, engine=engine
        )
        counting.rebuild_states(
            definition_id=run.definition_id,
            force_id=force_id,
            from_month=None if months is None else min(months),
            engine=engine,
        )
    rows = counting.count_force(
        snapshot_id=run.snapshot.pk,
        definition_id=run.definition_id,
        force_id=force_id,
        periods=counting.periods_to_recount(
            data["first_month"], data["horizon_month"], work["recount_from"]
        ),
        first_month=data["first_month"],
        horizon_month=data["horizon_month"],
        engine=engine,
    )
    # Mobility (engagement.ladder.mobility): the same force's pairs of periods, from
    # the same rollups, into the same snapshot and transaction.
    mobility.count_force_moves(
        snapshot_id=run.snapshot.pk,
        definition_id=run.definition_id,
        force_id=force_id,
        first_month=data["first_month"],
        horizon_month=data["horizon_month"],
        recount_from=work["recount_from"],
        engine=engine,
    )
    return rows


def _can_count_by_difference(run: RecomputeRun, force_id: int, work: dict) -> bool:
    """Whether the force can be counted by difference (counting.py step 7) exactly: an
    incremental run over the previous snapshot's range, whose stale months hold only citizens'
    new interactions (no link or erasure: those ask for a recount), not too many of them, and
    whose rollups are still what the previous snapshot counted (no RollupsAhead)."""
    data, previous_id = run.covered["range"], run.covered["previous_snapshot"]
    if not previous_id or not isinstance(work["rebuild"], list) or not work["rebuild"]:
        return False
    previous = DistributionSnapshot.objects.get(pk=previous_id)
    if (previous.first_month, previous.horizon_month) != (
        data["first_month"],
        data["horizon_month"],
    ):
        return False
    if RollupsAhead.objects.filter(definition_id=run.definition_id, force_id=force_id).exists():
        return False
    stale = StaleCitizen.objects.filter(force_id=force_id, local_month__in=work["rebuild"])
    marks = stale.aggregate(
        recount=Count("pk", filter=Q(citizen__isnull=True)),
        changed=Count("citizen", distinct=True),
    )
    return not marks["recount"] and 0 < marks["changed"] <= StaleCitizen.DIFFERENCE_BUDGET


def _count_by_difference(run: RecomputeRun, force_id: int, work: dict) -> int:
    """Count the force as the previous snapshot's figures plus its changed persons' difference:
    taken away as the old rollups count them, their rollup rows rebuilt, added back."""
    data = run.covered["range"]
    difference = counting.Difference(
        snapshot_id=run.snapshot.pk,
        previous_snapshot_id=run.covered["previous_snapshot"],
        force_id=force_id,
    )
    difference.start(months=work["rebuild"])
    span = {
        "snapshot_id": run.snapshot.pk,
        "definition_id": run.definition_id,
        "force_id": force_id,
        "first_month": data["first_month"],
        "horizon_month": data["horizon_month"],
    }
    periods = counting.periods_to_recount(
        data["first_month"], data["horizon_month"], work["recount_from"]
    )
    counting.count_force(periods=periods, changed_sign=-1, **span)  # as the old rollups
    mobility.count_force_moves(recount_from=work["recount_from"], changed_sign=-1, **span)
    counting.rebuild_moments(
        definition_id=run.definition_id,
        force_id=force_id,
        months=work["rebuild"],
        changed_only=True,
    )
    counting.rebuild_states(
        definition_id=run.definition_id,
        force_id=force_id,
        from_month=min(work["rebuild"]),
        changed_only=True,
    )
    counting.count_force(periods=periods, changed_sign=1, **span)  # as the new ones
    mobility.count_force_moves(recount_from=work["recount_from"], changed_sign=1, **span)
    rows = counting.apply_difference(difference)
    mobility.apply_moves_difference(difference)
    difference.finish()
    return rows


def finish_run(*, run_id: int, before_publish: Callable[[], None] | None = None) -> RecomputeRun:
    """Write the rest of the snapshot, then publish it in one short transaction.

    `before_publish` is called between the two (tests use it to stop a run right there).
    """
    with holding_run(run_id):
        run = RecomputeRun.objects.select_related("snapshot").get(pk=run_id)
        if run.status != Status.RUNNING:
            return run
        missing = set(run.covered["forces"]) - {str(done) for done in run.covered["done"]}
        if missing:
            raise RunNotFinished(f"Run {run_id}: {len(missing)} force step(s) not finished yet.")
        _heartbeat(run_id)
        _write_rest(run)
        if before_publish is not None:
            before_publish()
        _publish(run)
    _prune_snapshots(run)
    upkeep.tidy_rollups(vacuum=run.mode == RecomputeRun.Mode.FULL, rollups=_rollups_rewritten(run))
    run.refresh_from_db()
    if not run.preview:
        figures_published.send(
            sender=RecomputeRun,
            snapshot_id=run.snapshot.pk,
            definition_version=run.definition.version,
            current=run.definition.status == DefinitionStatus.PUBLISHED,
        )
    logger.info("Recompute run %s published: %s rows in %s", run.pk, run.rows_written, run.duration)
    return run


def _write_rest(run: RecomputeRun) -> None:
    """Copy what did not change and write rung 0; once per snapshot."""
    data = run.covered["range"]
    with transaction.atomic():
        snapshot = DistributionSnapshot.objects.select_for_update().get(pk=run.snapshot.pk)
        if snapshot.written_at is not None or data is None:
            return
        if run.covered["previous_snapshot"]:
            unchanged = counting.UnchangedCopy(
                snapshot_id=snapshot.pk,
                previous_snapshot_id=run.covered["previous_snapshot"],
                recount_from={
                    int(force_id): work["recount_from"] or 0
                    for force_id, work in run.covered["forces"].items()
                }
                # A force counted by difference has every row already: nothing to copy.
                | dict.fromkeys(run.covered.get("by_difference", []), 0),
                first_month=data["first_month"],
                horizon_month=data["horizon_month"],
            )
            counting.copy_unchanged(unchanged)
            mobility.copy_unchanged_moves(unchanged)  # the pairs, as the distributions
        counting.count_rung_zero(
            snapshot_id=snapshot.pk,
            first_month=data["first_month"],
            horizon_month=data["horizon_month"],
        )
        _keep_only_the_lens_force(run, snapshot)
        snapshot.written_at = timezone.now()
        snapshot.save(update_fields=["written_at"])
    if _rollups_rewritten(run):
        _analyze_rollups()


def _rollups_rewritten(run: RecomputeRun) -> bool:
    """Whether the run rewrote rollup rows in bulk (it recounted some force): counting by
    difference rewrites a few citizens' rows, which leave the statistics as they were."""
    return bool(
        set(run.covered["forces"]) - {str(pk) for pk in run.covered.get("by_difference", [])}
    )


@transaction.atomic
def _publish(run: RecomputeRun) -> None:
    """Make the snapshot current, consume the marks it covered, and record the run's end."""
    now = timezone.now()
    DistributionSnapshot.objects.select_for_update().filter(
        definition=run.definition, is_current=True
    ).update(is_current=False)
    DistributionSnapshot.objects.filter(pk=run.snapshot.pk).update(
        is_current=True, published_at=now
    )
    seen = dict(run.covered["marks"])
    unchanged = [
        pk
        for pk, marked_at in StaleMonth.objects.select_for_update()
        .filter(pk__in=seen)
        .values_list("pk", "marked_at")
        if marked_at.isoformat() == seen[pk]
    ]
    StaleCitizen.objects.filter(
        Exists(
            StaleMonth.objects.filter(
                pk__in=unchanged, force_id=OuterRef("force_id"), local_month=OuterRef("local_month")
            )
        )
    ).delete()
    StaleMonth.objects.filter(pk__in=unchanged).delete()
    RollupsAhead.objects.filter(
        definition=run.definition, force_id__in=[int(pk) for pk in run.covered["forces"]]
    ).delete()
    run.status = Status.SUCCEEDED
    run.finished_at = run.heartbeat_at = now
    run.rows_written = Distribution.objects.filter(snapshot=run.snapshot).count()
    run.save(update_fields=["status", "finished_at", "heartbeat_at", "rows_written"])


def _prune_snapshots(run: RecomputeRun) -> None:
    """Delete superseded snapshots of the definition beyond the few kept for comparison."""
    superseded = DistributionSnapshot.objects.filter(
        definition=run.definition, is_current=False, published_at__isnull=False
    ).order_by("-published_at")[KEEP_PREVIOUS_SNAPSHOTS:]
    for snapshot in superseded:
        with transaction.atomic():
            Distribution.objects.filter(snapshot=snapshot).delete()
            snapshot.delete()


def fail_run(*, run_id: int, error: BaseException | str) -> None:
    """Record a run's failure and delete its unpublished snapshot; the old figures stay."""
    with transaction.atomic():
        run = RecomputeRun.objects.select_for_update().get(pk=run_id)
        if run.status not in {Status.QUEUED, Status.RUNNING}:
            return
        run.status = Status.FAILED
        run.finished_at = timezone.now()
        run.error = _describe(error)
        run.save(update_fields=["status", "finished_at", "error"])
        _delete_unpublished_snapshot(run_id)
    logger.error("Recompute run %s failed: %s", run_id, run.error)


def _describe(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    return f"{type(error).__name__}: {error}"[:2000]


# ---------------------------------------------------------------------------------------------
# The whole run in one process (the command, the demo set-up)
# ---------------------------------------------------------------------------------------------


def recompute_now(
    *,
    definition: EngagementDefinition | None = None,
    full: bool = False,
    user: AbstractBaseUser | None = None,
    before_publish: Callable[[], None] | None = None,
    progress: Callable[[list[int]], Iterable[int]] = list,
) -> RecomputeRun:
    """Run a recompute start to finish in this process: the same steps the Celery tasks run."""
    run = queue_run(definition=definition or current_definition(), full=full, user=user)
    return run_queued(run_id=run.pk, before_publish=before_publish, progress=progress)


def run_queued(
    *,
    run_id: int,
    before_publish: Callable[[], None] | None = None,
    progress: Callable[[list[int]], Iterable[int]] = list,
) -> RecomputeRun:
    """Run a queued run start to finish in this process (the command; the admin and publishing
    without REDIS_URL). Every failure marks it failed; it holds the run's lock throughout, so
    a killed process is seen as dead at once. Every log line carries the run id. `progress`
    wraps the forces to compute (a progress bar for `make demo`)."""
    with bound_contextvars(run_id=run_id), holding_run(run_id):
        logger.info("Recompute run %s starting in this process", run_id)
        force_ids = start_run(run_id=run_id, in_process=True)
        if force_ids is not None:
            try:
                for force_id in progress(list(force_ids)):
                    compute_force(run_id=run_id, force_id=force_id)
                finish_run(run_id=run_id, before_publish=before_publish)
            except Exception as error:
                fail_run(run_id=run_id, error=error)
    return RecomputeRun.objects.get(pk=run_id)


def mark_sent(*, run_id: int, at: datetime | None) -> None:
    """Record when a queued run was handed to the workers (None: the send failed); the message
    carries the same time, so that only the latest send of a run starts it."""
    RecomputeRun.objects.filter(pk=run_id, status=Status.QUEUED).update(sent_at=at)


def mark_in_process(*, run_id: int) -> None:
    """A queued run this process will do itself (the background thread without REDIS_URL):
    never shown as waiting for a worker, never sent to one."""
    RecomputeRun.objects.filter(pk=run_id, status=Status.QUEUED).update(in_process=True)


def is_latest_send(*, run_id: int, sent: str) -> bool:
    """Whether a message sent at `sent` (ISO time) is the run's latest send."""
    sent_at = RecomputeRun.objects.filter(pk=run_id).values_list("sent_at", flat=True).first()
    return sent_at is not None and sent_at.isoformat() == sent


def runs_to_resend() -> list[int]:
    """Queued runs that never reached the workers, or that no worker started in
    settings.RECOMPUTE_RESEND_MINUTES: oldest first."""
    waited = timezone.now() - timedelta(minutes=settings.RECOMPUTE_RESEND_MINUTES)
    return list(
        RecomputeRun.objects.filter(status=Status.QUEUED, in_process=False)
        .filter(Q(sent_at__isnull=True) | Q(sent_at__lt=waited))
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)
    )


# ---------------------------------------------------------------------------------------------
# For people: what a run covered, in words
# ---------------------------------------------------------------------------------------------


def describe_coverage(covered: dict) -> str:
    """A one-line account of a run's plan, for the admin and the command's output."""
    if not covered:
        return ""
    data = covered.get("range")
    if not data:
        return "No interactions held: nothing to count."
    forces = covered.get("forces", {})
    rebuilt = [work["slug"] for work in forces.values() if work["rebuild"]]
    text = f"{label(data['first_month'])} to {label(data['horizon_month'])}; "
    text += f"{len(forces)} force(s) counted, {len(rebuilt)} rebuilt from interactions"
    recount = [work["recount_from"] for work in forces.values() if work["recount_from"]]
    if recount:
        text += f", from {label(min(recount))} at the earliest"
    if covered.get("marks"):
        text += f"; {len(covered['marks'])} stale month mark(s) consumed"
    if covered.get("note"):
        text += f". {covered['note']}"
    return text


def progress_of(run: RecomputeRun) -> dict:
    """Where a run stands, for a page following it: its state, forces counted of how many, and
    once it ended, its result in words."""
    covered = run.covered or {}
    ended = run.status not in {Status.QUEUED, Status.RUNNING}
    if run.status == Status.SUCCEEDED:
        what = "preview figures" if run.preview else "figures"
        took = f" in {run.duration.total_seconds():.0f} s" if run.duration else ""
        result = f"Finished{took}: the {what} are ready ({run.rows_written:,} rows written)."
    elif ended:
        result = f"{run.get_status_display()}. {run.error}".strip()
    else:
        result = ""
    return {
        "run": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "in_progress": not ended,
        "done": len(covered.get("done", [])),
        "total": len(covered.get("forces", {})),
        "result": result,
    }


def label(month: int) -> str:
    """A month index as people write it (2026-04)."""
    return period_of(PeriodType.MONTH, month).label


# ---------------------------------------------------------------------------------------------
# Local lenses: a force's own variant of the ladder, counted for that force only
# ---------------------------------------------------------------------------------------------


def _forces_of(definition: EngagementDefinition):
    """The forces a run under this version counts: every force, or a lens's own force."""
    if definition.is_lens:
        return Force.objects.filter(pk=definition.force_id)
    return Force.objects.all()


def _keep_only_the_lens_force(run: RecomputeRun, snapshot: DistributionSnapshot) -> None:
    """Rung 0 is written for every force; a lens snapshot holds its own force's figures only."""
    if run.definition.is_lens:
        Distribution.objects.filter(snapshot=snapshot).exclude(
            force_id=run.definition.force_id
        ).delete()


def recompute_lenses(*, user: AbstractBaseUser | None = None) -> list[RecomputeRun]:
    """Recompute every published local lens, one after the other, in this process.

    Run after the shared run (a lens is one force, so one process does it quickly); the shared
    figures are not touched.
    """
    lenses = EngagementDefinition.every_scope.filter(
        force__isnull=False, status=DefinitionStatus.PUBLISHED
    ).order_by("force_id")
    return [recompute_now(definition=lens, full=True, user=user) for lens in lenses]
