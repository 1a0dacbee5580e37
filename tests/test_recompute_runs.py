"""Recompute runs: incremental equals full, crash safety, no overlap, previews, the record."""

import os
import random
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft
from engagement.ladder import counting, recompute
from engagement.ladder.recompute import (
    compute_force,
    finish_run,
    queue_run,
    recompute_now,
    start_run,
)
from engagement.models import (
    Distribution,
    DistributionSnapshot,
    Interaction,
    RecomputeRun,
    StaleMonth,
)
from tests.factories import (
    ChannelFactory,
    CitizenFactory,
    ForceFactory,
    RecomputeRunFactory,
    SnapshotFactory,
)
from tests.recompute_helpers import (
    act,
    current_snapshot,
    engaged,
    mark_stale,
    snapshot_moves,
    snapshot_rows,
)

pytestmark = pytest.mark.django_db

KINDS = ["view", "like", "reply", "share", "attend", "volunteer", "co-design"]
LASTING = ["follow", "unfollow", "subscribe", "unsubscribe"]


class SimulatedKill(BaseException):
    """Stops a run dead, like a killed worker: no cleanup code catches a BaseException."""


def random_interactions(rng: random.Random, channels, citizens, months, count: int):
    made = []
    for _ in range(count):
        year, month = rng.choice(months)
        when = f"{year:04d}-{month:02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
        kind = rng.choice(KINDS + LASTING * 3)
        made.append(act(rng.choice(channels), rng.choice(citizens), kind, when))
    return made


def succeeded(run: RecomputeRun) -> RecomputeRun:
    assert run.status == RecomputeRun.Status.SUCCEEDED, run.error
    return run


# --- incremental == full ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_run_after_a_second_import_equals_a_full_rebuild(seed):
    rng = random.Random(seed)
    forces = [ForceFactory() for _ in range(3)]
    channels = [ChannelFactory(force=force) for force in forces for _ in range(2)]
    citizens = [CitizenFactory() for _ in range(12)]
    first = [(2025, m) for m in range(3, 13)]
    random_interactions(rng, channels, citizens, first, 120)
    succeeded(recompute_now(full=True))
    StaleMonth.objects.all().delete()

    # The second import touches one force only, in old months and beyond the old horizon.
    later = [(2025, 6), (2025, 11), (2026, 1), (2026, 2)]
    second = random_interactions(rng, channels[:2], citizens, later, 40)
    mark_stale(second)
    incremental = succeeded(recompute_now())
    assert incremental.mode == RecomputeRun.Mode.INCREMENTAL
    rebuilt = {work["slug"] for work in incremental.covered["forces"].values() if work["rebuild"]}
    assert rebuilt == {forces[0].slug}
    incremental_rows = snapshot_rows(current_snapshot())
    incremental_moves = snapshot_moves(current_snapshot())

    succeeded(recompute_now(full=True))
    assert incremental_rows == snapshot_rows(current_snapshot())
    assert incremental_moves == snapshot_moves(current_snapshot())


def test_incremental_run_with_nothing_changed_copies_the_figures():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "follow", "2026-01-10")
    act(channel, CitizenFactory(), "share", "2026-02-10")
    succeeded(recompute_now(full=True))
    before = snapshot_rows(current_snapshot())
    run = succeeded(recompute_now())
    assert run.covered["forces"] == {}
    assert snapshot_rows(current_snapshot()) == before


def test_incremental_run_after_figures_without_platform_scope_rebuilds_in_full():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "share", "2026-02-10")
    succeeded(recompute_now(full=True))
    before = snapshot_rows(current_snapshot())
    Distribution.objects.filter(snapshot=current_snapshot(), scope="platform").delete()
    run = succeeded(recompute_now())
    assert run.mode == RecomputeRun.Mode.FULL
    assert "platform scope" in run.covered["note"]
    assert snapshot_rows(current_snapshot()) == before


def test_incremental_run_carries_an_open_state_to_a_new_horizon_in_an_untouched_force():
    quiet, busy = ChannelFactory(), ChannelFactory()
    act(quiet, CitizenFactory(), "follow", "2026-01-10")
    act(busy, CitizenFactory(), "view", "2026-01-20")
    succeeded(recompute_now(full=True))
    mark_stale([act(busy, CitizenFactory(), "view", "2026-03-05")])
    run = succeeded(recompute_now())
    assert run.mode == RecomputeRun.Mode.INCREMENTAL
    assert engaged(period="2026-03", channel=quiet) == {1: 1}
    assert engaged(period="2026-Q1", period_type="quarter", channel=quiet) == {1: 1}


def test_incremental_run_falls_back_to_full_when_older_data_arrives():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")
    succeeded(recompute_now(full=True))
    mark_stale([act(channel, CitizenFactory(), "view", "2025-06-10")])
    run = succeeded(recompute_now())
    assert run.mode == RecomputeRun.Mode.FULL
    assert "older" in run.covered["note"]
    assert engaged(period="2025-06", channel=channel) == {1: 1}


