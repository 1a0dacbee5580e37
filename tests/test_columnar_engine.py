"""The DuckDB engine of a full recount (engagement.ladder.columnar) counts exactly as PostgreSQL:
the same figures, pairs and rollups, row for row, on the same data; the setting chooses it."""

import io
from pathlib import Path

import pytest

from engagement.ingest.links import import_links
from engagement.ingest.rows import ImportRequest
from engagement.ladder import columnar
from engagement.ladder.columnar import DuckDBEngine
from engagement.models import CitizenMonth, LastingState, RecomputeRun
from forces.models import Force, Platform
from tests.factories import ChannelFactory, CitizenFactory
from tests.recompute_helpers import act, import_files, snapshot_moves, snapshot_rows, succeed

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SMALL = Path(__file__).parent / "examples" / "small"
LINKS = (
    "force,platform,citizen,linked_platform,linked_citizen\n"
    "kent,twitter,user00013,offline,user00008\n"
    "kent,twitter,user00015,offline,user00015\n"
    "kent,offline,user00007,twitter,user00005\n"
)


def counted_with(engine: str, settings) -> dict[str, object]:
    """A full recount on `engine`: its snapshot's rows and pairs, and the rollups it rebuilt."""
    settings.COUNTING_ENGINE = engine
    snapshot = succeed(full=True).snapshot
    return {
        "distribution": snapshot_rows(snapshot),
        "mobility": snapshot_moves(snapshot),
        "moments": sorted(
            CitizenMonth.objects.values_list(
                "definition_id", "force_id", "channel_id", "citizen_id", "month", "rung_position"
            )
        ),
        "states": sorted(
            LastingState.objects.values_list(
                "definition_id",
                "force_id",
                "channel_id",
                "citizen_id",
                "kind",
                "rung_position",
                "opened_month",
                "closed_month",
            ),
            key=repr,
        ),
    }


@pytest.fixture(autouse=True)
def every_force_in_duckdb(settings):
    """The examples' forces are small, which counts them in the database by default."""
    settings.COUNTING_DUCKDB_FROM = 0


@pytest.fixture
def small_example_with_links():
    import_files(SMALL)
    import_links(source=io.BytesIO(LINKS.encode()), request=ImportRequest(filename="links.csv"))


@pytest.mark.parametrize("part", ["distribution", "mobility", "moments", "states"])
def test_duckdb_counts_the_worked_example_with_links_row_for_row_as_postgresql(
    small_example_with_links, settings, part
):
    in_postgres = counted_with("postgres", settings)
    in_duckdb = counted_with("duckdb", settings)
    assert in_duckdb[part] == in_postgres[part]
    assert in_duckdb[part]  # the example exercises this part


def test_duckdb_counts_states_that_open_and_close_at_one_instant_as_postgresql(settings):
    kent = Force.objects.get(slug="kent")
    twitter = ChannelFactory(force=kent, slug="twitter", platform=Platform.TWITTER)
    youtube = ChannelFactory(force=kent, slug="youtube", platform=Platform.YOUTUBE)
    follower, subscriber = CitizenFactory(), CitizenFactory()
    act(twitter, follower, "follow", "2026-01-10T09:00:00Z")
    act(twitter, follower, "unfollow", "2026-01-10T09:00:00Z")
    act(twitter, follower, "follow", "2026-03-02")
    act(twitter, follower, "follow", "2026-04-02")  # a second opening while open
    act(youtube, subscriber, "subscribe", "2026-02-15")
    act(youtube, subscriber, "reply", "2026-05-15")
    in_postgres = counted_with("postgres", settings)
    in_duckdb = counted_with("duckdb", settings)
    assert in_duckdb == in_postgres


def engine_of(*, full: bool):
    """The engine a force step would count with (Kent, the published definition)."""
    with columnar.engine_for(
        definition_id=1, force_id=Force.objects.get(slug="kent").pk, snapshot_id=0, full=full
    ) as engine:
        return engine


def test_a_full_recount_counts_in_duckdb_by_default():
    assert isinstance(engine_of(full=True), DuckDBEngine)


def test_an_incremental_recount_counts_in_the_database():
    assert engine_of(full=False) is None


def test_a_force_smaller_than_counting_duckdb_from_counts_in_the_database(settings):
    kent = ChannelFactory(force=Force.objects.get(slug="kent"), platform=Platform.TWITTER)
    act(kent, CitizenFactory(), "like", "2026-01-10")
    settings.COUNTING_DUCKDB_FROM = 2
    assert engine_of(full=True) is None


def test_a_force_holding_counting_duckdb_from_interactions_counts_in_duckdb(settings):
    kent = ChannelFactory(force=Force.objects.get(slug="kent"), platform=Platform.TWITTER)
    act(kent, CitizenFactory(), "like", "2026-01-10")
    act(kent, CitizenFactory(), "like", "2026-01-11")
    settings.COUNTING_DUCKDB_FROM = 2
    assert isinstance(engine_of(full=True), DuckDBEngine)


def test_counting_engine_postgres_counts_full_recounts_in_the_database(settings):
    settings.COUNTING_ENGINE = "postgres"
    assert engine_of(full=True) is None


@pytest.fixture
def duckdb_without_memory():
    """This thread's DuckDB database held to less memory than counting a force takes."""
    database = columnar._database()
    database.execute("SET memory_limit = '256KB'")
    yield
    database.execute(f"SET memory_limit = '{columnar.MEMORY_LIMIT}'")


def test_a_force_too_big_for_duckdb_memory_is_counted_in_the_database_instead(
    small_example_with_links, settings, duckdb_without_memory, caplog
):
    in_duckdb_without_memory = counted_with("duckdb", settings)
    spilled = RecomputeRun.objects.latest("pk").covered["out_of_duckdb_memory"]
    in_postgres = counted_with("postgres", settings)
    assert in_duckdb_without_memory == in_postgres
    assert in_postgres["distribution"]
    assert "DuckDB ran out of memory, counted in the database" in caplog.text
    assert spilled  # the run's record says which forces
