"""An incremental run equals a full run after each kind of change the data can go through.

Each case starts from the small worked example, counted in full, then makes its changes through
the services a real change goes through (the import, the erasure), one step at a time. After
every step the incremental run's figures and mobility must be those of a full run on the same
data. A new kind of change is one more entry in CASES.
"""

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from engagement.citizens.services import erase_citizen
from engagement.ingest.interactions import ImportRequest, import_interactions
from engagement.ingest.links import import_links, withdraw_links
from engagement.models import RecomputeRun
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


def imported(*rows: str) -> Callable[[], None]:
    """A step: these rows (force,channel,citizen,kind,occurred_at,external_id) imported."""

    def step() -> None:
        text = HEADER + "".join(f"{row}\n" for row in rows)
        import_interactions(
            source=io.BytesIO(text.encode()), request=ImportRequest(filename="change.csv")
        )

    return step


def erased(platform: str, identifier: str) -> Callable[[], None]:
    def step() -> None:
        erase_citizen(platform=platform, identifier=identifier, actor_name="test")

    return step


LINKS = (
    "force,platform,citizen,linked_platform,linked_citizen\n"
    "kent,twitter,user00013,offline,user00008\n"
    "kent,twitter,user00015,offline,user00015\n"
    "kent,offline,user00007,twitter,user00005\n"
)


def links(change: Callable[..., object]) -> Callable[[], None]:
    """A step: Kent's links recorded (import_links) or their consent withdrawn (withdraw_links)."""

    def step() -> None:
        change(source=io.BytesIO(LINKS.encode()), request=ImportRequest(filename="links.csv"))

    return step


# The small example runs from 2025-01 to 2026-10: 2026-10 is its current month.
CASES: dict[str, list[Callable[[], None]]] = {
    "new data in the current month": [
        imported(
            "kent,twitter-main,@USER00001,share,2026-10-20T10:00:00Z,new-1",
            "kent,twitter-main,@newcomer,reply,2026-10-21T10:00:00Z,new-2",
            "dyfed-powys,offline-main,user00013,attend,2026-10-22T10:00:00Z,new-3",
        )
    ],
    "data in an old month": [
        imported(
            "kent,twitter-main,@USER00001,volunteer,2025-03-05T10:00:00Z,old-1",
            "avon-and-somerset,nextdoor-main,@latecomer,like,2025-03-06T10:00:00Z,old-2",
        )
    ],
    "a lasting state opened and closed": [
        imported("kent,twitter-main,@follower,follow,2025-11-03T10:00:00Z,state-1"),
        imported("kent,twitter-main,@follower,unfollow,2026-04-03T10:00:00Z,state-2"),
    ],
    "a citizen erased": [erased("twitter", "@USER00001"), erased("instagram", "user00016")],
    "a link added and withdrawn": [links(import_links), links(withdraw_links)],
    "new data for a linked identifier": [
        links(import_links),
        imported("kent,offline-main,user00008,volunteer,2026-10-25T10:00:00Z,linked-1"),
    ],
}


@pytest.fixture
def counted():
    import_files(SMALL)
    succeed(full=True)


@pytest.mark.parametrize("steps", CASES.values(), ids=CASES.keys())
def test_an_incremental_run_equals_a_full_run_after_each_step(counted, steps):
    for step in steps:
        before = snapshot_rows(current_snapshot())
        step()
        run = succeed()
        assert run.mode == RecomputeRun.Mode.INCREMENTAL, run.covered["note"]
        incremental = snapshot_rows(current_snapshot()), snapshot_moves(current_snapshot())
        assert incremental[0] != before, "the step changed no figure: it tests nothing"
        succeed(full=True)
        assert incremental == (
            snapshot_rows(current_snapshot()),
            snapshot_moves(current_snapshot()),
        )