# --- the snapshot and its publication -----------------------------------------------------------


def test_run_consumes_the_stale_marks_it_covered():
    channel = ChannelFactory()
    mark_stale([act(channel, CitizenFactory(), "view", "2026-01-10")])
    succeeded(recompute_now())
    assert not StaleMonth.objects.exists()


def test_mark_renewed_by_an_import_during_the_run_survives_for_the_next_run():
    channel = ChannelFactory()
    mark_stale([act(channel, CitizenFactory(), "view", "2026-01-10")])

    def import_meanwhile():
        StaleMonth.objects.update(marked_at=timezone.now() + timedelta(seconds=1))

    succeeded(recompute_now(before_publish=import_meanwhile))
    assert StaleMonth.objects.count() == 1


def test_publishing_replaces_the_current_snapshot_and_records_the_run():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")
    first = succeeded(recompute_now(full=True))
    second = succeeded(recompute_now(full=True))
    assert current_snapshot().run == second
    assert not DistributionSnapshot.objects.get(run=first).is_current
    assert second.rows_written == Distribution.objects.filter(snapshot__run=second).count() > 0
    assert second.duration is not None and second.finished_at >= second.started_at
    assert second.covered["range"]["horizon_month"] == 2026 * 12


def test_old_snapshots_beyond_the_previous_one_are_deleted():
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    runs = [succeeded(recompute_now(full=True)) for _ in range(3)]
    kept = set(DistributionSnapshot.objects.values_list("run", flat=True))
    assert kept == {runs[1].pk, runs[2].pk}


def test_run_killed_between_writing_and_publishing_leaves_the_old_snapshot_current():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")
    old = succeeded(recompute_now(full=True))
    mark_stale([act(channel, CitizenFactory(), "like", "2026-01-11")])

    def die():
        raise SimulatedKill

    with pytest.raises(SimulatedKill):
        recompute_now(before_publish=die)
    killed = RecomputeRun.objects.latest("pk")
    assert killed.status == RecomputeRun.Status.RUNNING
    assert killed.snapshot.written_at is not None and not killed.snapshot.is_current
    assert current_snapshot().run == old
    assert engaged(period="2026-01", channel=channel) == {1: 1}
    assert StaleMonth.objects.count() == 1

    # Past the lease (on SQLite, the only sign of a dead run; PostgreSQL also sees the free lock).
    expired = timezone.now() - timedelta(seconds=settings.RECOMPUTE_LEASE_SECONDS + 1)
    RecomputeRun.objects.filter(pk=killed.pk).update(heartbeat_at=expired)
    succeeded(recompute_now())
    killed.refresh_from_db()
    assert killed.status == RecomputeRun.Status.ABANDONED
    assert not DistributionSnapshot.objects.filter(run=killed).exists()
    assert engaged(period="2026-01", channel=channel) == {1: 1, 2: 1}


def test_failed_step_records_the_error_and_keeps_the_old_figures(monkeypatch):
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")
    old = succeeded(recompute_now(full=True))

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(counting, "count_force", broken)
    run = recompute_now(full=True)
    assert run.status == RecomputeRun.Status.FAILED
    assert run.error == "RuntimeError: disk full"
    assert not DistributionSnapshot.objects.filter(run=run).exists()
    assert current_snapshot().run == old


def test_force_step_delivered_twice_writes_its_rows_once():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")
    run = queue_run(definition=current_definition(), full=True)
    (force_id,) = start_run(run_id=run.pk)
    compute_force(run_id=run.pk, force_id=force_id)
    rows = Distribution.objects.filter(snapshot__run=run).count()
    compute_force(run_id=run.pk, force_id=force_id)
    assert Distribution.objects.filter(snapshot__run=run).count() == rows
    first = finish_run(run_id=run.pk)
    assert finish_run(run_id=run.pk).rows_written == first.rows_written


def test_publishing_waits_until_every_force_step_finished():
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    run = queue_run(definition=current_definition(), full=True)
    start_run(run_id=run.pk)
    with pytest.raises(recompute.RunNotFinished):
        finish_run(run_id=run.pk)


# --- no overlap -------------------------------------------------------------------------------


