"""Counting by difference: an incremental run after an import counts only the citizens it
changed (counting.py step 7), and recounts the force whenever the difference could not be exact."""

import io
from pathlib import Path

import pytest

from engagement.citizens.services import erase_citizen
from engagement.definitions.selectors import current_definition
from engagement.ingest.interactions import ImportRequest, import_interactions
from engagement.ingest.links import import_links
from engagement.ladder import recompute
from engagement.models import RollupsAhead, StaleCitizen
from forces.models import Force
from tests.recompute_helpers import (
    current_snapshot,
    import_files,
    snapshot_moves,
    snapshot_rows,
    succeed,
)

pytestmark = pytest.mark.django_db

SMALL = Path(__file__).parent / "examples" / "small"
HEADER = "force,channel,citizen,kind,occurred_at,external_id\n"
NEW_IN_KENT = (
    "kent,twitter-main,@USER00001,share,2026-10-20T10:00:00Z,new-1",
    "kent,twitter-main,@newcomer,reply,2026-10-21T10:00:00Z,new-2",
)


def imported(*rows: str) -> None:
    text = HEADER + "".join(f"{row}\n" for row in rows)
    import_interactions(source=io.BytesIO(text.encode()), request=ImportRequest(filename="x.csv"))


def kent() -> int:
    return Force.objects.get(slug="kent").pk


def figures_now() -> tuple[set, set]:
    return snapshot_rows(current_snapshot()), snapshot_moves(current_snapshot())


def assert_equals_a_full_run(figures: tuple[set, set]) -> None:
    succeed(full=True)
    assert figures == figures_now()


@pytest.fixture
def counted():
    import_files(SMALL)
    succeed(full=True)


def test_an_import_records_the_citizens_it_changed(counted):
    imported(*NEW_IN_KENT)

    assert StaleCitizen.objects.filter(force_id=kent(), citizen__isnull=False).count() == 2


def test_an_import_changing_more_citizens_than_the_budget_records_a_recount_instead(
    counted, monkeypatch
):
    monkeypatch.setattr(StaleCitizen, "DIFFERENCE_BUDGET", 1)

    imported(*NEW_IN_KENT)

    marks = StaleCitizen.objects.filter(force_id=kent())
    assert marks.count() == 1 and marks.get().citizen_id is None  # October: one recount mark


def test_a_run_after_an_import_counts_the_force_by_difference(counted):
    imported(*NEW_IN_KENT)

    run = succeed()

    assert run.covered["by_difference"] == [kent()]
    assert_equals_a_full_run(figures_now())


def test_a_published_run_consumes_the_changed_citizens(counted):
    imported(*NEW_IN_KENT)

    succeed()

    assert not StaleCitizen.objects.exists()
    assert not RollupsAhead.objects.exists()


def test_runs_by_difference_one_after_another_stay_exact(counted):
    imported(*NEW_IN_KENT)
    succeed()
    imported("kent,twitter-main,@newcomer,follow,2026-10-22T10:00:00Z,new-3")
    imported("kent,twitter-main,@USER00001,unfollow,2026-10-23T10:00:00Z,new-4")

    run = succeed()

    assert run.covered["by_difference"] == [kent()]
    assert_equals_a_full_run(figures_now())


def test_more_changed_citizens_than_the_budget_recount_the_force(counted, monkeypatch):
    monkeypatch.setattr(StaleCitizen, "DIFFERENCE_BUDGET", 1)
    imported(*NEW_IN_KENT)

    run = succeed()

    assert run.covered["by_difference"] == []
    assert_equals_a_full_run(figures_now())


def test_an_erasure_recounts_the_forces_it_touched(counted):
    erase_citizen(platform="twitter", identifier="@USER00001", actor_name="test")

    run = succeed()

    assert run.covered["by_difference"] == []
    assert_equals_a_full_run(figures_now())


def test_a_link_recounts_its_force(counted):
    links = "force,platform,citizen,linked_platform,linked_citizen\n"
    links += "kent,twitter,user00013,offline,user00008\n"
    import_links(source=io.BytesIO(links.encode()), request=ImportRequest(filename="links.csv"))
    imported(*NEW_IN_KENT)

    run = succeed()

    assert kent() not in run.covered["by_difference"]
    assert_equals_a_full_run(figures_now())


def test_a_force_step_delivered_twice_counts_the_force_once(counted):
    imported(*NEW_IN_KENT)
    run = recompute.queue_run(definition=current_definition())
    force_ids = recompute.start_run(run_id=run.pk)

    for force_id in force_ids:
        recompute.compute_force(run_id=run.pk, force_id=force_id)
        recompute.compute_force(run_id=run.pk, force_id=force_id)
    recompute.finish_run(run_id=run.pk)

    assert_equals_a_full_run(figures_now())


def test_rollups_rebuilt_by_a_failed_run_make_the_next_run_recount(counted):
    imported(*NEW_IN_KENT)
    failed = recompute.queue_run(definition=current_definition())
    for force_id in recompute.start_run(run_id=failed.pk):
        recompute.compute_force(run_id=failed.pk, force_id=force_id)
    recompute.fail_run(run_id=failed.pk, error="stopped")

    run = succeed()

    assert run.covered["by_difference"] == []
    assert_equals_a_full_run(figures_now())


def test_data_in_a_new_month_recounts_every_force(counted):
    imported("kent,twitter-main,@USER00001,share,2026-11-02T10:00:00Z,next-month-1")

    run = succeed()

    assert run.covered["by_difference"] == []
    assert_equals_a_full_run(figures_now())


def test_new_data_for_a_linked_identifier_counts_its_whole_person_by_difference(counted):
    links = "force,platform,citizen,linked_platform,linked_citizen\n"
    links += "kent,twitter,user00013,offline,user00008\n"
    import_links(source=io.BytesIO(links.encode()), request=ImportRequest(filename="links.csv"))
    succeed()
    imported("kent,offline-main,user00008,volunteer,2026-10-25T10:00:00Z,linked-1")

    run = succeed()

    assert run.covered["by_difference"] == [kent()]
    assert_equals_a_full_run(figures_now())
