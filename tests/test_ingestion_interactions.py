"""Interactions imports that succeed: duplicates, time zones, stale months, the command."""

import io
import sys
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagement.ingest.channels import import_channels
from engagement.ingest.interactions import (
    ImportRejected,
    ImportRequest,
    import_interactions,
    parse_occurred_at,
)
from engagement.ladder.periods import month_index
from engagement.models import Citizen, ImportBatch, Interaction, StaleMonth
from forces.models import Force, Platform
from tests.factories import ChannelFactory
from tests.ingestion import UNKNOWN_KIND, csv_file, examples_dir

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent_twitter():
    return ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="twitter-main", platform=Platform.TWITTER
    )


@pytest.fixture
def kent_facebook():
    return ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="facebook-main", platform=Platform.FACEBOOK
    )


def import_lines(*lines: str, **request):
    """Import the lines; keywords are the ImportRequest's (filename, dry_run...)."""
    return import_interactions(source=csv_file(*lines), request=ImportRequest(**request))


def test_the_small_example_imports_and_a_second_import_is_all_duplicates():
    folder = examples_dir("small")
    with (folder / "channels.csv").open("rb") as channels:
        import_channels(source=channels)
    with (folder / "interactions.csv").open("rb") as source:
        first = import_interactions(source=source)
    held = Interaction.objects.count()
    with (folder / "interactions.csv").open("rb") as source:
        second = import_interactions(source=source)
    assert first.rows_read == 154
    assert first.created == held == 152  # two rows repeat an earlier row of the file
    assert first.duplicates == 2
    assert (second.rows_read, second.created, second.duplicates) == (154, 0, 154)
    assert Interaction.objects.count() == held


def test_a_repeated_external_id_on_a_channel_is_a_duplicate(kent_twitter):
    result = import_lines(
        "kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,e1",
        "kent,twitter-main,someone,like,2026-05-02T10:00:00Z,e1",
    )
    assert (result.created, result.duplicates) == (1, 1)
    assert Interaction.objects.get().kind == "view"


def test_an_external_id_held_from_an_earlier_import_is_a_duplicate(kent_twitter):
    import_lines("kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,e1")
    result = import_lines("kent,twitter-main,someone,like,2026-06-01T10:00:00Z,e1")
    assert (result.created, result.duplicates) == (0, 1)


def test_the_same_external_id_on_another_channel_is_not_a_duplicate(kent_twitter, kent_facebook):
    result = import_lines(
        "kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,e1",
        "kent,facebook-main,janedoe,view,2026-05-01T10:00:00Z,e1",
    )
    assert (result.created, result.duplicates) == (2, 0)


def test_without_external_id_the_same_citizen_kind_and_instant_is_a_duplicate(kent_twitter):
    result = import_lines(
        "kent,twitter-main,@JaneDoe,view,2026-05-01T10:00:00Z,",
        "kent,twitter-main,janedoe,view,2026-05-01T11:00:00+01:00,",
        "kent,twitter-main,janedoe,like,2026-05-01T10:00:00Z,",
    )
    assert (result.created, result.duplicates) == (2, 1)
    again = import_lines("kent,twitter-main,JANEDOE,view,2026-05-01T10:00:00Z,")
    assert (again.created, again.duplicates) == (0, 1)


def test_a_row_without_external_id_matching_a_held_row_with_one_is_a_duplicate(kent_twitter):
    import_lines("kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,e1")
    result = import_lines("kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,")
    assert (result.created, result.duplicates) == (0, 1)


def test_rows_are_stored_with_citizen_kind_instant_month_and_external_id(kent_twitter):
    import_lines("kent,twitter-main,@JaneDoe,reply,2026-03-31T23:30:00Z,")
    row = Interaction.objects.select_related("citizen").get()
    assert row.channel == kent_twitter
    assert row.force.slug == "kent"
    assert row.kind == "reply"
    assert row.occurred_at == datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert row.local_month == month_index(2026, 4)  # 00:30 BST on 1 April
    assert row.external_id is None
    assert row.citizen.platform == Platform.TWITTER
    assert len(row.citizen.pseudonym) == 32


