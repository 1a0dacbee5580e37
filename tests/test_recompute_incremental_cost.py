"""What an incremental run spares: with nothing to count it writes no snapshot, and it never
vacuums (full runs do: engagement.ladder.upkeep)."""

import pytest
from django.db import connection

from engagement.models import Distribution, DistributionSnapshot, Interaction, RecomputeRun
from forces.models import Force
from tests.factories import ChannelFactory, CitizenFactory
from tests.recompute_helpers import act, current_snapshot, mark_stale, snapshot_rows, succeed


@pytest.fixture
def counted(db):
    channel = ChannelFactory(force=Force.objects.get(slug="kent"))
    act(channel, CitizenFactory(), "follow", "2026-01-10")
    act(channel, CitizenFactory(), "share", "2026-02-10")
    succeed(full=True)
    return channel


def test_a_run_with_nothing_to_count_keeps_the_published_snapshot(counted):
    published = current_snapshot()
    run = succeed()
    assert run.mode == RecomputeRun.Mode.INCREMENTAL
    assert "Nothing changed" in run.covered["note"]
    assert current_snapshot() == published
    assert DistributionSnapshot.objects.count() == 1
    assert run.rows_written == published.run.rows_written


def test_a_new_population_is_counted_though_no_interaction_changed(counted):
    Force.objects.filter(slug="kent").update(population=1234)
    succeed()
    incremental = snapshot_rows(current_snapshot())
    assert incremental != snapshot_rows(DistributionSnapshot.objects.order_by("pk").first())
    succeed(full=True)
    assert incremental == snapshot_rows(current_snapshot())


def test_a_new_interaction_is_counted_into_a_new_snapshot(counted):
    published = current_snapshot()
    act(counted, CitizenFactory(), "reply", "2026-02-11")
    mark_stale(Interaction.objects.filter(kind="reply"))
    succeed()
    assert current_snapshot() != published


def vacuums() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = %s",
            [Distribution._meta.db_table],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_incremental_runs_do_not_vacuum_and_full_runs_do():
    channel = ChannelFactory(force=Force.objects.get(slug="kent"))
    act(channel, CitizenFactory(), "share", "2026-02-10")
    succeed(full=True)
    before = vacuums()
    act(channel, CitizenFactory(), "reply", "2026-02-11")
    mark_stale(Interaction.objects.filter(kind="reply"))
    assert succeed().mode == RecomputeRun.Mode.INCREMENTAL
    assert vacuums() == before
    succeed(full=True)
    assert vacuums() == before + 1