def test_run_started_while_a_shared_out_run_is_alive_says_so_and_does_nothing():
    alive = RecomputeRunFactory(
        status=RecomputeRun.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    run = recompute_now()
    assert run.status == RecomputeRun.Status.SKIPPED
    assert f"Run {alive.pk}" in run.error and "still running" in run.error


def test_run_whose_heartbeat_expired_is_abandoned_and_its_snapshot_deleted():
    stale = timezone.now() - timedelta(seconds=settings.RECOMPUTE_LEASE_SECONDS + 60)
    dead = RecomputeRunFactory(
        status=RecomputeRun.Status.RUNNING, started_at=stale, heartbeat_at=stale
    )
    SnapshotFactory(run=dead, is_current=False)
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    succeeded(recompute_now())
    dead.refresh_from_db()
    assert dead.status == RecomputeRun.Status.ABANDONED
    assert not DistributionSnapshot.objects.filter(run=dead).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_second_run_exits_while_the_first_holds_its_lock():
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    seen: list[RecomputeRun] = []

    def second_run_meanwhile():
        def in_another_connection():
            try:
                seen.append(recompute_now())
            finally:
                connection.close()

        thread = threading.Thread(target=in_another_connection)
        thread.start()
        thread.join()

    first = succeeded(recompute_now(before_publish=second_run_meanwhile))
    (second,) = seen
    assert second.status == RecomputeRun.Status.SKIPPED
    assert f"Run {first.pk}" in second.error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_process_killed_between_writing_and_publishing_is_cleaned_up_by_the_next_run():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")
    old = succeeded(recompute_now(full=True))
    mark_stale([act(channel, CitizenFactory(), "share", "2026-01-11")])
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
    }
    code = (
        "import os, signal\n"
        "from engagement.ladder.recompute import recompute_now\n"
        "recompute_now(full=True, before_publish=lambda: os.kill(os.getpid(), signal.SIGKILL))\n"
    )
    killed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr.decode()
    dead = RecomputeRun.objects.latest("pk")
    assert dead.status == RecomputeRun.Status.RUNNING and dead.in_process
    assert current_snapshot().run == old
    assert engaged(period="2026-01", channel=channel) == {1: 1}

    succeeded(recompute_now())
    dead.refresh_from_db()
    assert dead.status == RecomputeRun.Status.ABANDONED
    assert engaged(period="2026-01", channel=channel) == {1: 1, 4: 1}


# --- previews ----------------------------------------------------------------------------------


def test_recompute_under_a_draft_writes_a_preview_that_leaves_published_figures_alone():
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "share", "2026-01-10")
    published = succeeded(recompute_now())
    mark_stale(Interaction.objects.all())
    draft = create_draft()
    draft.kinds.filter(slug="share").update(rung=draft.rungs.get(position=6))
    preview = succeeded(recompute_now(definition=draft))
    assert preview.preview and preview.mode == RecomputeRun.Mode.FULL
    assert current_snapshot(draft).is_preview
    assert current_snapshot(current_definition()).run == published
    assert engaged(period="2026-01", channel=channel, snapshot=current_snapshot(draft)) == {6: 1}
    published_figures = current_snapshot(current_definition())
    assert engaged(period="2026-01", channel=channel, snapshot=published_figures) == {4: 1}
    assert StaleMonth.objects.exists()  # a preview never consumes the published run's marks


# --- the command ---------------------------------------------------------------------------------


def test_recompute_command_reports_the_run(capsys):
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    call_command("recompute", "--full")
    out = capsys.readouterr().out
    assert "definition v1 full rebuild" in out and "2026-01 to 2026-01" in out


def test_recompute_command_names_an_unknown_definition():
    with pytest.raises(CommandError, match="no definition version 9"):
        call_command("recompute", "--definition", "9")


def test_recompute_command_skipped_by_a_run_in_progress_exits_0_saying_skipped(capsys):
    """A cron job must not alert because the nightly run was still going."""
    running = RecomputeRunFactory(
        status=RecomputeRun.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    call_command("recompute")  # no CommandError: exit status 0
    out = capsys.readouterr().out
    assert "skipped" in out and f"Run {running.pk}" in out and "still running" in out
    assert RecomputeRun.objects.latest("pk").status == RecomputeRun.Status.SKIPPED
    assert not DistributionSnapshot.objects.exists()


# --- the schedule and the in-process (eager) Celery path of the demo ----------------------------


def test_beat_schedule_runs_the_nightly_task_at_half_past_two_london_time():
    from config.celery import app
    from engagement.ladder import tasks  # noqa: F401 (the worker imports it by autodiscovery)

    entry = settings.CELERY_BEAT_SCHEDULE["nightly-recompute"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
    assert app.conf.timezone == "Europe/London"


def test_nightly_task_runs_in_process_without_redis(monkeypatch):
    from config.celery import app
    from engagement.ladder.tasks import nightly_recompute

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "reply", "2026-01-10")
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-11")
    run_id = nightly_recompute.delay().get()
    run = RecomputeRun.objects.get(pk=run_id)
    assert run.status == RecomputeRun.Status.SUCCEEDED, run.error
    assert len(run.covered["done"]) == 2
    assert engaged(period="2026-01", channel=channel) == {2: 1}