def test_one_handle_in_two_forces_on_one_platform_is_one_citizen(kent_twitter):
    ChannelFactory(force=Force.objects.get(slug="essex"), slug="tw", platform=Platform.TWITTER)
    import_lines(
        "kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,",
        "essex,tw,@JaneDoe,view,2026-05-01T10:00:00Z,",
    )
    assert Citizen.objects.count() == 1
    assert Interaction.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-03-31T23:30:00Z", datetime(2026, 3, 31, 23, 30, tzinfo=UTC)),
        ("2026-01-01T00:30:00+01:00", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
        # Without an offset: Europe/London. GMT before the spring change, BST after it.
        ("2026-03-29T00:30:00", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
        ("2026-03-29T02:30:00", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        ("2026-06-30T23:30:00", datetime(2026, 6, 30, 22, 30, tzinfo=UTC)),
        # 01:30 on 25 October 2026 happens twice: the first (BST) is taken.
        ("2026-10-25T01:30:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("2026-10-25T02:30:00", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_occurred_at_is_read_as_an_instant_at_the_bst_boundaries(text, instant):
    assert parse_occurred_at(text) == instant


def test_a_local_time_the_spring_change_skips_does_not_exist():
    with pytest.raises(ValueError, match="does not exist in Europe/London"):
        parse_occurred_at("2026-03-29T01:30:00")


def test_a_naive_time_late_on_the_last_day_of_a_bst_month_stays_in_that_month(kent_twitter):
    import_lines("kent,twitter-main,janedoe,reply,2026-06-30T23:30:00,")
    assert Interaction.objects.get().local_month == month_index(2026, 6)


def test_an_import_marks_the_months_it_added_rows_to_as_stale(kent_twitter):
    import_lines(
        "kent,twitter-main,a,view,2026-03-31T23:30:00Z,",
        "kent,twitter-main,b,view,2026-05-01T10:00:00Z,",
    )
    assert set(StaleMonth.objects.values_list("force__slug", "local_month")) == {
        ("kent", month_index(2026, 4)),
        ("kent", month_index(2026, 5)),
    }


def test_an_import_of_only_duplicates_marks_nothing_stale(kent_twitter):
    import_lines("kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1")
    StaleMonth.objects.all().delete()
    import_lines("kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1")
    assert not StaleMonth.objects.exists()


def test_a_dry_run_counts_but_writes_nothing(kent_twitter):
    import_lines("kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1")
    result = import_lines(
        "kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1",
        "kent,twitter-main,b,view,2026-05-01T10:00:00Z,e2",
        dry_run=True,
    )
    assert (result.rows_read, result.created, result.duplicates) == (2, 1, 1)
    assert Interaction.objects.count() == 1
    assert ImportBatch.objects.filter(status=ImportBatch.Status.DRY_RUN).count() == 1


def test_a_successful_import_is_recorded(kent_twitter):
    import_lines("kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1", filename="may.csv")
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.filename, batch.rows_read, batch.created) == (
        ImportBatch.Status.SUCCEEDED,
        "may.csv",
        1,
        1,
    )


def test_columns_in_any_order_with_bom_crlf_and_no_external_id(kent_twitter):
    source = io.BytesIO(
        "\ufeffoccurred_at,kind,citizen,channel,force\r\n"
        "2026-05-01T10:00:00Z,view,janedoe,twitter-main,kent\r\n".encode()
    )
    assert import_interactions(source=source).created == 1


def test_a_quoted_field_may_hold_a_comma_and_a_line_break(kent_twitter):
    source = csv_file('kent,twitter-main,"jane,\ndoe",view,2026-05-01T10:00:00Z,e1', "bad")
    with pytest.raises(ImportRejected) as rejected:
        import_interactions(source=source)
    assert rejected.value.problems == ["line 4: row: has 1 values but the header has 6 columns"]


def test_many_rows_go_in_with_a_constant_number_of_queries(kent_twitter):
    lines = [
        f"kent,twitter-main,c{n % 700},view,2026-05-01T10:{n % 60:02d}:00Z,e{n}"
        for n in range(12_000)
    ]
    with CaptureQueriesContext(connection) as queries:
        result = import_lines(*lines)
    assert (result.created, result.duplicates) == (12_000, 0)
    assert Citizen.objects.count() == 700
    assert len(queries) < 26  # one more since an import records its changed citizens


@pytest.mark.postgres
def test_on_postgresql_rows_are_copied_into_a_staging_table(kent_twitter, monkeypatch):
    copied = []
    from psycopg2.extensions import cursor as pg_cursor

    original = pg_cursor.copy_expert

    class Spy(pg_cursor):
        def copy_expert(self, sql, file, *args, **kwargs):
            copied.append(sql)
            return original(self, sql, file, *args, **kwargs)

    monkeypatch.setattr(connection.connection, "cursor_factory", Spy)
    lines = [f"kent,twitter-main,c{n},view,2026-05-01T10:00:00Z,e{n}" for n in range(5_000)]
    result = import_lines(*lines)
    assert result.created == 5_000
    assert copied == [
        "COPY ingest_staging (seq, force_id, channel_id, platform, pseudonym, kind, "
        "occurred_at, local_month, external_id) FROM STDIN WITH (FORMAT csv)"
    ]


def test_the_command_prints_a_summary(kent_twitter, tmp_path):
    path = tmp_path / "one.csv"
    path.write_bytes(csv_file("kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1").getvalue())
    out = io.StringIO()
    call_command("import_interactions", str(path), stdout=out)
    assert "1 row(s) read, 1 created, 0 duplicate(s) skipped" in out.getvalue()


def test_the_command_reads_standard_input_for_a_dash(kent_twitter, monkeypatch):
    data = csv_file("kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1").getvalue()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out = io.StringIO()
    call_command("import_interactions", "-", stdout=out)
    assert "-: 1 row(s) read, 1 created" in out.getvalue()


def test_the_command_fails_with_every_problem_and_writes_nothing(kent_twitter, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_file("kent,twitter-main,a,poke,2026-05-01T10:00:00Z,e1").getvalue())
    err = io.StringIO()
    with pytest.raises(CommandError, match="import rejected, 1 problem"):
        call_command("import_interactions", str(path), stderr=err)
    assert f"line 2: kind: {UNKNOWN_KIND}" in err.getvalue()
    assert not Interaction.objects.exists()


def test_only_kept_rows_make_a_later_row_without_external_id_a_duplicate():
    """The reproduction of issue #10: the share is skipped (a1 is held), so it makes the same
    share without an id no duplicate."""
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="fb", platform=Platform.FACEBOOK)
    import_lines("kent,fb,alice,view,2026-03-01T10:00:00Z,a1")
    result = import_lines(
        "kent,fb,alice,share,2026-03-10T10:00:00Z,a1",
        "kent,fb,alice,share,2026-03-10T10:00:00Z,",
    )
    assert (result.rows_read, result.created, result.duplicates) == (2, 1, 1)
    assert sorted(Interaction.objects.values_list("kind", "external_id")) == [
        ("share", None),
        ("view", "a1"),
    ]
